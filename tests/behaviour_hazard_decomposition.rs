//! The leader-exit hazard of block D counts each effect once (issue 12, block D):
//!
//!   ln h_PH = ln h_W(tenure) + beta_C (C0 - C) + beta_M (M - M0) + beta_S,res B
//!
//! * **No double counting of the sanction effect.** The published hazard ratios of sanctions by
//!   regime type (Escriba-Folch & Wright 2010; literature.md 5.7) are total effects, so the
//!   direct term beta_S,res B is the residual left after the mediated channels (cohesion,
//!   mobilisation). Each preset documents its total ratio (models/README.md, block D; the preset
//!   files) and sets beta_S,res so that the model reproduces it: the ratio of the exit hazard
//!   with and without sanctions, averaged over the first five years after onset and over the
//!   two typical packages of behaviour test 5 (US financial sanctions, an oil embargo), with the
//!   sanctions held in force, must equal the documented total within 0.01 (beta_S,res is
//!   rounded to two decimals, which moves the ratio by less than 0.005). On failure the test
//!   prints the residual that would reproduce the total.
//! * **Cohesion enters the hazard once**, with the documented coefficient: within a time step the
//!   hazard depends on the loyalties and power weights only through `cohesion`, cohesion reaches
//!   it only through `mediated_log_hazard`, and along a run
//!   ln(h_PH / h_W) - beta_M (M - M0) - beta_S,res B = beta_C (C0 - C) to rounding.
//! * **The exit-mode split adds nothing**: the cause-specific hazards sum to the exit hazard.
//! * **No separate fiscal term**: fiscal space reaches the hazard only through the stocks it
//!   moves (patronage -> loyalty, security spending -> repression -> mobilisation).

mod behaviour_support;
use behaviour_support::*;
use pressure::model::{Model, VarId, VarKind};
use std::collections::BTreeSet;

/// The documented total hazard ratio of each preset (`None`: the model defaults). Sources: lit.
/// 5.7 puts exp(beta_S) at 1.2-2.0 for personalist regimes and monarchies and at ~1.0 for
/// single-party and military regimes (Escriba-Folch & Wright 2010 direction [E], magnitudes
/// [A]); the electoral autocracy (lit. 5.8: "depends on factionalism") and the generic default
/// are assumptions between the two groups.
const DOCUMENTED_TOTAL: [(Option<&str>, f64); 6] = [
    (None, 1.3),
    (Some("personalist"), 1.5),
    (Some("single_party"), 1.0),
    (Some("military"), 1.0),
    (Some("monarchy"), 1.5),
    (Some("electoral_autocracy"), 1.2),
];

const PACKAGES: [&str; 2] = ["us_unilateral_financial", "energy_embargo"];

/// The model's total hazard ratio of a preset with the residual `beta` (or the preset's own).
fn total_ratio(preset: Option<&str>, beta: Option<f64>) -> f64 {
    let mut sets = HELD_IN_FORCE.to_vec();
    if let Some(b) = beta {
        sets.push(("coalition.sanction_hazard", b));
    }
    PACKAGES
        .iter()
        .map(|s| exit_hazard_ratio(preset, s, &sets))
        .sum::<f64>()
        / PACKAGES.len() as f64
}

/// The residual that makes the total ratio `target` (secant iterations from 0 and 0.3).
fn residual_for(preset: Option<&str>, target: f64) -> f64 {
    let f = |b: f64| total_ratio(preset, Some(b)) - target;
    let (mut b0, mut b1) = (0.0, 0.3);
    let (mut f0, mut f1) = (f(b0), f(b1));
    for _ in 0..8 {
        if (f1 - f0).abs() < 1e-12 {
            break;
        }
        let b2 = b1 - f1 * (b1 - b0) / (f1 - f0);
        (b0, f0, b1) = (b1, f1, b2);
        f1 = f(b1);
        if f1.abs() < 1e-6 {
            break;
        }
    }
    b1
}

