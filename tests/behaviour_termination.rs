//! Behaviour test 8 (literature.md section 7): termination.
//!
//! McGillivray & Stam (2004): a leader change in a non-democratic target strongly predicts the
//! end of sanctions. Attia & Grauvogel (2019): of 292 post-1990 sanctions about 85% were lifted
//! by 2018, fewer than half with target compliance. Success rates: HSEO 34%, UN targeted
//! coercion 22% (Biersteker et al. 2016); Pape's 5 of 40 (12.5%) is a stress test, not a band.
//!
//! The model gives probabilities (survival and cumulative-incidence stocks). Over every regime
//! preset and every imposed-sanction scenario (threats excluded), averaged with equal weights:
//! * success, the probability of termination by compliance ten years after onset, lies in the
//!   band 0.20-0.35 (lit. 7.8, no tolerance);
//! * less than half of the terminations by ten years are compliance (lit. 7.8);
//! * the probability of termination by 10 and by 20 years is at least 0.58 and 0.79. These
//!   follow from "85% lifted by 2018" (lit. 2.2, 5.7) if the episodes' onsets spread evenly over
//!   1990-2018 (an assumption): then 0.85 is the mean of F(w), the probability of termination
//!   within w years, over windows w uniform in [0, 28]; F rises and is at most 1, so
//!   28 x 0.85 <= 20 F(20) + 8 and <= 10 F(10) + 18.
//!
//! A leader change must multiply the termination hazard at least three-fold at once. Lit. 7.8
//! says "sharply"; literature.md gives no hazard ratio for McGillivray & Stam's estimate, so the
//! factor three is an assumption.

mod behaviour_support;
use behaviour_support::*;

#[test]
fn a_leader_change_makes_termination_jump() {
    for preset in PRESETS {
        for scenario in ["un_comprehensive", "energy_embargo", "targeted_elites"] {
            let t = ONSET + 3.0;
            let r = scenario_run(preset, scenario, &[("coalition.leader_change_time", t)]);
            let before = at(&r, "coalition.termination_hazard", t - 0.25);
            let after = at(&r, "coalition.termination_hazard", t);
            println!("{} {scenario}: termination hazard {before:.3} -> {after:.3} per year at the leader change", label(preset));
            assert!(
                after >= 3.0 * before,
                "{} {scenario}: only {before:.3} -> {after:.3}",
                label(preset)
            );
        }
    }
}

#[test]
fn fewer_than_half_end_in_compliance_and_success_is_in_the_published_band() {
    let (mut success, mut ended10, mut ended20, mut n) = (0.0, 0.0, 0.0, 0.0);
    for preset in PRESETS {
        for scenario in SANCTION_SCENARIOS
            .iter()
            .filter(|s| !s.starts_with("threat"))
        {
            let r = scenario_run(preset, scenario, &[]);
            let t10 = ONSET + 10.0;
            let s = at(&r, "coalition.terminated_compliance", t10);
            let e10 = 1.0 - at(&r, "coalition.sanctions_in_force", t10);
            let e20 = 1.0 - at(&r, "coalition.sanctions_in_force", ONSET + 20.0);
            println!("{} {scenario}: P(success by 10 y) {s:.2}, P(ended by 10 y) {e10:.2}, by 20 y {e20:.2}", label(preset));
            success += s;
            ended10 += e10;
            ended20 += e20;
            n += 1.0;
        }
    }
    let (success, ended10, ended20) = (success / n, ended10 / n, ended20 / n);
    println!("mean over {n} runs: success {success:.3}, ended by 10 years {ended10:.3} (compliance share {:.2}), by 20 years {ended20:.3}", success / ended10);
    // literature.md 7.8: overall success in the 20-35% band (HSEO 34%, TSC coercion 22%).
    assert!(
        (0.20..=0.35).contains(&success),
        "success rate {success:.3} outside 0.20-0.35"
    );
    // literature.md 7.8 (Attia & Grauvogel): fewer than half end in compliance.
    assert!(
        success / ended10 < 0.5,
        "compliance share {:.2}",
        success / ended10
    );
    // literature.md 5.7 / 2.2 (Attia & Grauvogel): ~85% of post-1990 cases lifted by 2018;
    // the bounds are derived in the module doc.
    let (min10, min20) = ((28.0 * 0.85 - 18.0) / 10.0, (28.0 * 0.85 - 8.0) / 20.0);
    assert!(
        ended10 >= min10,
        "only {ended10:.2} terminated by 10 years (at least {min10:.2})"
    );
    assert!(
        ended20 >= min20,
        "only {ended20:.2} terminated by 20 years (at least {min20:.2})"
    );
}
