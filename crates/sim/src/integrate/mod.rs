//! Integration methods. The fixed-step methods (Euler, RK2, RK4) run in place over the slot
//! array in [`crate::simulator`]; the adaptive Dormand–Prince methods are here.

pub(crate) mod adaptive;
mod tableau;

pub use adaptive::AdaptiveStats;
