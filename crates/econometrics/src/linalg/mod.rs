//! Dense linear algebra the estimators share: accurate least squares (QR + double-double
//! refinement), double-double arithmetic, and small symmetric-matrix helpers.

pub mod dd;
pub mod lstsq;
pub mod sym;
