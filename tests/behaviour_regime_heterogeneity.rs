//! Behaviour test 5 (literature.md section 7): regime-type heterogeneity.
//!
//! Escriba-Folch & Wright (2010): sanctions destabilise personalist regimes (and monarchies)
//! but have little effect on single-party and military regimes, which raise taxes and
//! reallocate spending. Escriba-Folch (2012): personalist regimes raise repression most.
//! Licht (2017): once baseline risk is accounted for, the effect is modest.
//!
//! Measured as the ratio of the leader-exit hazard with and without sanctions, averaged over
//! the first five years, under the two typical sanction packages (financial sanctions of the US
//! kind, an oil embargo). Tolerances: literature.md 5.7 puts exp(beta_S) at 1.2-2.0 for
//! personalist regimes and ~1.0 for single-party and military ones; the personalist ratio must
//! lie in 1.2-2.0 (the published hazard ratios measure the whole effect of sanctions, so the
//! endogenous cohesion and mobilisation channels count inside the band), the single-party and
//! military ratios within 1/1.2-1.2 ("~1.0", lit. 7.5 "hazard ~ unchanged": the tolerance is the
//! lower end of the personalist range, either way), and the average over the five presets
//! below 2 ("modest").
//! Repression capacity three years in must rise by at least 0.1 (10% of baseline) under the
//! personalist preset and by less than half as much under single-party and military.
//!
//! The runs keep the sanctions in force (`HELD_IN_FORCE`: termination hazards zero). Since the
//! coupled model scales the sanction inputs by the probability that the sanctions are still in
//! force, a run with termination would compare the baseline with a mixture of sanctioned and
//! no-longer-sanctioned targets; the published ratios compare leaders under sanctions with
//! leaders not under sanctions. The bands are unchanged.

mod behaviour_support;
use behaviour_support::*;

struct Effect {
    hazard_ratio: f64,
    repression_change: f64,
}

fn effect(preset: Option<&str>, scenario: &str) -> Effect {
    let hazard_ratio = exit_hazard_ratio(preset, scenario, &HELD_IN_FORCE);
    let base = scenario_run(preset, "baseline", &HELD_IN_FORCE);
    let run = scenario_run(preset, scenario, &HELD_IN_FORCE);
    let t = ONSET + 3.0;
    let repression_change = at(&run, "coalition.repression_capacity", t)
        - at(&base, "coalition.repression_capacity", t);
    Effect {
        hazard_ratio,
        repression_change,
    }
}

#[test]
fn personalist_regimes_are_destabilised_single_party_and_military_barely_move() {
    for scenario in ["us_unilateral_financial", "energy_embargo"] {
        let p = effect(Some("personalist"), scenario);
        let s = effect(Some("single_party"), scenario);
        let m = effect(Some("military"), scenario);
        println!(
            "{scenario}: hazard ratio personalist {:.2}, single-party {:.2}, military {:.2}; repression change personalist {:+.3}, single-party {:+.3}, military {:+.3}",
            p.hazard_ratio, s.hazard_ratio, m.hazard_ratio, p.repression_change, s.repression_change, m.repression_change
        );
        // literature.md 5.7: exp(beta_S) 1.2-2.0 for personalist regimes (lit. 7.5).
        assert!(
            (1.2..=2.0).contains(&p.hazard_ratio),
            "{scenario}: personalist ratio {:.2}",
            p.hazard_ratio
        );
        for (who, e) in [("single-party", &s), ("military", &m)] {
            // literature.md 7.5: single-party / military hazard ~ unchanged (5.7: ~1.0).
            assert!(
                (1.0 / 1.2..1.2).contains(&e.hazard_ratio),
                "{scenario}: {who} ratio {:.2}",
                e.hazard_ratio
            );
            assert!(
                e.hazard_ratio - 1.0 < 0.5 * (p.hazard_ratio - 1.0),
                "{scenario}: {who} not clearly below personalist"
            );
            assert!(
                e.repression_change.abs() < 0.5 * p.repression_change,
                "{scenario}: {who} repression moves too much"
            );
        }
        assert!(
            p.repression_change >= 0.1,
            "{scenario}: personalist repression {:+.3}",
            p.repression_change
        );
    }
}

#[test]
fn the_aggregate_effect_is_modest() {
    for scenario in ["us_unilateral_financial", "energy_embargo"] {
        let ratios: Vec<f64> = PRESETS[1..]
            .iter()
            .map(|&p| effect(p, scenario).hazard_ratio)
            .collect();
        let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
        println!("{scenario}: hazard ratios by preset {ratios:.2?}, mean {mean:.2}");
        assert!(
            mean > 1.0 && mean < 2.0,
            "{scenario}: mean hazard ratio {mean:.2}"
        );
    }
}