#[test]
fn the_total_sanction_hazard_ratio_is_each_presets_documented_total() {
    let mut problems = Vec::new();
    for (preset, documented) in DOCUMENTED_TOTAL {
        let total = total_ratio(preset, None);
        let mediated = total_ratio(preset, Some(0.0));
        println!(
            "{}: total hazard ratio {total:.4} (documented {documented}), mediated channels alone {mediated:.4}",
            label(preset)
        );
        if (total - documented).abs() > 0.01 {
            problems.push(format!(
                "{}: total ratio {total:.4}, documented {documented}; the residual sanction_hazard reproducing it is {:.3}",
                label(preset),
                residual_for(preset, documented)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Variables `target` depends on within a time step (instant dependencies, transitively),
/// without looking behind the variables in `opaque`.
fn instant_ancestors(ir: &Model, target: VarId, opaque: &[VarId]) -> BTreeSet<VarId> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![target];
    while let Some(v) = stack.pop() {
        if opaque.contains(&v) && v != target {
            continue;
        }
        for d in ir.instant_deps(v) {
            if seen.insert(d) {
                stack.push(d);
            }
        }
    }
    seen
}

#[test]
fn cohesion_enters_the_hazard_once_and_fiscal_space_not_at_all() {
    let ir = load_ir("coalition.toml");
    let id = |n: &str| ir.var_id(n).unwrap_or_else(|| panic!("no variable {n}"));
    let hazard = id("exit_hazard");
    let cohesion = id("cohesion");
    let cohesion_ref = id("cohesion_ref");
    let all = instant_ancestors(&ir, hazard, &[]);
    assert!(all.contains(&cohesion));
    // Behind cohesion, the loyalties and power weights reach the hazard through it alone.
    let around = instant_ancestors(&ir, hazard, &[cohesion, cohesion_ref]);
    for stock in ["loyalty", "power_weight"] {
        assert!(
            !around.contains(&id(stock)),
            "{stock} reaches the exit hazard other than through cohesion"
        );
    }
    // Cohesion feeds exactly one variable on the way to the hazard.
    let users: Vec<&str> = all
        .iter()
        .filter(|&&v| ir.instant_deps(v).contains(&cohesion))
        .map(|&v| ir.var(v).name.as_str())
        .collect();
    assert_eq!(users, ["mediated_log_hazard"]);
    for absent in [
        "fiscal_space",
        "coup_share",
        "popular_share",
        "negotiated_share",
    ] {
        assert!(
            !all.contains(&id(absent)),
            "{absent} is part of the exit hazard"
        );
    }
    let stocks: Vec<&str> = all
        .iter()
        .filter(|&&v| matches!(ir.var(v).kind, VarKind::Stock(_)))
        .map(|&v| ir.var(v).name.as_str())
        .collect();
    println!("stocks the exit hazard reads within a step: {stocks:?}");

    // Along a run in which cohesion falls far, the log hazard is the documented sum.
    let model = block("coalition.toml");
    let mut p = model.default_params();
    let beta_c = 4.2; // not the default, so the identity checks the coefficient in use
    for (name, value) in [
        ("cohesion_hazard", beta_c),
        ("payoff_shock", 0.6),
        ("payoff_shock_time", 2.0),
        ("sanction_breadth", 0.4),
        ("pressure_targeted", 0.4),
    ] {
        model.set_param(&mut p, name, value).unwrap();
    }
    let beta_m = p.get(model.param_index("mobilisation_hazard").unwrap());
    let beta_s = p.get(model.param_index("sanction_hazard").unwrap());
    let r = model.run(&p, &model.default_settings()).unwrap();
    let c = col(&r, "cohesion");
    let (c0, m) = (c[0], col(&r, "mobilisation"));
    let spread =
        c.iter().cloned().fold(f64::MIN, f64::max) - c.iter().cloned().fold(f64::MAX, f64::min);
    assert!(
        spread > 0.2,
        "cohesion barely moves ({spread:.3}): the check would not bite"
    );
    for i in 0..r.rows() {
        let ln_ratio =
            (col(&r, "proportional_exit_hazard")[i] / col(&r, "baseline_exit_hazard")[i]).ln();
        let rest = beta_m * (m[i] - m[0]) + beta_s * col(&r, "sanction_breadth")[i];
        let cohesion_term = ln_ratio - rest;
        assert!(
            (cohesion_term - beta_c * (c0 - c[i])).abs() < 1e-10,
            "t = {}: cohesion term {cohesion_term} vs beta_C (C0 - C) = {}",
            r.time()[i],
            beta_c * (c0 - c[i])
        );
    }
}

#[test]
fn the_exit_mode_split_divides_the_hazard_and_adds_nothing() {
    let r = scenario_run(Some("personalist"), "un_comprehensive", &[]);
    let modes: Vec<&[f64]> = ["coup", "popular", "negotiated"]
        .iter()
        .map(|m| col(&r, &format!("coalition.exit_mode_hazard[{m}]")))
        .collect();
    for (i, h) in col(&r, "coalition.exit_hazard").iter().enumerate() {
        let sum: f64 = modes.iter().map(|m| m[i]).sum();
        assert!((sum - h).abs() <= 1e-12 * h.max(1.0));
    }
}
