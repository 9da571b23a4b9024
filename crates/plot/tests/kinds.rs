//! Every figure kind, drawn from a small known input and checked for content: axis titles with
//! units, the number of series and legend entries, data at the pixel coordinates the plot-area
//! mapping gives, PNG size and ink, and (for a few kinds) the PDF's embedded font.

mod common;
use common::*;
use pressure_plot::*;

fn svg_of(fig: &Figure) -> El {
    parse(&fig.svg())
}

fn ts_panel() -> TimeSeriesPanel {
    TimeSeriesPanel {
        title: Some("Inflation".into()),
        x: AxisLabel::new("Time", "year"),
        y: AxisLabel::new("Inflation", "% per year"),
        lines: vec![Series::new(
            "model",
            vec![(0.0, 0.0), (5.0, 4.0), (10.0, 10.0)],
        )],
        bands: vec![Band {
            series: "model".into(),
            label: "95% interval".into(),
            points: vec![(0.0, -1.0, 1.0), (5.0, 3.0, 5.0), (10.0, 9.0, 11.0)],
        }],
        observed: vec![Series::new(
            "observed",
            vec![(2.0, 3.0), (5.0, 5.0), (8.0, 9.0)],
        )],
        events: vec![(4.0, "sanctions".into())],
        y_range: None,
    }
}

#[test]
fn time_series_content_png_and_pdf() {
    let fig = time_series(&ts_panel(), Width::Single).unwrap();
    let svg = svg_of(&fig);
    let texts = svg.texts();
    assert!(
        texts.contains(&"Inflation (% per year)".to_string()),
        "{texts:?}"
    );
    assert!(texts.contains(&"Time (year)".to_string()));
    assert!(texts.contains(&"sanctions".to_string()));
    assert_eq!(svg.groups("series line").len(), 1);
    assert_eq!(svg.groups("series band").len(), 1);
    assert_eq!(svg.groups("series points").len(), 1);
    assert_eq!(
        svg.legend_labels(),
        vec!["95% interval", "model", "observed"]
    );

    let panels = svg.groups("panel");
    assert_eq!(panels.len(), 1);
    let m = Map::of(panels[0]);
    // The data range is padded: 0..10 in x (2% each side), −1..11 in y (4% each side).
    assert!(
        (m.x0 - -0.2).abs() < 1e-9 && (m.x1 - 10.2).abs() < 1e-9,
        "{m:?}"
    );
    assert!(
        (m.y0 - -1.48).abs() < 1e-9 && (m.y1 - 11.48).abs() < 1e-9,
        "{m:?}"
    );
    check_axes(panels[0], &m);
    check_y_ticks(panels[0], &m);

    let obs = svg.series("series points", "observed").marker_centres();
    let expected = [(2.0, 3.0), (5.0, 5.0), (8.0, 9.0)];
    assert_eq!(obs.len(), 3);
    for (got, want) in obs.iter().zip(expected) {
        assert_close(*got, m.xy(want), "observed point");
    }
    let line = svg.series("series line", "model").polylines();
    assert_eq!(line.len(), 1);
    for (got, want) in line[0].iter().zip([(0.0, 0.0), (5.0, 4.0), (10.0, 10.0)]) {
        assert_close(*got, m.xy(want), "model vertex");
    }
    // The event line is vertical at x = 4 across the plot area.
    let ev = svg
        .find_all(&|e| e.name == "g" && e.attr("class") == "reference" && e.attr("data-x") == "4");
    let ev_line = &ev[0].polylines()[0];
    assert_close(ev_line[0], (m.x(4.0), m.top), "event line top");

    // The library's own geometry agrees with the SVG.
    let g = &fig.panels()[0];
    assert_close(
        g.to_pixel((8.0, 9.0)),
        m.xy((8.0, 9.0)),
        "PanelGeometry::to_pixel",
    );

    let png = check_png(&fig.png().unwrap(), &svg);
    assert_eq!((png.width, png.height), (fig.width_px(), fig.height_px()));
    // Observed markers are black in the PNG; the model line is Okabe–Ito blue.
    for want in expected {
        let (x, y) = m.xy(want);
        assert!(
            near(png.pixel(x, y), (0, 0, 0), 40),
            "marker pixel {:?}",
            png.pixel(x, y)
        );
    }
    let (x, y) = m.xy((7.5, 7.0)); // on the segment (5,4)-(10,10)
    assert!(
        near(png.pixel(x, y), (0x00, 0x72, 0xB2), 40),
        "line pixel {:?}",
        png.pixel(x, y)
    );

    check_pdf(&fig.pdf().unwrap());
}

