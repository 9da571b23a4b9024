//! Draws every figure kind from small synthetic inputs into a folder, in SVG, PNG and (with the
//! `pdf` feature) PDF, to look at the house style:
//!
//! ```text
//! cargo run -p pressure-plot --example gallery -- /tmp/gallery [single|double]
//! ```
//!
//! The numbers are made up (smooth curves with a little deterministic wiggle); they stand for
//! nothing.

use pressure_plot::*;
use std::path::Path;

fn wiggle(i: usize) -> f64 {
    // Deterministic pseudo-noise in [-1, 1].
    ((i as f64 * 12.9898).sin() * 43758.5453).fract() * 2.0 - 1.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(args.get(1).map_or("gallery", |s| s.as_str())).to_path_buf();
    let width: Width = args.get(2).map_or("single", |s| s.as_str()).parse()?;
    std::fs::create_dir_all(&dir)?;
    let years: Vec<f64> = (0..=20).map(|i| 2005.0 + i as f64 * 0.5).collect();
    let infl = |t: f64| 8.0 + 30.0 / (1.0 + (-(t - 2012.0) * 1.2).exp());
    let panel = |name: &str, unit: &str, f: &dyn Fn(f64) -> f64, k: usize| TimeSeriesPanel {
        title: Some(name.to_string()),
        x: AxisLabel::new("Year", ""),
        y: AxisLabel::new(name, unit),
        lines: vec![Series::new(
            "model",
            years.iter().map(|&t| (t, f(t))).collect(),
        )],
        bands: vec![Band {
            series: "model".into(),
            label: "95% interval".into(),
            points: years
                .iter()
                .map(|&t| (t, f(t) * 0.85, f(t) * 1.15))
                .collect(),
        }],
        observed: vec![Series::new(
            "observed",
            years
                .iter()
                .step_by(2)
                .enumerate()
                .map(|(i, &t)| (t, f(t) * (1.0 + 0.08 * wiggle(i + k))))
                .collect(),
        )],
        events: vec![(2012.0, "sanctions".into())],
        y_range: None,
    };
    let mut figs: Vec<(&str, Figure)> = Vec::new();
    figs.push((
        "timeseries",
        time_series(&panel("Inflation", "% per year", &infl, 0), width)?,
    ));
    let gdp = |t: f64| 100.0 - 12.0 / (1.0 + (-(t - 2012.5) * 1.5).exp());
    let fx = |t: f64| 1.0 + 2.5 / (1.0 + (-(t - 2013.0) * 0.9).exp());
    let rev = |t: f64| 22.0 - 6.0 / (1.0 + (-(t - 2012.0) * 1.1).exp());
    figs.push((
        "fit-grid",
        fit_grid(
            &[
                panel("Inflation", "% per year", &infl, 0),
                panel("Real GDP", "index, 2005 = 100", &gdp, 3),
                panel("Parallel premium", "ratio", &fx, 5),
                panel("Oil revenue", "% of GDP", &rev, 7),
            ],
            width,
        )?,
    ));
    let scen = |name: &str, unit: &str| {
        let mut p = TimeSeriesPanel {
            title: Some(name.into()),
            x: AxisLabel::new("Year", ""),
            y: AxisLabel::new(name, unit),
            ..Default::default()
        };
        for (k, s) in [
            "baseline",
            "oil embargo",
            "financial sanctions",
            "full embargo",
        ]
        .iter()
        .enumerate()
        {
            let d = k as f64;
            p.lines.push(Series::new(
                *s,
                years
                    .iter()
                    .map(|&t| {
                        (
                            t,
                            100.0 - d * 4.0 / (1.0 + (-(t - 2012.0) * (1.0 + d * 0.3)).exp()),
                        )
                    })
                    .collect(),
            ));
        }
        p
    };
    figs.push((
        "scenarios",
        scenario_comparison(
            &[
                scen("Real GDP", "index"),
                scen("Coalition cohesion", "index"),
            ],
            width,
        )?,
    ));
    figs.push((
        "tornado",
        tornado(
            &Tornado {
                output: AxisLabel::new("Peak inflation", "% per year"),
                base: 24.0,
                rows: vec![
                    TornadoRow {
                        parameter: "money growth".into(),
                        low: 15.0,
                        high: 36.0,
                    },
                    TornadoRow {
                        parameter: "import share".into(),
                        low: 21.0,
                        high: 28.0,
                    },
                    TornadoRow {
                        parameter: "FX pass-through".into(),
                        low: 18.5,
                        high: 31.0,
                    },
                    TornadoRow {
                        parameter: "elite patience".into(),
                        low: 23.0,
                        high: 25.5,
                    },
                ],
            },
            width,
        )?,
    ));
    figs.push((
        "morris",
        morris(
            &Morris {
                output: AxisLabel::new("peak inflation", "% per year"),
                points: vec![
                    MorrisPoint {
                        parameter: "money growth".into(),
                        mu_star: 9.0,
                        sigma: 5.0,
                        mu_star_conf: Some(1.2),
                    },
                    MorrisPoint {
                        parameter: "pass-through".into(),
                        mu_star: 6.0,
                        sigma: 7.5,
                        mu_star_conf: Some(1.5),
                    },
                    MorrisPoint {
                        parameter: "import share".into(),
                        mu_star: 3.0,
                        sigma: 0.8,
                        mu_star_conf: Some(0.5),
                    },
                    MorrisPoint {
                        parameter: "patience".into(),
                        mu_star: 0.5,
                        sigma: 0.3,
                        mu_star_conf: Some(0.2),
                    },
                ],
            },
            width,
        )?,
    ));
    figs.push((
        "sobol",
        sobol(
            &Sobol {
                output: "peak inflation".into(),
                rows: vec![
                    SobolRow {
                        parameter: "money growth".into(),
                        first: Interval::new(0.42, 0.36, 0.48),
                        total: Interval::new(0.55, 0.49, 0.62),
                    },
                    SobolRow {
                        parameter: "pass-through".into(),
                        first: Interval::new(0.21, 0.15, 0.27),
                        total: Interval::new(0.36, 0.30, 0.43),
                    },
                    SobolRow {
                        parameter: "import share".into(),
                        first: Interval::new(0.05, 0.01, 0.09),
                        total: Interval::new(0.08, 0.05, 0.11),
                    },
                    SobolRow {
                        parameter: "patience".into(),
                        first: Interval::new(0.0, -0.02, 0.02),
                        total: Interval::new(0.01, 0.0, 0.02),
                    },
                ],
            },
            width,
        )?,
    ));
    let idx_panel = |title: &str| {
        let mut p = TimeSeriesPanel {
            title: Some(title.into()),
            x: AxisLabel::new("Year", ""),
            y: AxisLabel::new("Sensitivity index", ""),
            ..Default::default()
        };
        for (k, s) in ["money growth", "pass-through", "import share"]
            .iter()
            .enumerate()
        {
            let pts: Vec<(f64, f64)> = years
                .iter()
                .map(|&t| {
                    (
                        t,
                        (0.5 / (k as f64 + 1.0))
                            * (1.0 + 0.5 * ((t - 2005.0) / 3.0 + k as f64).sin()),
                    )
                })
                .collect();
            p.bands.push(Band {
                series: s.to_string(),
                label: String::new(),
                points: pts.iter().map(|&(t, v)| (t, v - 0.05, v + 0.05)).collect(),
            });
            p.lines.push(Series::new(*s, pts));
        }
        p
    };
    figs.push((
        "indices-time",
        indices_over_time(
            &[
                idx_panel("First-order index S₁"),
                idx_panel("Total index S_T"),
            ],
            width,
        )?,
    ));
    let prof = |name: &str, unit: &str, est: f64, se: f64| {
        let pts: Vec<(f64, f64)> = (0..=30)
            .map(|i| {
                let v = est + (i as f64 - 15.0) / 15.0 * 3.0 * se;
                let z = (v - est) / se;
                (v, z * z * (1.0 + 0.1 * z))
            })
            .collect();
        Profile {
            parameter: AxisLabel::new(name, unit),
            points: pts,
            estimate: Some(est),
            interval: Some((est - 1.96 * se * 1.03, est + 1.96 * se * 0.97)),
            threshold: 3.841459,
        }
    };
    figs.push((
        "profile",
        profile_likelihood(
            &[
                prof("Money growth", "1/year", 0.3, 0.05),
                prof("Pass-through", "", 0.6, 0.1),
            ],
            width,
        )?,
    ));
    let draws: Vec<Vec<f64>> = (0..3)
        .map(|j| {
            (0..3000)
                .map(|i| {
                    let base = wiggle(i) + wiggle(i + 7919) + wiggle(i + 104_729);
                    let common = wiggle(i + 1_299_709);
                    1.0 + j as f64 + 0.3 * base + 0.4 * common * (j as f64)
                })
                .collect()
        })
        .collect();
    let names = [
        AxisLabel::new("Money growth", "1/year"),
        AxisLabel::new("Pass-through", ""),
        AxisLabel::new("Patience", "year"),
    ];
    figs.push((
        "posterior",
        posterior_marginals(
            &names
                .iter()
                .zip(&draws)
                .map(|(n, d)| Marginal {
                    parameter: n.clone(),
                    draws: d.clone(),
                    interval: None,
                    estimate: Some(d.iter().sum::<f64>() / d.len() as f64),
                })
                .collect::<Vec<_>>(),
            width,
        )?,
    ));
    figs.push((
        "pairs",
        pairs(
            &Pairs {
                parameters: names.to_vec(),
                draws: draws.clone(),
            },
            width,
        )?,
    ));
    let es = |label: &str, shift: f64| CoefSeries {
        label: label.into(),
        points: (-5..=6)
            .filter(|&k| k != -1)
            .map(|k| {
                let e = if k < 0 {
                    0.1 * wiggle((k + 10) as usize)
                } else {
                    -2.0 * (1.0 - (-(k as f64) / 2.0).exp())
                } + shift;
                PointEstimate {
                    at: k as f64,
                    estimate: e,
                    low: e - 0.8,
                    high: e + 0.8,
                }
            })
            .collect(),
    };
    figs.push((
        "event-study",
        event_study(
            &EventStudy {
                x: AxisLabel::new("Years since sanctions", "year"),
                y: AxisLabel::new("Effect on GDP growth", "percentage points"),
                series: vec![es("two-way FE", 0.0), es("Sun–Abraham", 0.2)],
                reference_period: Some(-1.0),
            },
            width,
        )?,
    ));
    let km_curve = |label: &str, hazard: f64| {
        let mut s = 1.0;
        let mut steps = Vec::new();
        let mut band = Vec::new();
        for k in 1..=12 {
            s *= 1.0 - hazard * (1.0 + 0.3 * wiggle(k));
            steps.push((k as f64 * 2.0, s));
            band.push((k as f64 * 2.0, (s - 0.08).max(0.0), (s + 0.08).min(1.0)));
        }
        KmCurve {
            label: label.into(),
            steps,
            censored: vec![5.0, 11.0, 17.0, 25.0],
            band,
        }
    };
    figs.push((
        "kaplan-meier",
        kaplan_meier(
            &KaplanMeier {
                time: AxisLabel::new("Time in office", "year"),
                groups: vec![
                    km_curve("sanctioned", 0.12),
                    km_curve("not sanctioned", 0.06),
                ],
            },
            width,
        )?,
    ));
    figs.push((
        "coef",
        coefficient_plot(
            &CoefficientPlot {
                x: AxisLabel::new("Effect on inflation", "percentage points"),
                rows: vec![
                    Coefficient {
                        term: "sanctions (any)".into(),
                        estimate: 4.2,
                        low: 1.9,
                        high: 6.5,
                    },
                    Coefficient {
                        term: "financial sanctions".into(),
                        estimate: 6.1,
                        low: 2.2,
                        high: 10.0,
                    },
                    Coefficient {
                        term: "trade sanctions".into(),
                        estimate: 1.3,
                        low: -1.0,
                        high: 3.6,
                    },
                    Coefficient {
                        term: "oil price (log)".into(),
                        estimate: -2.4,
                        low: -4.0,
                        high: -0.8,
                    },
                ],
                sort: true,
            },
            width,
        )?,
    ));
    for (name, fig) in figs {
        let fig = fig.with_note("Synthetic numbers: a style sample, not results.");
        for format in [Format::Svg, Format::Png, Format::Pdf] {
            if format.available() {
                let path = dir.join(format!("{name}.{}", format.extension()));
                std::fs::write(&path, fig.render(format)?)?;
            }
        }
        println!("{name}: {} x {} px", fig.width_px(), fig.height_px());
    }
    Ok(())
}
