//! Setup shared by the integration tests whose episodes observe one constant of a toy model
//! (`hierarchy.rs`, `prior_sensitivity.rs`).

use std::path::Path;

/// A model whose only output `effect` equals its constant `theta` (two years, quarterly Euler
/// steps): an episode that maps `effect` observes the parameter `theta` directly.
pub const THETA_MODEL: &str = r#"
[settings]
start = 0.0
stop = 2.0
dt = 0.25
save_every = 0.25
method = "euler"
time_units = "year"

[constants.theta]
value = 0.0

[aux.effect]
equation = "theta"
"#;

/// Writes [`THETA_MODEL`] to `dir/m.toml` (the experiments refer to it as `model = "m.toml"`).
pub fn write_theta_model(dir: &Path) {
    std::fs::write(dir.join("m.toml"), THETA_MODEL).unwrap();
}
