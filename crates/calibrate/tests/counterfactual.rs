//! Counterfactuals and validation on a toy model with closed-form answers: output grows at a
//! trend less `loss` times the energy sanction of the Iran timeline
//! (data/episodes/iran_2011.toml), so the no-sanctions path grows at the trend and the level
//! effect is `exp(−loss ∫ s dt)` averaged over each year.

use pressure_calibrate::experiment::counterfactual::{counterfactual, CounterfactualOptions};
use pressure_calibrate::experiment::validation::{validate, Benchmark};
use pressure_calibrate::experiment::{Experiment, RunOptions};
use pressure_calibrate::fitstats::{diebold_mariano_hln, rmse};
use std::path::{Path, PathBuf};

const MODEL: &str = r#"
[settings]
start = 0.0
stop = 14.0
dt = 0.0078125
save_every = 0.0078125
method = "rk4"
time_units = "year"

[exogenous.energy_sanction]
points = [[0, 0]]
interpolation = "step"

# Unused by the equations: a driver the ARX benchmark can be given.
[exogenous.oil_price]
points = [[0, 50]]
interpolation = "step"

[stocks.ln_y]
initial = "0"
inflows = ["growth"]
units = "dimensionless"

[flows.growth]
equation = "trend - (loss + switch * drag) * energy_sanction"
units = "1/year"

# A second, "residual" loss and the switch the effect split sets to 0 (drag 0 by default).
[constants.drag]
value = 0.0
units = "1/year"

[constants.switch]
value = 1.0

[constants.trend]
value = 0.03
units = "1/year"

[constants.loss]
value = 0.1
units = "1/year"
"#;

const TREND: f64 = 0.03;
const LOSS: f64 = 0.2;
const ORIGIN: f64 = 2005.0;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// ln of the annual mean of exp(ln_y) in year `y`, with (`on`) or without the sanctions, by
/// fine quadrature of the timeline's step function.
fn ln_annual_mean(t: &pressure_data::timeline::Timeline, y: i32, on: bool) -> f64 {
    let energy = pressure_data::timeline::Channel::Energy;
    let n = 20_000;
    let h = 1.0 / n as f64;
    // ln_y at the start of year y: integrate from the origin.
    let mut ln = 0.0;
    let steps = ((y as f64 - ORIGIN) / h).round() as usize;
    for k in 0..steps {
        let tm = ORIGIN + (k as f64 + 0.5) * h;
        let s = if on { t.intensity_at(energy, tm) } else { 0.0 };
        ln += (TREND - LOSS * s) * h;
    }
    let mut sum = 0.0;
    for k in 0..n {
        let tm = y as f64 + (k as f64 + 0.5) * h;
        let s = if on { t.intensity_at(energy, tm) } else { 0.0 };
        ln += (TREND - LOSS * s) * h;
        sum += ln.exp() * h;
    }
    sum.ln()
}

fn setup(dir: &Path, holdout: bool) -> PathBuf {
    setup_with(dir, holdout, "{ kind = \"normal\", sigma = 0.5 }")
}

