//! Who wins and who loses in block D (issue 12, block D).
//!
//! * **Lektzian & Patterson (2015)**: by Stolper-Samuelson a sanction, a cut in the target's
//!   exposure to trade, lowers the return of the abundant factor and raises that of the scarce
//!   factor; in a trade-open target the owners of the abundant factor hold power, in a
//!   trade-closed one the owners of the scarce factor do. So the business elite (BIZ) loses
//!   under sanctions in an open target and gains in a closed one. The coalition block runs alone
//!   with trade openness (exports + imports) / output at 0.2 and at 0.9: BIZ's exposure to
//!   economic pressure must be a clear loss in the open target and a clear gain in the closed
//!   one, the other groups' exposures must not depend on openness. In the coupled model (where
//!   the pressure changes during the run, so payoffs relative to the start move) a UN embargo
//!   must leave BIZ's material payoff and loyalty lower, against the baseline, in a target with
//!   openness 0.9 than in one with openness 0.3 (the oil exports alone are 0.2 of output).
//! * **The reform pull counts every rent holder** (literature.md 5.3: SEC ports, checkpoints
//!   and smuggling; BIZ-connected importers; PTY patronage; PROV border trade): removing one
//!   group's rent share lowers the pull on the reform stance by rent_pull w_i omega_i r_R / Y.
//! * The coupled model wires the openness to blocks A and C: (exports + imports) / output at
//!   the start of the run.

mod behaviour_support;
use behaviour_support::*;
use pressure::sim::{CompiledModel, Results};

const GROUPS: [&str; 5] = ["tec", "sec", "pty", "biz", "prov"];

fn run_block(model: &CompiledModel, sets: &[(&str, f64)]) -> Results {
    let mut p = model.default_params();
    for (n, v) in sets {
        model.set_param(&mut p, n, *v).unwrap();
    }
    model.run(&p, &model.default_settings()).unwrap()
}

#[test]
fn the_business_elite_loses_in_an_open_target_and_gains_in_a_closed_one() {
    let model = block("coalition.toml");
    let t = 3.0;
    let mut signs = Vec::new();
    for openness in [0.2, 0.9] {
        // Half of the openness each way: output is 100.
        let trade = [("imports", 50.0 * openness), ("exports", 50.0 * openness)];
        let mut pressured = trade.to_vec();
        pressured.extend([
            ("pressure_trade", 0.6),
            ("pressure_energy", 0.6),
            ("pressure_finance", 0.6),
        ]);
        let r = run_block(&model, &pressured);
        let open = at(&r, "open_regime", t);
        let exposure: Vec<f64> = GROUPS
            .iter()
            .map(|g| at(&r, &format!("sanction_exposure[{g}]"), t))
            .collect();
        println!("openness {openness}: open-regime weight {open:.3}, exposures {exposure:.3?}");
        signs.push(exposure);
    }
    let (closed, open) = (&signs[0], &signs[1]);
    assert!(
        open[3] < -0.3,
        "BIZ should lose in an open target: {:.3}",
        open[3]
    );
    assert!(
        closed[3] > 0.15,
        "BIZ should gain in a closed target: {:.3}",
        closed[3]
    );
    for (k, g) in GROUPS.iter().enumerate().filter(|(_, g)| **g != "biz") {
        assert!(
            (open[k] - closed[k]).abs() < 1e-12,
            "{g}'s exposure should not depend on openness"
        );
    }
}

#[test]
fn the_sign_flip_reaches_payoffs_and_loyalty() {
    // The pressure has to change during the run for payoffs (relative to the start) to move: the
    // coupled model does that. Open and closed targets are made by the baseline import volume
    // and the other exports of blocks A and C; the pressure is an energy embargo plus trade ban.
    let cases = [("closed", 0.3), ("open", 0.9)];
    let mut results = Vec::new();
    // Every trade flow scaled by one factor: oil export capacity (blocks A and C), other exports
    // and the imports needed. The baseline starts at its steady state, where the current
    // account closes (imports follow exports through the real rate), so imports alone cannot
    // make a closed economy: openness is close to proportional to the common factor, found
    // from a probe at the defaults and one correction.
    let trade = |scale: f64| {
        [
            ("fiscal.export_capacity_ref", 20.0 * scale),
            ("currency.oil_exports_ref", 20.0 * scale),
            ("fiscal.nonoil_exports_ref", 10.0 * scale),
            ("fiscal.import_ref", 30.0 * scale),
        ]
    };
    let openness_at = |scale: f64| {
        at(
            &scenario_run(None, "baseline", &trade(scale)),
            "coalition.trade_openness",
            0.0,
        )
    };
    for (name, openness) in cases {
        let mut scale = openness / openness_at(1.0);
        scale *= openness / openness_at(scale);
        let sets = trade(scale);
        let base = scenario_run(None, "baseline", &sets);
        let run = scenario_run(None, "un_comprehensive", &sets);
        let t = ONSET + 2.0;
        let openness_seen = at(&run, "coalition.trade_openness", 0.0);
        let d = |v: &str| at(&run, v, t) - at(&base, v, t);
        let payoff = d("coalition.material_payoff[biz]");
        let loyalty = d("coalition.loyalty[biz]");
        println!(
            "{name} target (openness {openness_seen:.2}): BIZ material payoff {payoff:+.3}, loyalty {loyalty:+.3} against the baseline two years in"
        );
        assert!(
            (openness_seen - openness).abs() < 0.05,
            "openness {openness_seen:.3} instead of {openness}"
        );
        results.push((payoff, loyalty));
    }
    let ((pay_closed, loy_closed), (pay_open, loy_open)) = (results[0], results[1]);
    assert!(pay_open < pay_closed - 0.05 && loy_open < loy_closed - 0.02);
}

#[test]
fn the_reform_pull_counts_the_rents_of_every_group_that_holds_them() {
    let model = block("coalition.toml");
    let rent_flow = 5.0;
    let base = run_block(&model, &[("rent_flow", rent_flow)]);
    let pull = at(&base, "reform_pull", 0.0);
    let p = model.default_params();
    let get = |n: &str| p.get(model.param_index(n).unwrap());
    let (rent_pull, output) = (get("rent_pull"), get("output"));
    let mut holders = 0;
    for g in GROUPS {
        let omega = get(&format!("rent_share[{g}]"));
        let w = at(&base, &format!("power_weight[{g}]"), 0.0);
        let without = run_block(
            &model,
            &[("rent_flow", rent_flow), (&format!("rent_share[{g}]"), 0.0)],
        );
        let drop = pull - at(&without, "reform_pull", 0.0);
        let expected = rent_pull * w * omega * rent_flow / output;
        println!(
            "{g}: rent share {omega}, pull falls by {drop:.5} without it (expected {expected:.5})"
        );
        assert!((drop - expected).abs() < 1e-12, "{g}: {drop} vs {expected}");
        if omega > 0.0 {
            holders += 1;
            assert!(drop > 0.0, "{g} holds rents but does not pull");
        }
    }
    assert_eq!(holders, 4, "SEC, PTY, BIZ and PROV hold rents (lit. 5.3)");
}
