//! Behaviour test 10 (literature.md section 7): tipping near the self-enforcement boundary.
//!
//! Acemoglu, Egorov & Sonin (2008): coalitions are self-enforcing only while no winning
//! sub-coalition prefers to secede, so small power or payoff shifts can trigger large
//! reconfigurations. Granovetter (1978) and Kuran (1991): threshold dynamics tip.
//!
//! The coalition block runs alone; from year 2 every group's payoff is lowered by a uniform
//! shock (payoff_shock, in log-income units), scanned in steps of 0.02 from 0 to 1. Cohesion
//! at the end of the run (28 years later, long enough to settle: near the fold the dynamics slow down) must fall by more than 0.1 for one step somewhere (a large drop), where the
//! disloyal power share crosses one half (the AES boundary), while the same step far from the
//! boundary (from no shock) moves cohesion by less than a tenth of that drop.

mod behaviour_support;
use behaviour_support::*;

#[test]
fn a_small_payoff_change_near_the_boundary_collapses_cohesion() {
    let model = block("coalition.toml");
    let step = 0.02;
    let shocks: Vec<f64> = (0..=50).map(|i| i as f64 * step).collect();
    let mut cohesion = Vec::new();
    for &x in &shocks {
        let mut p = model.default_params();
        model.set_param(&mut p, "payoff_shock", x).unwrap();
        model.set_param(&mut p, "payoff_shock_time", 2.0).unwrap();
        let r = model.run(&p, &model.default_settings()).unwrap();
        cohesion.push(r.last("cohesion").unwrap());
    }
    let drops: Vec<f64> = cohesion.windows(2).map(|w| w[0] - w[1]).collect();
    let (k, biggest) = drops
        .iter()
        .cloned()
        .enumerate()
        .fold((0, f64::MIN), |a, x| if x.1 > a.1 { x } else { a });
    println!(
        "cohesion at year 30 by shock: {:?}",
        shocks
            .iter()
            .zip(&cohesion)
            .map(|(s, c)| format!("{s:.2}:{c:.3}"))
            .collect::<Vec<_>>()
    );
    println!(
        "largest drop {biggest:.3} between shocks {:.2} and {:.2}; first step moves it {:.4}",
        shocks[k],
        shocks[k + 1],
        drops[0]
    );
    assert!(biggest > 0.1, "largest one-step drop only {biggest:.3}");
    assert!(
        cohesion[k] > 0.5 && cohesion[k + 1] < 0.5,
        "the drop should cross the AES boundary (C = 1/2): {:.3} -> {:.3}",
        cohesion[k],
        cohesion[k + 1]
    );
    assert!(
        drops[0].abs() < 0.1 * biggest,
        "far from the boundary the same step moves cohesion {:.4}",
        drops[0]
    );
}
