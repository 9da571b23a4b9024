//! The shipped model library through the units checker: every unit expression parses (no
//! malformed expression, no broken `[units]` entry). Other findings (undeclared names,
//! mismatches) are printed for the modellers, not failed on here: `pressure check
//! --strict-units` is where a model is held to them.

use pressure_model::units::{check_units, FindingKind};
use std::path::PathBuf;

fn models() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models");
    let mut out = Vec::new();
    for dir in [root.clone(), root.join("examples")] {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "toml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_unit_expression_of_the_library_parses() {
    let mut broken = Vec::new();
    for p in models() {
        let Ok(model) = pressure_model::load(&p) else {
            println!(
                "{}: does not load (not a units problem; skipped)",
                p.display()
            );
            continue;
        };
        let r = check_units(&model);
        let mut counts = std::collections::BTreeMap::new();
        for f in &r.findings {
            *counts.entry(format!("{:?}", f.kind)).or_insert(0) += 1;
            if matches!(f.kind, FindingKind::Malformed | FindingKind::Declaration) {
                broken.push(f.diagnostic.to_string());
            }
        }
        println!("{}: {:?}", p.display(), counts);
        for f in r.findings.iter().take(8) {
            println!("    {}", f.diagnostic);
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
