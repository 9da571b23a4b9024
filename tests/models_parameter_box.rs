//! Issue 4, deliverable 5 (second half): the models run across their whole parameter box.
//!
//! For the coupled model and each block alone, 200 parameter sets are drawn by Latin hypercube
//! sampling (seeded) from the declared range of every parameter (one coordinate per element of
//! an arrayed constant); the scenario levers of the coupled model (sanction levels by channel,
//! coverage, onset and lifting times, oil collapse, aid offer, threat) are parameters with ranges
//! too, so the draws cover every mix of scenario and regime. Every run must reach the end without
//! a non-finite value, and every variable must stay inside the range its doc declares
//! (`in [lo, hi]`, models/README.md).
//!
//! A block's inputs (the constants standing in for the other blocks' outputs) stay at their
//! defaults in the block-alone draws: drawn independently they describe states the coupled
//! model cannot reach (surrender leakage larger than the proceeds, a price level with no money
//! behind it); the coupled draws explore them through the other blocks' parameters.
//!
//! The engine's `non_negative` clamp is switched off for these runs: reserves and debt must
//! stay non-negative by construction (flows that vanish with the stock), not because the
//! integrator sets them back to zero.

mod behaviour_support;
use behaviour_support::*;
use pressure::model::VarKind;
use pressure::sensitivity::prelude::{Design, LatinHypercube};
use pressure::sim::CompiledModel;

const DRAWS: usize = 200;
const SEED: u64 = 20_261_126;

/// Constants whose elements are shares of one whole (the doc says "sum to 1"): a draw
/// normalises them, so the draw stays a valid parameter set.
fn normalise_simplex_constants(model: &CompiledModel, params: &mut pressure::sim::ParamSet) {
    let mut groups: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, info) in model.parameters().iter().enumerate() {
        if info.doc.as_deref().is_some_and(|d| d.contains("sum to 1")) && info.name.contains('[') {
            groups.entry(info.variable.as_str()).or_default().push(i);
        }
    }
    for idx in groups.values() {
        let total: f64 = idx.iter().map(|&i| params.get(i)).sum();
        for &i in idx {
            params.set(i, params.get(i) / total);
        }
    }
}

fn draw_and_run(file: &str) {
    let mut ir = load_ir(file);
    let ranges = declared_ranges(&ir);
    for v in &mut ir.variables {
        if let VarKind::Stock(s) = &mut v.kind {
            s.non_negative = false;
        }
    }
    let model = CompiledModel::compile(&ir).unwrap_or_else(|e| panic!("{file}: {e}"));
    let stop = model.default_settings().stop;
    let inputs: Vec<String> = ir
        .interface
        .inputs
        .iter()
        .map(|&id| ir.var(id).name.clone())
        .collect();
    let ranged: Vec<(usize, f64, f64)> = model
        .parameters()
        .iter()
        .enumerate()
        .filter(|(_, p)| !inputs.contains(&p.variable))
        .filter_map(|(i, p)| {
            p.range
                .filter(|(lo, hi)| hi > lo)
                .map(|(lo, hi)| (i, lo, hi))
        })
        .collect();
    let design = LatinHypercube::new(ranged.len(), DRAWS, SEED).unwrap();
    let unit = design.all_unit_rows();
    let mut problems = Vec::new();
    let mut failed_draws = 0;
    for (k, row) in unit.chunks_exact(ranged.len()).enumerate() {
        let mut params = model.default_params();
        for (&(i, lo, hi), u) in ranged.iter().zip(row) {
            params.set(i, lo + u * (hi - lo));
        }
        normalise_simplex_constants(&model, &mut params);
        let what = format!("{file} draw {k}");
        let found = match try_run_params(&model, &[], Some(&params)) {
            Ok(r) => check_run(&what, &r, stop, &ranges),
            Err(e) => vec![format!("{what}: {e}")],
        };
        if !found.is_empty() {
            failed_draws += 1;
            problems.extend(found);
        }
    }
    println!(
        "{file}: {DRAWS} draws over {} ranged parameters, {} declared ranges checked",
        ranged.len(),
        ranges.len()
    );
    assert!(
        problems.is_empty(),
        "{file}: {failed_draws} of {DRAWS} draws fail:\n{}",
        problems[..problems.len().min(40)].join("\n")
    );
}

#[test]
fn coupled_model_runs_across_the_parameter_box() {
    draw_and_run("sanctions.toml");
}

#[test]
fn fiscal_block_runs_across_the_parameter_box() {
    draw_and_run("fiscal.toml");
}

#[test]
fn inflation_block_runs_across_the_parameter_box() {
    draw_and_run("inflation.toml");
}

#[test]
fn currency_block_runs_across_the_parameter_box() {
    draw_and_run("currency.toml");
}

#[test]
fn coalition_block_runs_across_the_parameter_box() {
    draw_and_run("coalition.toml");
}
