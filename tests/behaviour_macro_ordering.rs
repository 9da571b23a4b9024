//! Behaviour test 2 (literature.md section 7): the ordering of macro responses, and the oil
//! confounder.
//!
//! Laudati & Pesaran (2023), Iran: the parallel rate over-reacts first, then inflation rises,
//! then output falls. Dreger et al. (2016), Russia 2014: with an oil-price collapse at the same
//! time, the bulk of the depreciation is attributable to oil, not to the sanctions.
//!
//! The ordering is checked for the two scenarios of the Iranian kind (oil embargo; financial
//! sanctions) under every preset: the response time of a variable is the first time its
//! deviation from the baseline run reaches a quarter of its largest deviation in the first
//! three years (an assumption: the papers order impulse responses, they give no threshold).
//! Under a UN comprehensive embargo the import ban also removes FX demand, so the premium peaks
//! later, with reserve depletion (Iraq's dinar collapsed with monetisation); no ordering is
//! asserted there.

mod behaviour_support;
use behaviour_support::*;
use pressure::sim::Results;

fn fine(preset: Option<&str>, scenario: &str, sets: &[(&str, f64)]) -> Results {
    let model = coupled();
    let (mut params, mut exo, mut settings) = (
        model.default_params(),
        model.default_exogenous(),
        model.default_settings(),
    );
    for f in files(preset, scenario) {
        pressure::sim::Scenario::load(&models_dir().join(&f))
            .and_then(|s| s.apply(model, &mut params, &mut exo, &mut settings))
            .unwrap();
    }
    for (n, v) in sets {
        model.set_param(&mut params, n, *v).unwrap();
    }
    let dt = settings.dt;
    let settings = settings.with_save_every(dt).with_span(0.0, ONSET + 4.0);
    model.run_with(&params, &exo, &settings).unwrap()
}

/// First time after onset at which |run - base| reaches `frac` of its maximum over 3 years.
fn response_time(base: &Results, run: &Results, name: &str, frac: f64) -> f64 {
    let (b, r, t) = (col(base, name), col(run, name), run.time());
    let idx: Vec<usize> = (0..t.len())
        .filter(|&i| t[i] >= ONSET - 1e-9 && t[i] <= ONSET + 3.0 + 1e-9)
        .collect();
    let peak = idx.iter().map(|&i| (r[i] - b[i]).abs()).fold(0.0, f64::max);
    assert!(peak > 0.0, "{name} does not respond");
    let i = idx
        .iter()
        .copied()
        .find(|&i| (r[i] - b[i]).abs() >= frac * peak)
        .unwrap();
    t[i] - ONSET
}

#[test]
fn premium_moves_first_then_inflation_then_output() {
    for preset in PRESETS {
        let base = fine(preset, "baseline", &[]);
        for scenario in ["energy_embargo", "us_unilateral_financial"] {
            let run = fine(preset, scenario, &[]);
            let tp = response_time(&base, &run, "currency.premium", 0.25);
            let ti = response_time(&base, &run, "money.inflation", 0.25);
            let ty = response_time(&base, &run, "fiscal.output_gap", 0.25);
            println!(
                "{} {scenario}: premium {tp:.2} y, inflation {ti:.2} y, output {ty:.2} y",
                label(preset)
            );
            assert!(
                tp < ti && ti < ty,
                "{} {scenario}: order premium {tp:.2}, inflation {ti:.2}, output {ty:.2}",
                label(preset)
            );
        }
    }
}

#[test]
fn with_an_oil_collapse_most_of_the_depreciation_is_oil() {
    let oil = [
        ("oil_collapse_depth", 0.5),
        ("oil_collapse_time", 5.5),
        ("oil_collapse_length", 0.5),
    ];
    let base = scenario_run(None, "baseline", &[]);
    let oil_only = scenario_run(None, "baseline", &oil);
    let sanctions_only = scenario_run(None, "us_unilateral_financial", &[]);
    let both = scenario_run(None, "us_unilateral_financial_oil_collapse", &[]);
    let t = ONSET + 2.0;
    let dep = |r: &Results| {
        at(r, "currency.ln_parallel_rate", t) - at(&base, "currency.ln_parallel_rate", t)
    };
    let (o, s, b) = (dep(&oil_only), dep(&sanctions_only), dep(&both));
    println!("parallel-rate depreciation after 2 years (log points): oil {o:.3}, sanctions {s:.3}, both {b:.3}");
    assert!(
        o > s && o > 0.5 * b,
        "oil {o:.3} should dominate sanctions {s:.3} (both {b:.3})"
    );
    assert!(b > o && b > s, "together {b:.3} should exceed each alone");
}

/// Issue 12: an oil-price fall of 50% alone, without sanctions, lowers non-oil output through
/// import compression: less export revenue, fewer dollars for imported inputs (rationing and a
/// higher parallel rate), and less government spending. Russia 2014-15 is the case: Brent fell
/// from 111.8 (June 2014) to 47.8 USD a barrel (January 2015; EIA, `data/episodes`), real GDP
/// fell 2.0% in 2015 (WDI NY.GDP.MKTP.KD.ZG) and Dreger et al. (2016) attribute most of the
/// rouble's fall to oil, not to the sanctions. Asserted: the sign (non-oil value added and the
/// import-compression factor fall, and oil value added does not: the price is not the volume)
/// and the order of magnitude: the largest shortfall of non-oil output against the baseline
/// within three years is between 0.5% and 6% (an assumption around Russia's 2%).
#[test]
fn an_oil_price_fall_alone_compresses_non_oil_output() {
    let oil = [
        ("oil_collapse_depth", 0.5),
        ("oil_collapse_time", ONSET),
        ("oil_collapse_length", 0.5),
    ];
    for preset in PRESETS {
        let base = scenario_run(preset, "baseline", &[]);
        let run = scenario_run(preset, "baseline", &oil);
        let shortfall = |name: &str| {
            let (b, r) = (col(&base, name), col(&run, name));
            (row(&base, ONSET)..=row(&base, ONSET + 3.0))
                .map(|i| 1.0 - r[i] / b[i])
                .fold(f64::NEG_INFINITY, f64::max)
        };
        let nonoil = shortfall("fiscal.nonoil_value_added");
        let compression = shortfall("fiscal.import_compression");
        let oil_va = shortfall("fiscal.oil_value_added");
        println!(
            "{}: 50% oil-price fall: non-oil output -{:.2}%, import-compression factor -{:.2}%, oil value added -{:.2}%",
            label(preset),
            100.0 * nonoil,
            100.0 * compression,
            100.0 * oil_va
        );
        assert!(
            compression > 0.0,
            "{}: no import compression",
            label(preset)
        );
        assert!(
            (0.005..=0.06).contains(&nonoil),
            "{}: non-oil shortfall {:.2}% outside 0.5-6%",
            label(preset),
            100.0 * nonoil
        );
        assert!(
            oil_va.abs() < 1e-9,
            "{}: the price moved oil volume",
            label(preset)
        );
    }
}
