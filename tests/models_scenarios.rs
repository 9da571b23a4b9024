//! Issue 4, deliverable 5 (first half): every regime preset x every scenario of the coupled
//! sanctions model, and every block alone, run to the end without a non-finite value and with
//! every variable inside the range its doc declares (`in [lo, hi]`, see models/README.md;
//! non-negative stocks `[0, inf)`).
//!
//! The preset and scenario lists are read from models/presets/ and models/scenarios/, so a new
//! file is covered without editing this test.

mod behaviour_support;
use behaviour_support::*;

/// The convention is actually used: the coupled model declares ranges for its shares and
/// probabilities (a guard against a doc rewrite that silently disables the range checks).
const MIN_DECLARED_RANGES: usize = 40;

#[test]
fn the_range_convention_parses_what_the_docs_say() {
    assert_eq!(doc_range("L_i: loyalty, in [0,1]."), Some((0.0, 1.0)));
    assert_eq!(doc_range("burden in [0,1)."), Some((0.0, 1.0)));
    assert_eq!(
        doc_range("hazard in [0, inf) per year"),
        Some((0.0, f64::INFINITY))
    );
    assert_eq!(doc_range("p_i in [W/S, 1): chance"), None);
    assert_eq!(doc_range("no range here"), None);
}

#[test]
fn every_preset_with_every_scenario_runs_to_the_end_within_declared_ranges() {
    let ir = load_ir("sanctions.toml");
    let ranges = declared_ranges(&ir);
    assert!(
        ranges.len() >= MIN_DECLARED_RANGES,
        "only {} variables of the coupled model declare a range",
        ranges.len()
    );
    let model = coupled();
    let stop = model.default_settings().stop;
    let mut presets: Vec<Option<String>> = vec![None];
    presets.extend(stems("presets").into_iter().map(Some));
    let scenarios = stems("scenarios");
    assert!(presets.len() >= 6 && scenarios.len() >= 15);
    let mut problems = Vec::new();
    let mut runs = 0;
    for preset in &presets {
        for scenario in &scenarios {
            let files = files(preset.as_deref(), scenario);
            let what = format!("{} + {scenario}", label(preset.as_deref()));
            match try_run_params(model, &files, None) {
                Ok(r) => problems.extend(check_run(&what, &r, stop, &ranges)),
                Err(e) => problems.push(format!("{what}: {e}")),
            }
            runs += 1;
        }
    }
    println!(
        "{runs} preset x scenario runs, {} declared ranges checked",
        ranges.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Each block runs alone with its inputs at their defaults, all at the low end of their
/// ranges, and all at the high end.
#[test]
fn every_block_runs_alone_with_its_inputs_at_defaults_and_at_the_ends_of_their_ranges() {
    let mut problems = Vec::new();
    for file in [
        "fiscal.toml",
        "inflation.toml",
        "currency.toml",
        "coalition.toml",
    ] {
        let ir = load_ir(file);
        let ranges = declared_ranges(&ir);
        let model = block(file);
        let stop = model.default_settings().stop;
        let inputs: Vec<String> = ir
            .interface
            .inputs
            .iter()
            .map(|&id| ir.var(id).name.clone())
            .collect();
        assert!(!inputs.is_empty(), "{file} declares no inputs");
        for (case, end) in [
            ("defaults", None),
            ("inputs low", Some(0)),
            ("inputs high", Some(1)),
        ] {
            let mut params = model.default_params();
            if let Some(end) = end {
                for info in model.parameters() {
                    if !inputs.contains(&info.variable) {
                        continue;
                    }
                    if let Some((lo, hi)) = info.range {
                        let i = model.param_index(&info.name).unwrap();
                        params.set(i, if end == 0 { lo } else { hi });
                    }
                }
            }
            let what = format!("{file} ({case})");
            match try_run_params(&model, &[], Some(&params)) {
                Ok(r) => problems.extend(check_run(&what, &r, stop, &ranges)),
                Err(e) => problems.push(format!("{what}: {e}")),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