#[test]
fn double_width_png_is_6_9_inches_at_300_dpi() {
    let fig = time_series(&ts_panel(), Width::Double).unwrap();
    let png = decode_png(&fig.png().unwrap());
    assert_eq!(png.width, 2070);
    assert!(fig.svg().contains(r#"width="6.9in""#));
}

#[test]
fn fit_grid_has_a_panel_per_observable_and_one_legend() {
    let mut a = ts_panel();
    let mut b = ts_panel();
    b.title = Some("Real GDP".into());
    b.y = AxisLabel::new("Real GDP", "index, 2010 = 100");
    let mut c = ts_panel();
    c.title = Some("Premium".into());
    c.y = AxisLabel::new("Premium", "ratio");
    a.events.clear();
    let fig = fit_grid(&[a, b, c], Width::Single).unwrap();
    let svg = svg_of(&fig);
    let panels = svg.groups("panel");
    assert_eq!(panels.len(), 3);
    let titles: Vec<&str> = panels.iter().map(|p| p.attr("data-title")).collect();
    assert_eq!(titles, vec!["Inflation", "Real GDP", "Premium"]);
    // In a grid the panel title names the variable and the axis carries the unit.
    for unit in ["% per year", "index, 2010 = 100", "ratio"] {
        svg.text_el(unit);
    }
    assert_eq!(
        svg.legend_labels(),
        vec!["95% interval", "model", "observed"]
    );
    assert_eq!(svg.groups("series line").len(), 3);
    // Two columns at single width: panels 0 and 2 share a left edge, 0 and 1 a top edge.
    let maps: Vec<Map> = panels.iter().map(|p| Map::of(p)).collect();
    assert!((maps[0].left - maps[2].left).abs() < 1e-6);
    assert!((maps[0].top - maps[1].top).abs() < 1e-6);
    for (p, m) in panels.iter().zip(&maps) {
        check_axes(p, m);
        let obs = p.find_all(&|e| e.attr("class") == "series points")[0].marker_centres();
        assert_close(obs[1], m.xy((5.0, 5.0)), "observed point in grid");
    }
    check_png(&fig.png().unwrap(), &svg);
}

#[test]
fn scenarios_keep_one_style_per_scenario_across_panels() {
    let runs = ["baseline", "oil embargo", "full embargo"];
    let panel = |name: &str| TimeSeriesPanel {
        title: Some(name.into()),
        x: AxisLabel::new("Time", "year"),
        y: AxisLabel::new(name, "index"),
        lines: runs
            .iter()
            .enumerate()
            .map(|(k, r)| Series::new(*r, vec![(0.0, 1.0), (1.0, 1.0 - 0.1 * k as f64)]))
            .collect(),
        ..Default::default()
    };
    let fig = scenario_comparison(&[panel("GDP"), panel("Cohesion")], Width::Double).unwrap();
    let svg = svg_of(&fig);
    assert_eq!(svg.groups("panel").len(), 2);
    assert_eq!(svg.groups("series line").len(), 6);
    assert_eq!(svg.legend_labels(), runs.to_vec());
    let style = |g: &El| {
        let p = g.find_all(&|e| e.name == "polyline")[0];
        (
            p.attr("stroke").to_string(),
            p.attr("stroke-dasharray").to_string(),
        )
    };
    let lines = svg.groups("series line");
    let mut styles = std::collections::HashSet::new();
    for r in runs {
        let of_run: Vec<_> = lines.iter().filter(|g| g.attr("data-label") == r).collect();
        assert_eq!(of_run.len(), 2);
        assert_eq!(
            style(of_run[0]),
            style(of_run[1]),
            "{r} differs between panels"
        );
        styles.insert(style(of_run[0]));
    }
    assert_eq!(styles.len(), 3, "scenarios must differ in colour and dash");
    let dashes: std::collections::HashSet<_> = styles.iter().map(|s| s.1.clone()).collect();
    assert_eq!(
        dashes.len(),
        3,
        "scenarios must differ in dash pattern too (greyscale)"
    );
    // Three columns at double width, so both panels sit in one row.
    let panels = svg.groups("panel");
    let (m0, m1) = (Map::of(panels[0]), Map::of(panels[1]));
    assert!((m0.top - m1.top).abs() < 1e-6 && m1.left > m0.right);
    let end = svg.groups("series line")[2].polylines()[0][1];
    assert_close(end, m0.xy((1.0, 0.8)), "full embargo end point");
    check_png(&fig.png().unwrap(), &svg);
}

#[test]
fn tornado_sorts_by_swing_and_bars_span_base_to_ends() {
    let t = Tornado {
        output: AxisLabel::new("Peak inflation", "% per year"),
        base: 20.0,
        rows: vec![
            TornadoRow {
                parameter: "small".into(),
                low: 19.0,
                high: 22.0,
            },
            TornadoRow {
                parameter: "large".into(),
                low: 10.0,
                high: 35.0,
            },
            TornadoRow {
                parameter: "reversed".into(),
                low: 26.0,
                high: 15.0,
            },
        ],
    };
    let fig = tornado(&t, Width::Single).unwrap();
    let svg = svg_of(&fig);
    svg.text_el("Peak inflation (% per year)");
    let panel = svg.groups("panel")[0];
    let m = Map::of(panel).categories();
    // Category labels top to bottom by swing: large (25), reversed (11), small (3).
    let y_of = |name: &str| svg.text_el(name).num("y");
    assert!(y_of("large") < y_of("reversed") && y_of("reversed") < y_of("small"));
    let low = svg.series("series bars", "parameter at low end").rects();
    let high = svg.series("series bars", "parameter at high end").rects();
    assert_eq!((low.len(), high.len()), (3, 3));
    let expect: [(f64, f64); 3] = [(10.0, 35.0), (26.0, 15.0), (19.0, 22.0)];
    for (i, (lo, hi)) in expect.iter().enumerate() {
        let (x_lo, x_hi) = (m.x(lo.min(20.0)), m.x(lo.max(20.0)));
        assert_close((low[i].0, low[i].2), (x_lo, x_hi), "low bar");
        assert_close(
            (high[i].0, high[i].2),
            (m.x(hi.min(20.0)), m.x(hi.max(20.0))),
            "high bar",
        );
        // Bars are centred on their category row.
        assert_close(
            ((low[i].1 + low[i].3) / 2.0, 0.0),
            (m.y(i as f64), 0.0),
            "bar centre",
        );
    }
    assert_eq!(svg.legend_labels().len(), 3);
    check_png(&fig.png().unwrap(), &svg);
}

#[test]
fn morris_points_labels_and_reference_line() {
    let m_in = Morris {
        output: AxisLabel::new("peak inflation", "% per year"),
        points: vec![
            MorrisPoint {
                parameter: "a".into(),
                mu_star: 1.0,
                sigma: 2.0,
                mu_star_conf: Some(0.5),
            },
            MorrisPoint {
                parameter: "b".into(),
                mu_star: 4.0,
                sigma: 1.0,
                mu_star_conf: None,
            },
        ],
    };
    let fig = morris(&m_in, Width::Single).unwrap();
    let svg = svg_of(&fig);
    svg.text_el("μ* of peak inflation (% per year)");
    svg.text_el("σ of peak inflation (% per year)");
    svg.text_el("a");
    svg.text_el("b");
    let panel = svg.groups("panel")[0];
    let m = Map::of(panel);
    assert_eq!((m.x0, m.y0), (0.0, 0.0), "μ* and σ axes start at zero");
    let pts = svg.series("series points", "parameters").marker_centres();
    assert_close(pts[0], m.xy((1.0, 2.0)), "a");
    assert_close(pts[1], m.xy((4.0, 1.0)), "b");
    // The reference σ = μ* starts at the origin and keeps slope 1 in data units.
    let diag = &svg.find_all(&|e| e.attr("data-slope") == "1")[0].polylines()[0];
    assert_close(diag[0], m.xy((0.0, 0.0)), "diagonal origin");
    let end = diag[diag.len() - 1];
    let (dx, dy) = (
        (end.0 - m.left) / (m.right - m.left) * (m.x1 - m.x0),
        (m.bottom - end.1) / (m.bottom - m.top) * (m.y1 - m.y0),
    );
    assert!((dx - dy).abs() < 0.01, "diagonal slope {dx} vs {dy}");
    // The confidence bar of a spans μ* ± 0.5 at σ = 2.
    let bar = &svg
        .series("series errorbars", "μ* confidence interval")
        .polylines()[0];
    assert_close(bar[0], m.xy((0.5, 2.0)), "conf low");
    assert_close(bar[1], m.xy((1.5, 2.0)), "conf high");
    assert_eq!(svg.legend_labels(), vec!["σ = μ*"]);
    check_png(&fig.png().unwrap(), &svg);
}

#[test]
fn morris_with_many_parameters_names_only_the_most_influential() {
    // p0..p29 on the diagonal, farther out with the index; p30 has a large σ only.
    let mut points: Vec<MorrisPoint> = (0..30)
        .map(|i| MorrisPoint {
            parameter: format!("p{i}"),
            mu_star: i as f64,
            sigma: i as f64,
            mu_star_conf: None,
        })
        .collect();
    points.push(MorrisPoint {
        parameter: "p30".into(),
        mu_star: 0.5,
        sigma: 40.0,
        mu_star_conf: None,
    });
    let fig = morris(
        &Morris {
            output: AxisLabel::new("y", ""),
            points,
        },
        Width::Single,
    )
    .unwrap();
    let svg = svg_of(&fig);
    // Every point is drawn, but only ten names: p30 (σ) and p21..p29 (largest μ*).
    assert_eq!(
        svg.series("series points", "parameters")
            .marker_centres()
            .len(),
        31
    );
    let texts = svg.texts();
    let names: Vec<&String> = texts
        .iter()
        .filter(|t| t.starts_with('p') && t[1..].parse::<u32>().is_ok())
        .collect();
    assert_eq!(names.len(), 10, "{names:?}");
    for i in 21..=30 {
        svg.text_el(&format!("p{i}"));
    }
    assert!(!texts.iter().any(|t| t == "p20" || t == "p0"));
}

#[test]
fn sobol_bars_and_intervals() {
    let s = Sobol {
        output: "peak inflation".into(),
        rows: vec![
            SobolRow {
                parameter: "x1".into(),
                first: Interval::new(0.2, 0.1, 0.3),
                total: Interval::new(0.3, 0.25, 0.4),
            },
            SobolRow {
                parameter: "x2".into(),
                first: Interval::new(0.5, 0.4, 0.6),
                total: Interval::new(0.6, 0.5, 0.7),
            },
        ],
    };
    let fig = sobol(&s, Width::Single).unwrap();
    let svg = svg_of(&fig);
    svg.text_el("Sobol index of peak inflation");
    assert_eq!(svg.legend_labels(), vec!["first order S₁", "total S_T"]);
    let m = Map::of(svg.groups("panel")[0]).categories();
    // x2 has the larger total index, so it is the first (top) row.
    assert!(svg.text_el("x2").num("y") < svg.text_el("x1").num("y"));
    let first = svg.series("series bars", "first order S₁").rects();
    let total = svg.series("series bars", "total S_T").rects();
    assert_close((first[0].0, first[0].2), (m.x(0.0), m.x(0.5)), "S1 of x2");
    assert_close((total[1].0, total[1].2), (m.x(0.0), m.x(0.3)), "ST of x1");
    let err = svg
        .series("series errorbars", "total S_T interval")
        .polylines();
    // Each interval: one bar and two caps.
    assert_eq!(err.len(), 6);
    assert_close(
        err[0][0],
        (m.x(0.5), m.y(0.19)),
        "ST interval of x2, low end",
    );
    assert_close(
        err[0][1],
        (m.x(0.7), m.y(0.19)),
        "ST interval of x2, high end",
    );
    check_png(&fig.png().unwrap(), &svg);
}

#[test]
fn sobol_with_many_parameters_draws_the_largest_total_indices() {
    // q0..q39 with total index growing with the number: q25..q39 are the 15 largest.
    let rows = (0..40)
        .map(|i| {
            let t = i as f64 / 100.0;
            SobolRow {
                parameter: format!("q{i}"),
                first: Interval::new(t / 2.0, 0.0, t),
                total: Interval::new(t, t / 2.0, t + 0.01),
            }
        })
        .collect();
    let fig = sobol(
        &Sobol {
            output: "y".into(),
            rows,
        },
        Width::Single,
    )
    .unwrap();
    let svg = svg_of(&fig);
    svg.text_el("Sobol index of y (15 largest S_T of 40)");
    let texts = svg.texts();
    for i in 0..40 {
        let shown = texts.iter().any(|t| t == &format!("q{i}"));
        assert_eq!(shown, i >= 25, "q{i}");
    }
}

#[test]
fn indices_over_time_keep_zero_to_one_in_view() {
    let p = TimeSeriesPanel {
        title: Some("First-order index S₁".into()),
        x: AxisLabel::new("Time", "year"),
        y: AxisLabel::new("First-order index S₁", ""),
        lines: vec![
            Series::new("a", vec![(0.0, 0.1), (1.0, 0.2), (2.0, 0.3)]),
            Series::new("b", vec![(0.0, 0.4), (1.0, 0.3), (2.0, 0.2)]),
        ],
        ..Default::default()
    };
    let fig = indices_over_time(
        &[
            p.clone(),
            TimeSeriesPanel {
                title: Some("Total index S_T".into()),
                ..p
            },
        ],
        Width::Single,
    )
    .unwrap();
    let svg = svg_of(&fig);
    assert_eq!(svg.groups("series line").len(), 4);
    assert_eq!(svg.legend_labels(), vec!["a", "b"]);
    let m = Map::of(svg.groups("panel")[0]);
    assert!(m.y0 <= 0.0 && m.y1 >= 1.0, "{m:?}");
    let a = &svg.series_in_panel(0, "a");
    assert_close(a[1], m.xy((1.0, 0.2)), "index point");
    check_png(&fig.png().unwrap(), &svg);
}

trait PanelSeries {
    fn series_in_panel(&self, panel: usize, label: &str) -> Vec<(f64, f64)>;
}

impl PanelSeries for El {
    fn series_in_panel(&self, panel: usize, label: &str) -> Vec<(f64, f64)> {
        let p = self.groups("panel")[panel];
        let g = p.find_all(&|e| e.attr("class") == "series line" && e.attr("data-label") == label);
        g[0].polylines()[0].clone()
    }
}

#[test]
fn profile_threshold_interval_and_estimate() {
    let pts: Vec<(f64, f64)> = (0..=20)
        .map(|i| {
            let v = i as f64 / 10.0;
            (v, 4.0 * (v - 1.0).powi(2))
        })
        .collect();
    let p = Profile {
        parameter: AxisLabel::new("Money growth", "1/year"),
        points: pts,
        estimate: Some(1.0),
        interval: Some((0.02, 1.98)),
        threshold: 3.841459,
    };
    let fig = profile_likelihood(&[p], Width::Single).unwrap();
    let svg = svg_of(&fig);
    svg.text_el("Money growth (1/year)");
    svg.text_el("−2 Δ log-likelihood");
    assert!(svg
        .legend_labels()
        .contains(&"χ²₁ threshold (95%)".to_string()));
    let m = Map::of(svg.groups("panel")[0]);
    let thr = &svg.find_all(&|e| e.attr("data-y") == "3.841459")[0].polylines()[0];
    assert_close(thr[0], (m.left, m.y(3.841459)), "threshold line");
    let span = svg.groups("span")[0].rects()[0];
    assert_close((span.0, span.2), (m.x(0.02), m.x(1.98)), "interval span");
    let est = svg.series("series points", "estimate").marker_centres();
    assert_close(est[0], m.xy((1.0, 0.0)), "estimate");
    check_png(&fig.png().unwrap(), &svg);
}

#[test]
fn posterior_histograms_are_densities() {
    let draws: Vec<f64> = (0..1000).map(|i| (i as f64 / 999.0 - 0.5) * 4.0).collect();
    let fig = posterior_marginals(
        &[Marginal {
            parameter: AxisLabel::new("Pass-through", "%"),
            draws,
            interval: Some((-1.0, 1.0)),
            estimate: Some(0.0),
        }],
        Width::Single,
    )
    .unwrap();
    let svg = svg_of(&fig);
    svg.text_el("Pass-through (%)");
    svg.text_el("Density (1/%)");
    let m = Map::of(svg.groups("panel")[0]);
    let bars = svg.series("series bars", "posterior").rects();
    // Total area in data units is 1: px area / (px per x unit · px per y unit).
    let sx = (m.right - m.left) / (m.x1 - m.x0);
    let sy = (m.bottom - m.top) / (m.y1 - m.y0);
    let area: f64 = bars
        .iter()
        .map(|r| (r.2 - r.0) * (r.3 - r.1) / (sx * sy))
        .sum();
    assert!((area - 1.0).abs() < 0.01, "area {area}");
    // Uniform draws on [−2, 2]: every bar near density 0.25 (bins 8..40 of a uniform grid).
    for r in &bars {
        let d = (r.3 - r.1) / sy;
        assert!((d - 0.25).abs() < 0.03, "density {d}");
    }
    assert_eq!(
        svg.legend_labels(),
        vec!["posterior draws", "credible interval", "estimate"]
    );
    check_png(&fig.png().unwrap(), &svg);
    check_pdf(&fig.pdf().unwrap());
}

#[test]
fn pairs_grid_scatter_positions_and_correlations() {
    let a: Vec<f64> = (0..50).map(|i| i as f64).collect();
    let b: Vec<f64> = a.iter().map(|x| 2.0 * x + 1.0).collect();
    let c: Vec<f64> = a.iter().map(|x| -x).collect();
    let fig = pairs(
        &Pairs {
            parameters: vec![
                AxisLabel::new("a", "year"),
                AxisLabel::new("b", ""),
                AxisLabel::new("c", ""),
            ],
            draws: vec![a, b, c],
        },
        Width::Double,
    )
    .unwrap();
    let svg = svg_of(&fig);
    let panels = svg.groups("panel");
    assert_eq!(panels.len(), 9);
    assert_eq!(svg.groups("series points").len(), 3);
    assert_eq!(svg.groups("series bars").len(), 3);
    let texts = svg.texts();
    assert_eq!(texts.iter().filter(|t| *t == "r = 1.00").count(), 1);
    assert_eq!(texts.iter().filter(|t| *t == "r = −1.00").count(), 2);
    svg.text_el("a (year)");
    // Panel (row 1, column 0): b against a.
    let m = Map::of(panels[3]);
    let pts = panels[3].find_all(&|e| e.attr("class") == "series points")[0].marker_centres();
    assert_eq!(pts.len(), 50);
    assert_close(pts[10], m.xy((10.0, 21.0)), "scatter point");
    check_png(&fig.png().unwrap(), &svg);
}

#[test]
fn event_study_points_intervals_and_reference_lines() {
    let pts = |shift: f64| {
        [-3, -2, 0, 1, 2]
            .iter()
            .map(|&k| PointEstimate {
                at: k as f64,
                estimate: k as f64 * 0.5 + shift,
                low: k as f64 * 0.5 + shift - 1.0,
                high: k as f64 * 0.5 + shift + 1.0,
            })
            .collect()
    };
    let e = EventStudy {
        x: AxisLabel::new("Years since sanctions", "year"),
        y: AxisLabel::new("GDP growth", "percentage points"),
        series: vec![
            CoefSeries {
                label: "TWFE".into(),
                points: pts(0.0),
            },
            CoefSeries {
                label: "Sun–Abraham".into(),
                points: pts(0.3),
            },
        ],
        reference_period: Some(-1.0),
    };
    let fig = event_study(&e, Width::Single).unwrap();
    let svg = svg_of(&fig);
    svg.text_el("Years since sanctions (year)");
    svg.text_el("GDP growth (percentage points)");
    assert_eq!(svg.legend_labels(), vec!["TWFE", "Sun–Abraham"]);
    let m = Map::of(svg.groups("panel")[0]);
    check_axes(svg.groups("panel")[0], &m);
    // Two series dodged by ±0.09 around each event time.
    let twfe = svg.series("series points", "TWFE").marker_centres();
    assert_close(twfe[2], m.xy((-0.09, 0.0)), "TWFE at 0");
    let sa = svg.series("series points", "Sun–Abraham").marker_centres();
    assert_close(sa[3], m.xy((1.09, 0.8)), "SA at 1");
    let bars = svg.series("series errorbars", "TWFE").polylines();
    assert_close(bars[0][0], m.xy((-3.09, -2.5)), "interval low");
    assert_close(bars[0][1], m.xy((-3.09, -0.5)), "interval high");
    let zero = &svg.find_all(&|e| e.attr("data-y") == "0")[0].polylines()[0];
    assert_close(zero[0], (m.left, m.y(0.0)), "zero line");
    let minus_one = &svg.find_all(&|e| e.attr("data-x") == "-1")[0].polylines()[0];
    assert_close(minus_one[0], (m.x(-1.0), m.top), "t = −1 line");
    // Ticks at whole event times only.
    for t in
        svg.groups("axis x")[0].find_all(&|e| e.name == "text" && e.attr("text-anchor") == "middle")
    {
        if let Ok(v) = t.text.replace('−', "-").parse::<f64>() {
            assert_eq!(v.fract(), 0.0);
        }
    }
    check_png(&fig.png().unwrap(), &svg);
}

#[test]
fn kaplan_meier_steps_and_censoring_ticks() {
    let km = KaplanMeier {
        time: AxisLabel::new("Time in office", "year"),
        groups: vec![
            KmCurve {
                label: "sanctioned".into(),
                steps: vec![(2.0, 0.8), (5.0, 0.5)],
                censored: vec![3.0, 6.0],
                band: vec![],
            },
            KmCurve {
                label: "other".into(),
                steps: vec![(4.0, 0.9)],
                censored: vec![],
                band: vec![(4.0, 0.8, 1.0)],
            },
        ],
    };
    let fig = kaplan_meier(&km, Width::Single).unwrap();
    let svg = svg_of(&fig);
    svg.text_el("Time in office (year)");
    svg.text_el("Survival probability");
    assert_eq!(svg.legend_labels(), vec!["sanctioned", "other"]);
    assert_eq!(svg.groups("series line").len(), 2);
    let m = Map::of(svg.groups("panel")[0]);
    let steps = &svg.series("series line", "sanctioned").polylines()[0];
    let want = [
        (0.0, 1.0),
        (2.0, 1.0),
        (2.0, 0.8),
        (5.0, 0.8),
        (5.0, 0.5),
        (6.0, 0.5),
    ];
    assert_eq!(steps.len(), want.len());
    for (g, w) in steps.iter().zip(want) {
        assert_close(*g, m.xy(w), "step corner");
    }
    let ticks = svg
        .series("series points", "sanctioned censored")
        .marker_centres();
    assert_close(ticks[0], m.xy((3.0, 0.8)), "censoring at 3");
    assert_close(ticks[1], m.xy((6.0, 0.5)), "censoring at 6");
    assert_eq!(svg.groups("series band").len(), 1);
    check_png(&fig.png().unwrap(), &svg);
}

#[test]
fn coefficient_plot_rows_intervals_and_zero_line() {
    let c = CoefficientPlot {
        x: AxisLabel::new("Effect on inflation", "percentage points"),
        rows: vec![
            Coefficient {
                term: "sanctions".into(),
                estimate: 2.0,
                low: 1.0,
                high: 3.0,
            },
            Coefficient {
                term: "oil price".into(),
                estimate: -1.0,
                low: -2.5,
                high: 0.5,
            },
            Coefficient {
                term: "aid".into(),
                estimate: 0.5,
                low: 0.0,
                high: 1.0,
            },
        ],
        sort: true,
    };
    let fig = coefficient_plot(&c, Width::Single).unwrap();
    let svg = svg_of(&fig);
    svg.text_el("Effect on inflation (percentage points)");
    let m = Map::of(svg.groups("panel")[0]).categories();
    // Sorted: sanctions (2.0), aid (0.5), oil price (−1.0) from the top.
    let ys: Vec<f64> = ["sanctions", "aid", "oil price"]
        .iter()
        .map(|t| svg.text_el(t).num("y"))
        .collect();
    assert!(ys[0] < ys[1] && ys[1] < ys[2]);
    let pts = svg.series("series points", "estimate").marker_centres();
    assert_close(pts[0], m.xy((2.0, 0.0)), "sanctions");
    assert_close(pts[2], m.xy((-1.0, 2.0)), "oil price");
    let ci = svg
        .series("series errorbars", "confidence interval")
        .polylines();
    assert_close(ci[1][0], m.xy((0.0, 1.0)), "aid low");
    assert_close(ci[1][1], m.xy((1.0, 1.0)), "aid high");
    let zero = &svg.find_all(&|e| e.attr("data-x") == "0")[0].polylines()[0];
    assert_close(zero[0], (m.x(0.0), m.top), "zero line");
    assert!(svg.legend_labels().is_empty());
    check_png(&fig.png().unwrap(), &svg);
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let e = tornado(
        &Tornado {
            output: AxisLabel::default(),
            base: 0.0,
            rows: vec![],
        },
        Width::Single,
    );
    assert!(e.unwrap_err().to_string().contains("no tornado rows"));
    let c = CoefficientPlot {
        x: AxisLabel::new("x", ""),
        rows: vec![Coefficient {
            term: "t".into(),
            estimate: 5.0,
            low: 1.0,
            high: 2.0,
        }],
        sort: false,
    };
    assert!(coefficient_plot(&c, Width::Single)
        .unwrap_err()
        .to_string()
        .contains("does not contain the estimate"));
    let mut p = ts_panel();
    p.lines[0].points[1].1 = f64::NAN;
    // A NaN in a line is a gap, not an error: the line splits in two.
    let svg = parse(&time_series(&p, Width::Single).unwrap().svg());
    assert_eq!(
        svg.series("series line", "model").polylines().len(),
        0,
        "both runs have one point"
    );
    let km = KaplanMeier {
        time: AxisLabel::new("t", ""),
        groups: vec![KmCurve {
            label: "g".into(),
            steps: vec![(1.0, 1.5)],
            ..Default::default()
        }],
    };
    assert!(kaplan_meier(&km, Width::Single)
        .unwrap_err()
        .to_string()
        .contains("outside [0, 1]"));
}
