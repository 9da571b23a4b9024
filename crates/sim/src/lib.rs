//! Compiles a model IR into a flat program over contiguous f64 storage and integrates it (Euler, RK2, RK4, Dopri5, Dop853); scenarios, results and parallel batch runs.