fn setup_with(dir: &Path, holdout: bool, error: &str) -> PathBuf {
    std::fs::write(dir.join("toy.toml"), MODEL).unwrap();
    let timeline = repo().join("data/episodes/iran_2011.toml");
    let t = pressure_data::timeline::Timeline::read_path(&timeline).unwrap();
    // GDP growth data: the model at LOSS, exactly, 2010-2018, plus a deterministic ±0.5 pp.
    let mut csv = String::from("date,series,value,unit,frequency,source\n");
    for y in 2010..=2018 {
        let g = 100.0 * (ln_annual_mean(&t, y, true) - ln_annual_mean(&t, y - 1, true)).exp_m1();
        let noise = if y % 2 == 0 { 0.5 } else { -0.5 };
        csv.push_str(&format!(
            "{y},gdp_growth,{},percent,annual,synthetic\n",
            g + noise
        ));
    }
    std::fs::write(dir.join("data.csv"), csv).unwrap();
    let text = format!(
        r#"[experiment]
name = "toy"
model = "toy.toml"

[[episode]]
id = "iran_2011"
table = "data.csv"
timeline_file = "{}"
origin = {ORIGIN}
window = {{ start = "2011", end = "2016" }}
{}
timeline = {{ energy = "energy_sanction" }}

[[parameter]]
name = "loss"
start = 0.05
lower = -1.0
upper = 1.0

[[mapping]]
series = "gdp_growth"
variable = "growth"
variable_is = "log_rate"
measure = "percent_change"
unit = "percent"
error = {error}

[uncertainty]
profile = false

[counterfactual]
draws = 400
until = "2018"

[[counterfactual.benchmark]]
episode = "iran_2011"
series = "gdp_growth:level"
date = "2014"
effect = -17.0
source = "test"
"#,
        timeline.display(),
        if holdout {
            "holdout = { start = \"2017\", end = \"2018\" }"
        } else {
            ""
        }
    );
    let path = dir.join("exp.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run(exp: &Experiment) -> pressure_calibrate::experiment::CalibrationReport {
    exp.run(&RunOptions {
        seed: 5,
        checkpoint_dir: None,
        resume: false,
        progress: None,
    })
    .unwrap()
}

#[test]
fn counterfactual_level_effect_matches_the_closed_form() {
    let dir = tempfile::tempdir().unwrap();
    let exp = Experiment::load(&setup(dir.path(), false)).unwrap();
    let report = run(&exp);
    let loss = report.estimate.x[0];
    assert!((loss - LOSS).abs() < 0.05, "{loss}");
    // One draw: the estimate.
    let c = counterfactual(
        &exp,
        &report,
        &CounterfactualOptions {
            max_draws: 1,
            level: 0.9,
            seed: 1,
            synth_file: None,
        },
    )
    .unwrap();
    let t =
        pressure_data::timeline::Timeline::read_path(repo().join("data/episodes/iran_2011.toml"))
            .unwrap();
    // At the estimated loss, the level effect in year y is exp(Δ ln A) − 1 with Δ the
    // difference of the two closed forms, linear in the loss: scale the one at LOSS.
    for y in 2011..=2018 {
        let row = c
            .rows
            .iter()
            .find(|r| r.series == "gdp_growth:level" && r.date == y.to_string())
            .unwrap_or_else(|| panic!("no level row for {y}"));
        let d_at_truth = ln_annual_mean(&t, y, true) - ln_annual_mean(&t, y, false);
        let want = 100.0 * (d_at_truth * loss / LOSS).exp_m1();
        // The engine holds a step input at its value at the middle of each integration step
        // (a jump moves by up to dt/2 = 1/256 year) and the level is the trapezoid integral of
        // the saved rate (half a save step at a jump): each of the timeline's jumps moves the
        // log level by up to 2 x loss x jump / 256, 1e-3 here; 1 % of the effect covers them.
        assert!(
            (row.effect_median - want).abs() < 0.02 + 1e-2 * want.abs(),
            "{y}: {} vs {want}",
            row.effect_median
        );
        // The counterfactual grows at the trend.
        let g = c
            .rows
            .iter()
            .find(|r| r.series == "gdp_growth" && r.date == y.to_string())
            .unwrap();
        assert!(
            (g.counterfactual_median - 100.0 * TREND.exp_m1()).abs() < 1e-3,
            "{y}: {}",
            g.counterfactual_median
        );
    }
    // The benchmark sits beside the model's effect of 2014.
    assert_eq!(c.benchmarks.len(), 1);
    assert!(c.benchmarks[0].model.is_some());
    let csv = c.csv();
    assert!(csv.starts_with("episode,series,unit,date,fitted_median,counterfactual_median,effect_median,effect_low,effect_high,level,fitted_low,fitted_high,explicit_effect_median,explicit_effect_low,explicit_effect_high,drag_effect_median,drag_effect_low,drag_effect_high\n"));
    // No split asked for: its columns are empty.
    assert!(c
        .rows
        .iter()
        .all(|r| r.explicit.is_none() && r.drags.is_none()));
    // With many Laplace draws, the band widens around the median.
    let c = counterfactual(
        &exp,
        &report,
        &CounterfactualOptions {
            max_draws: 400,
            level: 0.9,
            seed: 1,
            synth_file: None,
        },
    )
    .unwrap();
    let row = c
        .rows
        .iter()
        .find(|r| r.series == "gdp_growth:level" && r.date == "2014")
        .unwrap();
    assert!(row.effect_low < row.effect_median && row.effect_median < row.effect_high);
}

/// The effect split, the rebased level effect and the fitted-path benchmark against the closed
/// form: the data are generated at a total loss `LOSS`; the run fixes a residual drag of 0.1
/// (switched off by `explicit_set`), so the fitted explicit loss is about `LOSS - 0.1`.
#[test]
fn effect_split_and_rebased_benchmarks_match_the_closed_form() {
    const DRAG: f64 = 0.1;
    let dir = tempfile::tempdir().unwrap();
    let path = setup(dir.path(), false);
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace(
            "timeline = { energy = \"energy_sanction\" }",
            &format!("timeline = {{ energy = \"energy_sanction\" }}\nset = {{ drag = {DRAG} }}"),
        )
        .replace(
            "until = \"2018\"",
            "until = \"2018\"\nexplicit_set = { switch = 0.0 }",
        )
        + r#"
[[counterfactual.benchmark]]
episode = "iran_2011"
series = "gdp_growth:level"
date = "2014"
effect = -5.0
base = "2011"
source = "rebased"

[[counterfactual.benchmark]]
episode = "iran_2011"
series = "gdp_growth:level"
date = "2014"
effect = -5.0
base = "2010"
source = "rebased to the period before the path"

[[counterfactual.benchmark]]
episode = "iran_2011"
series = "gdp_growth"
date = "2014"
effect = -2.0
compare = "fitted"
source = "observed growth"

[[counterfactual.benchmark]]
episode = "iran_2011"
series = "parallel_premium"
date = "2014"
effect = 100.0
compare = "fitted"
source = "not mapped"
"#;
    std::fs::write(&path, text).unwrap();
    let exp = Experiment::load(&path).unwrap();
    let report = run(&exp);
    let loss = report.estimate.x[0];
    assert!((loss - (LOSS - DRAG)).abs() < 0.05, "{loss}");
    let c = counterfactual(
        &exp,
        &report,
        &CounterfactualOptions {
            max_draws: 1,
            level: 0.9,
            seed: 1,
            synth_file: None,
        },
    )
    .unwrap();
    assert_eq!(c.explicit_set, [("switch".to_string(), 0.0)]);
    let t =
        pressure_data::timeline::Timeline::read_path(repo().join("data/episodes/iran_2011.toml"))
            .unwrap();
    // Δ ln A at a loss rate r: linear in r, so the closed form at LOSS scaled.
    let delta =
        |y: i32, r: f64| (ln_annual_mean(&t, y, true) - ln_annual_mean(&t, y, false)) * r / LOSS;
    let tol = |want: f64| 0.02 + 1e-2 * want.abs();
    for y in 2011..=2018 {
        let row = c
            .rows
            .iter()
            .find(|r| r.series == "gdp_growth:level" && r.date == y.to_string())
            .unwrap();
        let total = 100.0 * delta(y, loss + DRAG).exp_m1();
        let explicit = 100.0 * delta(y, loss).exp_m1();
        let (x, d) = (row.explicit.unwrap(), row.drags.unwrap());
        assert!(
            (row.effect_median - total).abs() < tol(total),
            "{y}: {} vs {total}",
            row.effect_median
        );
        assert!(
            (x.0 - explicit).abs() < tol(explicit),
            "{y}: {} vs {explicit}",
            x.0
        );
        assert!(
            ((x.0 + d.0) - row.effect_median).abs() < 1e-9,
            "{y}: the parts add up"
        );
        // The growth rows: explicit + drags = effect, and the drag costs DRAG x sanction.
        let g = c
            .rows
            .iter()
            .find(|r| r.series == "gdp_growth" && r.date == y.to_string())
            .unwrap();
        let (gx, gd) = (g.explicit.unwrap(), g.drags.unwrap());
        assert!(((gx.0 + gd.0) - g.effect_median).abs() < 1e-9);
        if y >= 2013 {
            assert!(gd.0 < 0.0, "{y}: the drag lowers growth: {}", gd.0);
        }
    }
    // Rebased to 2011 and to 2010 (the period before the path's first date).
    for (b, base) in [(&c.benchmarks[1], 2011), (&c.benchmarks[2], 2010)] {
        assert_eq!(b.note, "");
        let want = 100.0 * (delta(2014, loss + DRAG) - delta(base, loss + DRAG)).exp_m1();
        let (m, _, _) = b.model.unwrap();
        assert!((m - want).abs() < tol(want), "base {base}: {m} vs {want}");
        let want_x = 100.0 * (delta(2014, loss) - delta(base, loss)).exp_m1();
        let (mx, _, _) = b.explicit.unwrap();
        assert!(
            (mx - want_x).abs() < tol(want_x),
            "base {base}: {mx} vs {want_x}"
        );
    }
    // The 2011 base removes the effect accumulated by 2011: smaller than the cumulative one.
    let cumulative = c.benchmarks[0].model.unwrap().0;
    assert!(c.benchmarks[1].model.unwrap().0 > cumulative);
    // The fitted-path comparison reads the fitted growth.
    let g2014 = c
        .rows
        .iter()
        .find(|r| r.series == "gdp_growth" && r.date == "2014")
        .unwrap();
    assert_eq!(c.benchmarks[3].model.unwrap().0, g2014.fitted_median);
    assert!(c.benchmarks[3].explicit.is_none());
    // A series the experiment does not map: no value, and the reason.
    assert!(c.benchmarks[4].model.is_none());
    assert!(
        c.benchmarks[4].note.contains("not mapped"),
        "{}",
        c.benchmarks[4].note
    );
    let csv = c.benchmarks_csv();
    assert!(csv
        .lines()
        .nth(2)
        .unwrap()
        .starts_with("iran_2011,gdp_growth:level,2014,effect,2011,"));
}

#[test]
fn validation_scores_benchmarks_and_covers_a_holdout() {
    let dir = tempfile::tempdir().unwrap();
    let exp = Experiment::load(&setup(dir.path(), true)).unwrap();
    let report = run(&exp);
    let v = validate(&exp, &report, 400, 0.9, 2).unwrap();
    assert_eq!(v.rows.len(), 1);
    let row = &v.rows[0];
    // 2011-2016 all have the previous year in the table.
    assert_eq!(row.n, 6);
    // The random walk's U by hand.
    let fit = &report.fit[0];
    let prev: Vec<f64> = std::iter::once(
        // the 2010 value of the table
        std::fs::read_to_string(dir.path().join("data.csv"))
            .unwrap()
            .lines()
            .find(|l| l.starts_with("2010,"))
            .unwrap()
            .split(',')
            .nth(2)
            .unwrap()
            .parse::<f64>()
            .unwrap(),
    )
    .chain(fit.observed[..5].iter().copied())
    .collect();
    let u = pressure_calibrate::fitstats::fit_stats(&prev, &fit.observed)
        .unwrap()
        .theil_u;
    let rw = row.against(Benchmark::RandomWalk);
    assert!((rw.theil_u1 - u).abs() < 1e-12);
    // RMSE ratio and the modified Diebold-Mariano test against the random walk, by hand from
    // the same predictions.
    let rw_rmse = rmse(&prev, &fit.observed).unwrap();
    let model_rmse = rmse(&fit.model, &fit.observed).unwrap();
    assert!((rw.rmse - rw_rmse).abs() < 1e-12 && (row.model_rmse - model_rmse).abs() < 1e-12);
    assert!((rw.rmse_ratio - model_rmse / rw_rmse).abs() < 1e-12);
    let err = |p: &[f64]| -> Vec<f64> { p.iter().zip(&fit.observed).map(|(p, o)| p - o).collect() };
    let dm = diebold_mariano_hln(&err(&fit.model), &err(&prev), 1).unwrap();
    assert_eq!((rw.dm_statistic, rw.dm_p_value), (dm.statistic, dm.p_value));
    // The model (which knows the timeline) beats both benchmarks by far; with six points the
    // test is weak all the same (DM* ≈ −1.8, p ≈ 0.13 at an RMSE ratio of 0.12: the squared
    // errors of the random walk vary a lot from year to year).
    let ar = row.against(Benchmark::Ar1);
    assert!(rw.rmse_ratio < 0.3 && ar.rmse_ratio < 0.3, "{row:?}");
    assert!(rw.dm_statistic < -1.0 && ar.dm_statistic < -1.0, "{row:?}");
    assert!(rw.dm_p_value > 0.0 && rw.dm_p_value < 0.5, "{row:?}");
    assert!(row.model_u1 < 0.1 && row.model_u1 < rw.theil_u1 && row.model_u1 < ar.theil_u1);
    // No driver, no ARX.
    assert!(row.drivers.is_empty() && row.against(Benchmark::Arx).rmse.is_nan());
    // Holdout: two years, a 90% predictive band about ±1.645 σ (σ = 0.5 known) wide.
    assert_eq!(row.holdout_n, 2);
    for h in &v.holdout {
        let width = h.upper - h.lower;
        assert!((width - 2.0 * 1.645 * 0.5).abs() < 0.25, "{h:?}");
    }
    assert!(row.holdout_coverage.is_finite());
    assert!(v.holdout_csv().unwrap().lines().count() == 3);
    // PIT in [0, 1], CRPS positive and below the band's half width plus the miss; the random
    // walk's holdout MAE by hand (the window's last observation held flat).
    for h in &v.holdout {
        assert!((0.0..=1.0).contains(&h.pit) && h.crps > 0.0, "{h:?}");
    }
    let last = *fit.observed.last().unwrap();
    let holdout_obs: Vec<f64> = v.holdout.iter().map(|h| h.observed).collect();
    let mae = holdout_obs.iter().map(|o| (last - o).abs()).sum::<f64>() / 2.0;
    let hrw = row.holdout_against(Benchmark::RandomWalk);
    assert!((hrw.crps - mae).abs() < 1e-12, "{hrw:?}");
    assert!(hrw.dm_statistic.is_nan(), "no DM test on a path forecast");
    let mean_crps = v.holdout.iter().map(|h| h.crps).sum::<f64>() / 2.0;
    assert!((row.holdout_model_crps - mean_crps).abs() < 1e-12);
    // The CSV has a value under every documented column of the row.
    let csv = v.csv();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let line: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(header.len(), line.len());
    let col = |name: &str| line[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(
        col("rmse_ratio_random_walk").parse::<f64>().unwrap(),
        rw.rmse_ratio
    );
    assert_eq!(
        col("dm_random_walk_p").parse::<f64>().unwrap(),
        rw.dm_p_value
    );
    assert_eq!(
        col("holdout_random_walk_mae").parse::<f64>().unwrap(),
        hrw.crps
    );
    assert_eq!(col("dm_arx"), "");
}

/// The ARX benchmark is given the episode's exogenous data drivers: on data that follow an
/// ARX in the oil price's log change exactly, it fits them exactly in the window and forecasts
/// the holdout exactly with the realised oil price (the random walk and the AR(1) do not).
#[test]
fn arx_benchmark_uses_the_realised_driver() {
    let dir = tempfile::tempdir().unwrap();
    let path = setup(dir.path(), true);
    // Replace the data: y_t = 1 + 0.5 y_(t-1) + 0.05 x_t, x_t = 100 ln(oil_t / oil_(t-1)).
    let oil = |y: i32| 60.0 + 25.0 * ((y - 2000) as f64 * 1.3).sin();
    let mut csv = String::from(
        "date,series,value,unit,frequency,source
",
    );
    let mut g = 2.0;
    for y in 2009..=2018 {
        csv.push_str(&format!(
            "{y},oil,{},usd_per_barrel,annual,synthetic
",
            oil(y)
        ));
        if y >= 2010 {
            g = 1.0 + 0.5 * g + 0.05 * 100.0 * (oil(y) / oil(y - 1)).ln();
            csv.push_str(&format!(
                "{y},gdp_growth,{g},percent,annual,synthetic
"
            ));
        }
    }
    std::fs::write(dir.path().join("data.csv"), csv).unwrap();
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "timeline = { energy",
        "exogenous = { oil_price = { series = \"oil\", unit = \"usd_per_barrel\" } }\ntimeline = { energy",
    );
    std::fs::write(&path, text).unwrap();
    let exp = Experiment::load(&path).unwrap();
    let report = run(&exp);
    let v = validate(&exp, &report, 50, 0.9, 2).unwrap();
    let row = &v.rows[0];
    assert_eq!(row.drivers, vec!["oil_price".to_string()]);
    let arx = row.against(Benchmark::Arx);
    assert!(arx.rmse < 1e-9, "{row:?}");
    let harx = row.holdout_against(Benchmark::Arx);
    assert!(harx.rmse < 1e-9 && harx.crps < 1e-9, "{row:?}");
    assert!(row.holdout_against(Benchmark::Ar1).rmse > 0.1, "{row:?}");
    assert!(v.csv().lines().nth(1).unwrap().contains(",oil_price,"));
}

/// A report that does not come from the experiment is an error naming the mismatch, not an
/// index panic: a missing series, a renamed one, a different number of observations.
#[test]
fn validation_rejects_a_report_of_another_experiment() {
    let dir = tempfile::tempdir().unwrap();
    let exp = Experiment::load(&setup(dir.path(), true)).unwrap();
    let report = run(&exp);
    let mut missing = report.clone();
    missing.fit.clear();
    let e = validate(&exp, &missing, 10, 0.9, 2)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("0 fitted series") && e.contains("another experiment"),
        "{e}"
    );
    let mut renamed = report.clone();
    renamed.fit[0].series = "cpi_inflation".into();
    let e = validate(&exp, &renamed, 10, 0.9, 2)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`cpi_inflation`") && e.contains("another experiment"),
        "{e}"
    );
    let mut shorter = report.clone();
    shorter.fit[0].observed.pop();
    shorter.fit[0].model.pop();
    let e = validate(&exp, &shorter, 10, 0.9, 2)
        .unwrap_err()
        .to_string();
    assert!(e.contains("(5 observations)") && e.contains("(6)"), "{e}");
    // The untouched report still validates.
    assert!(validate(&exp, &report, 10, 0.9, 2).is_ok());
}

