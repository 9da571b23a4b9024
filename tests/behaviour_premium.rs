//! Behaviour test 3 (literature.md section 7): the parallel-market premium.
//!
//! The premium rises with rationing of official FX and falls on unification or on capital
//! controls with an FX surrender requirement (Russia 2022: the rouble went from ~143/USD back
//! to ~51 within months under 80% surrender and bans on FX sales to citizens). A premium of 1
//! or more is sustained only with persistent rationing (Venezuela 2018 ~170%, Iran 2012
//! ~190%; Kiguel & O'Connell 1995).
//!
//! Tolerances (assumptions, the sources give directions and episode levels): unification
//! removes at least 80% of the premium within a year; controls leave a premium at least 30%
//! below the same run without them a year later; "persistent rationing" means that, whenever
//! the premium stays at or above 1 for a year or more, on average at least 20% of eligible
//! official FX demand went unserved over that spell.

mod behaviour_support;
use behaviour_support::*;

#[test]
fn premium_rises_with_rationing() {
    // Same embargo, scarce vs ample reserves: less official FX is rationed out with ample ones.
    // Runs start at their steady state, so the reserves an economy holds are set by the
    // central bank's import-cover target (three months vs a year of imports), not by an
    // initial value.
    let scarce = scenario_run(
        None,
        "energy_embargo",
        &[("currency.reserve_cover_target", 0.25)],
    );
    let ample = scenario_run(
        None,
        "energy_embargo",
        &[("currency.reserve_cover_target", 1.0)],
    );
    let window = (ONSET + 0.5, ONSET + 2.0);
    let p = |r| mean_between(r, "currency.premium", window.0, window.1);
    let q = |r| mean_between(r, "fiscal.fx_ration", window.0, window.1);
    println!(
        "scarce: premium {:.2}, served {:.2}; ample: premium {:.2}, served {:.2}",
        p(&scarce),
        q(&scarce),
        p(&ample),
        q(&ample)
    );
    assert!(q(&scarce) < q(&ample), "scarce reserves should ration more");
    assert!(
        p(&scarce) > p(&ample) + 0.1,
        "rationing should raise the premium"
    );
}

#[test]
fn unification_removes_the_premium() {
    // A year into the embargo, while the premium is high (the authorities' managed
    // devaluation and the dollars flowing back close most of it within about two years).
    let t = ONSET + 1.0;
    let r = scenario_run(None, "energy_embargo", &[("currency.unification_time", t)]);
    let (before, after) = (
        at(&r, "currency.premium", t - 0.25),
        at(&r, "currency.premium", t + 1.0),
    );
    println!("unification at {t}: premium {before:.3} -> {after:.3}");
    assert!(before > 0.3, "premium before unification only {before:.3}");
    assert!(
        after.abs() < 0.2 * before,
        "premium {after:.3} a year after unification (from {before:.3})"
    );
}

#[test]
fn capital_controls_with_surrender_lower_the_premium() {
    for scenario in ["energy_embargo", "un_comprehensive"] {
        let t = ONSET + 1.0;
        let free = scenario_run(None, scenario, &[]);
        let controlled = scenario_run(None, scenario, &[("currency.controls_time", t)]);
        let (f, c) = (
            at(&free, "currency.premium", t + 1.0),
            at(&controlled, "currency.premium", t + 1.0),
        );
        println!("{scenario}: premium a year after controls {c:.3} vs {f:.3} without");
        assert!(f > 0.2, "{scenario}: no premium to remove ({f:.3})");
        assert!(c < 0.7 * f, "{scenario}: controls leave {c:.3} vs {f:.3}");
        assert!(
            at(&controlled, "currency.surrender_share", t + 0.5)
                > at(&free, "currency.surrender_share", t + 0.5)
        );
    }
}

