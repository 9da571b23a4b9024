//! Small shared statistics helpers with no simulation knowledge: quantiles, summary statistics and the per-task random-stream convention.