/// Power: with the noise of the data (σ = 0.5 pp) the loss of 0.2 is told from zero in every
/// replication; with sixty times the noise, rarely. Coverage stays near nominal in both.
#[test]
fn recovery_power_falls_with_the_noise() {
    use pressure_calibrate::experiment::recovery::{recovery_study, RecoveryOptions};
    let dir = tempfile::tempdir().unwrap();
    // σ estimated, as in a real calibration.
    let exp = Experiment::load(&setup_with(dir.path(), false, "{ kind = \"normal\" }")).unwrap();
    let opts = RecoveryOptions {
        replications: 30,
        seed: 4,
        profile: false,
        ..Default::default()
    };
    let quiet = recovery_study(&exp, &[LOSS], &[0.5], &opts).unwrap();
    assert_eq!(quiet.successes, 30);
    assert_eq!(quiet.wald_power[0], 1.0, "{:?}", quiet.wald_power);
    let noisy = recovery_study(&exp, &[LOSS], &[30.0], &opts).unwrap();
    assert!(noisy.wald_power[0] < 0.5, "{:?}", noisy.wald_power);
    // 95 % intervals: with 30 replications the binomial 3-sigma band is about ±12 points.
    for r in [&quiet, &noisy] {
        assert!(r.wald_coverage[0] >= 0.83, "{:?}", r.wald_coverage);
    }
}