/// Spells (start, end indices) during which `x >= 1` for at least `min_len` saved rows.
fn spells(x: &[f64], min_len: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &v) in x
        .iter()
        .chain(std::iter::once(&f64::NEG_INFINITY))
        .enumerate()
    {
        match (v >= 1.0, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s >= min_len {
                    out.push((s, i));
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

#[test]
fn a_premium_of_one_is_sustained_only_with_rationing() {
    // Every preset and sanction scenario, plus a hard-line official rate (the crawl covers only
    // 30% of inflation, as Iran's fixed 12,260 rial rate in 2012) with and without rationing.
    let mut runs = Vec::new();
    for preset in PRESETS {
        for scenario in SANCTION_SCENARIOS {
            runs.push((
                format!("{} {scenario}", label(preset)),
                scenario_run(preset, scenario, &[]),
            ));
        }
    }
    let hard = [("currency.crawl_share", 0.3)];
    runs.push((
        "hard-line energy embargo".into(),
        scenario_run(None, "energy_embargo", &hard),
    ));
    let mut found = 0;
    for (name, r) in &runs {
        let step = r.time()[1] - r.time()[0];
        let premium = col(r, "currency.premium");
        let served = col(r, "fiscal.fx_ration");
        for (s, e) in spells(premium, (1.0 / step).round() as usize) {
            found += 1;
            let mean_served = served[s..e].iter().sum::<f64>() / (e - s) as f64;
            println!(
                "{name}: premium >= 1 from {:.2} to {:.2}, mean share served {mean_served:.2}",
                r.time()[s],
                r.time()[e - 1]
            );
            assert!(
                mean_served <= 0.8,
                "{name}: premium >= 1 for a year with {mean_served:.2} of demand served"
            );
        }
    }
    assert!(
        found > 0,
        "no run sustains a premium of 1: the test would be vacuous"
    );
    // Without rationing (ample reserves, no freeze, no rollover loss) the same hard-line rate
    // keeps the premium below 1 while official demand is met.
    let unrationed = scenario_run(
        None,
        "energy_embargo",
        &[
            ("currency.crawl_share", 0.3),
            ("fiscal.reserves_initial", 60.0),
            ("fiscal.freeze_rate", 0.0),
            ("fiscal.rollover_loss", 0.0),
            ("fiscal.ration_scale", 0.1),
        ],
    );
    let served = col(&unrationed, "fiscal.fx_ration");
    let premium = col(&unrationed, "currency.premium");
    for ((&t, &q), &p) in unrationed.time().iter().zip(served).zip(premium) {
        if t >= ONSET && q > 0.95 {
            assert!(
                p < 1.0,
                "premium {p:.2} at {t:.2} with 95% of official demand served"
            );
        }
    }
}

/// Issue 12: the Iran 2011-2016 sanction timeline (`data/episodes/iran_2011.toml`, as the
/// calibration experiment `experiments/calibrate/iran_2011.toml` applies it, with that
/// episode's fixed settings: per-channel coverage in the timeline, the 2014 oil collapse) at
/// the model's default parameters produces a parallel premium of at least 100% within 18
/// months of the EU oil embargo (adopted 23 January 2012). The record: the free-market rial
/// stood about 190% above the official 12,260 in October 2012 and the 2012 annual mean was
/// 84% (TGJU and WDI, `data/episodes/iran_2011.csv`; literature.md 2.4).
///
/// Known gap (issue 12, measured 2026-12-07): with the model's own official-rate policy (crawl
/// with expected inflation plus the reserve-cover rule) the peak is 0.29; with the official rate
/// frozen from 2005 (`currency.official_rate_exogenous = 1` and a constant
/// `official_rate_data`) it is 3.35, and 1.33 already a year before the embargo, because Iran's
/// official rate crawled until 2012. The premium of 2012-13 comes from the recorded official
/// rate (held at 12,260 while inflation ran above 20%), which needs the episode's official-rate
/// series as an exogenous driver (issue 14); until then the test is ignored. Run it with
/// `cargo test --release --test behaviour_premium -- --ignored`.
#[test]
#[ignore = "known gap: needs the recorded official rate as an exogenous driver (issue 14)"]
fn the_iran_timeline_produces_a_premium_of_100_percent_within_18_months_of_the_embargo() {
    use pressure::calibrate::experiment::Experiment;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("experiments/calibrate/iran_2011.toml");
    let exp = Experiment::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let ep = &exp.spec.episodes[0];
    let mut params = exp.model.default_params();
    for (name, value) in &ep.set {
        exp.model.set_param(&mut params, name, *value).unwrap();
    }
    let exo = exp.episode_exogenous(&ep.id).unwrap();
    let defaults = exp.model.default_settings();
    let settings = defaults
        .clone()
        .with_span(
            ep.start.unwrap_or(defaults.start),
            ep.stop.unwrap_or(defaults.stop),
        )
        .with_save_every(defaults.dt);
    let r = exp.model.run_with(&params, exo, &settings).unwrap();
    let embargo = 2012.0 + 22.0 / 366.0 - ep.origin;
    let (t, p) = (r.time(), col(&r, "currency.premium"));
    let (peak_t, peak) = t
        .iter()
        .zip(p)
        .filter(|(&ti, _)| ti >= embargo && ti <= embargo + 1.5)
        .map(|(&ti, &pi)| (ti, pi))
        .fold(
            (f64::NAN, f64::NEG_INFINITY),
            |a, b| if b.1 > a.1 { b } else { a },
        );
    let before = p[t.iter().position(|&ti| ti >= embargo - 1.0).unwrap()];
    println!(
        "Iran timeline: premium {before:.2} a year before the embargo, peak {peak:.2} at {:.2} (calendar)",
        peak_t + ep.origin
    );
    assert!(
        peak >= 1.0,
        "peak premium {peak:.2} within 18 months of the embargo (want at least 1.0)"
    );
}

/// Issue 12: arbitrage floor. In every preset x scenario run the premium is never below 0
/// (the parallel rate never below the official one).
#[test]
fn the_premium_is_never_below_the_arbitrage_floor() {
    let mut scenarios: Vec<&str> = SANCTION_SCENARIOS.to_vec();
    scenarios.push("baseline");
    let mut lowest = f64::INFINITY;
    for preset in PRESETS {
        for scenario in &scenarios {
            let r = scenario_run(preset, scenario, &[]);
            let low = col(&r, "currency.premium")
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min);
            lowest = lowest.min(low);
            assert!(low >= 0.0, "{} {scenario}: premium {low}", label(preset));
        }
    }
    println!("lowest premium over every preset x scenario: {lowest:.2e}");
}
