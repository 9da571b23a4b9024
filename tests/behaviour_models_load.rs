//! Every model file of the sanctions library loads and resolves (names, arrays, modules,
//! interfaces), and every preset and scenario file parses.

use std::path::{Path, PathBuf};

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

#[test]
fn every_block_and_the_coupled_model_load() {
    for name in [
        "fiscal.toml",
        "inflation.toml",
        "currency.toml",
        "coalition.toml",
        "sanctions.toml",
    ] {
        let path = models_dir().join(name);
        if let Err(e) = pressure::model::load(&path) {
            panic!("{name} does not load:\n{e}");
        }
    }
}

#[test]
fn every_preset_and_scenario_parses() {
    for sub in ["presets", "scenarios"] {
        let dir = models_dir().join(sub);
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            n += 1;
            if let Err(e) = pressure::model::ScenarioFile::load(&path) {
                panic!("{} does not parse:\n{e}", path.display());
            }
        }
        assert!(n >= 5, "expected files in {}", dir.display());
    }
}