/// The synthetic-control benchmark table: whole years become benchmark rows after treatment;
/// a time that is not a whole year is an error naming the file's row and column (it used to be
/// truncated, and a missing one read as year 0).
#[test]
fn synth_benchmarks_read_whole_years_and_name_a_bad_cell() {
    use pressure_calibrate::experiment::counterfactual::synth_benchmarks;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("synth_episodes.csv");
    let episodes: std::collections::BTreeMap<String, String> =
        [("iran_2011".to_string(), "iran".to_string())].into();
    std::fs::write(
        &file,
        "model,time,treatment_time,gap_pct\niran,2011,2012,1.0\niran,2012,2012,-2.5\niran,2013,2012,-4.0\n",
    )
    .unwrap();
    let b = synth_benchmarks(&file, "gdp_growth", &episodes).unwrap();
    let got: Vec<(String, Option<f64>)> = b.iter().map(|s| (s.date.clone(), s.effect)).collect();
    assert_eq!(
        got,
        vec![("2012".into(), Some(-2.5)), ("2013".into(), Some(-4.0))]
    );
    // The model's effect is measured from the year before the treatment year; without placebo
    // columns there is no placebo range.
    assert!(b.iter().all(|s| s.base.as_deref() == Some("2011")));
    assert!(b
        .iter()
        .all(|s| s.placebo_low.is_none() && s.placebo_high.is_none()));
    std::fs::write(
        &file,
        "model,time,treatment_time,gap_pct,placebo_gap_pct_min,placebo_gap_pct_max\niran,2012,2012,-2.5,-9.5,12.0\niran,2013,2012,-4.0,,\n",
    )
    .unwrap();
    let b = synth_benchmarks(&file, "gdp_growth", &episodes).unwrap();
    assert_eq!(
        (b[0].placebo_low, b[0].placebo_high),
        (Some(-9.5), Some(12.0))
    );
    assert_eq!((b[1].placebo_low, b[1].placebo_high), (None, None));
    std::fs::write(
        &file,
        "model,time,treatment_time,gap_pct\niran,2012,2012,-2.5\niran,2013.5,2012,-4.0\n",
    )
    .unwrap();
    let e = synth_benchmarks(&file, "gdp_growth", &episodes)
        .expect_err("a time of 2013.5")
        .to_string();
    assert!(
        e.contains("row 3 (header is row 1), column 2 `time`") && e.contains("`2013.5`"),
        "{e}"
    );
}
