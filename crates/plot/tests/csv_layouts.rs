//! The CSV layouts of `pressure plot`: values read from each layout land where they should
//! (checked through the SVG), aliases and derived columns work, and errors name the file, row
//! and column.

mod common;
use common::*;
use pressure_plot::*;
use std::path::Path;

fn draw(kind: &str, csv: &str) -> El {
    let kind: FigureKind = kind.parse().unwrap();
    let fig = figure_from_csv_bytes(
        kind,
        Path::new("in.csv"),
        csv.as_bytes(),
        &CsvOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    parse(&fig.svg())
}

fn error(kind: &str, csv: &str) -> String {
    let kind: FigureKind = kind.parse().unwrap();
    figure_from_csv_bytes(
        kind,
        Path::new("in.csv"),
        csv.as_bytes(),
        &CsvOptions::default(),
    )
    .expect_err("an error")
    .to_string()
}

#[test]
fn every_kind_name_round_trips_and_unknown_lists_all() {
    for (k, n) in FigureKind::ALL.iter().zip(FigureKind::NAMES) {
        assert_eq!(n.parse::<FigureKind>().unwrap(), *k);
        assert_eq!(k.to_string(), n);
    }
    let e = "heatmap".parse::<FigureKind>().unwrap_err().to_string();
    assert!(
        e.starts_with("unknown figure kind `heatmap`; the kinds are: timeseries, fit-grid,"),
        "{e}"
    );
    assert!(e.ends_with("kaplan-meier, coef"), "{e}");
}

#[test]
fn fit_csv_model_observed_and_band_with_gaps() {
    let svg = draw(
        "timeseries",
        "# fit of one observable\n\
         time,model,observed,lower,upper,unit\n\
         0,1,,0.5,1.5,%\n\
         1,2,2.2,1.5,2.5,%\n\
         2,3,NA,2.5,3.5,%\n",
    );
    let m = Map::of(svg.groups("panel")[0]);
    let obs = svg.series("series points", "observed").marker_centres();
    assert_eq!(obs.len(), 1, "empty and NA observed cells are gaps");
    assert_close(obs[0], m.xy((1.0, 2.2)), "observed");
    let band = svg.series("series band", "interval");
    let poly = band.find_all(&|e| e.name == "polygon")[0];
    let pts = points(poly.attr("points"));
    // Upper edge left to right, then lower edge right to left.
    assert_close(pts[0], m.xy((0.0, 1.5)), "band upper start");
    assert_close(pts[5], m.xy((0.0, 0.5)), "band lower start");
    svg.text_el("Value (%)");
}

#[test]
fn fit_legend_names_come_from_label_columns() {
    let svg = draw(
        "fit-grid",
        "episode,series,date,model,observed,model_label,observed_label\n\
         a,gdp,2012,-1,-6,model median,synthetic control\n\
         a,gdp,2013,-2,,model median,synthetic control\n\
         b,gdp,2012,-3,,model median,synthetic control\n",
    );
    let obs = svg
        .series("series points", "synthetic control")
        .marker_centres();
    assert_eq!(obs.len(), 1);
    svg.text_el("model median");
    svg.text_el("synthetic control");
    assert!(!svg.texts().iter().any(|t| t == "observed"));
}

#[test]
fn event_study_from_standard_errors() {
    let svg = draw("event-study", "rel_time,coef,se\n-2,0.0,0.5\n0,1.0,0.25\n");
    let m = Map::of(svg.groups("panel")[0]);
    let bars = svg.series("series errorbars", "estimate").polylines();
    let half = 1.959963984540054 * 0.25;
    assert_close(bars[1][0], m.xy((0.0, 1.0 - half)), "lower = est − 1.96 se");
    assert_close(bars[1][1], m.xy((0.0, 1.0 + half)), "upper = est + 1.96 se");
    let e = error("event-study", "event_time,estimate\n0,1\n");
    assert!(
        e.contains("in.csv, row 2: no interval: fill lower and upper, or std_error"),
        "{e}"
    );
}

#[test]
fn profile_from_negative_log_likelihood() {
    let svg = draw(
        "profile",
        "parameter,value,nll\nk,1,12\nk,2,10\nk,3,11.5\nr,0.1,5\nr,0.2,4\n",
    );
    let panels = svg.groups("panel");
    assert_eq!(panels.len(), 2);
    let m = Map::of(panels[0]);
    let line = panels[0].find_all(&|e| e.attr("class") == "series line")[0].polylines()[0].clone();
    // Deviance = 2 (nll − min nll): 4, 0, 3.
    for (g, w) in line.iter().zip([(1.0, 4.0), (2.0, 0.0), (3.0, 3.0)]) {
        assert_close(*g, m.xy(w), "deviance");
    }
}

#[test]
fn sobol_confidence_half_widths_and_explicit_bounds() {
    let svg = draw(
        "sobol",
        "names,S1,S1_conf,ST,ST_low,ST_high\na,0.3,0.1,0.5,0.45,0.58\n",
    );
    let m = Map::of(svg.groups("panel")[0]).categories();
    let s1 = svg
        .series("series errorbars", "first order S₁ interval")
        .polylines();
    assert_close(s1[0][0], (m.x(0.2), m.y(-0.19)), "S1 − conf");
    assert_close(s1[0][1], (m.x(0.4), m.y(-0.19)), "S1 + conf");
    let st = svg
        .series("series errorbars", "total S_T interval")
        .polylines();
    assert_close(st[0][1], (m.x(0.58), m.y(0.19)), "ST high");
}

#[test]
fn draws_skip_bookkeeping_columns_and_read_units_from_headers() {
    let svg = draw(
        "posterior",
        "chain,draw,lp__,growth [1/year],share,log_target\n0,0,-3,0.1,0.5,-3\n0,1,-2,0.2,0.6,-2\n0,2,-2.5,0.3,0.55,-2.5\n",
    );
    assert_eq!(
        svg.groups("panel").len(),
        2,
        "chain, draw and lp__ are not parameters"
    );
    svg.text_el("growth (1/year)");
    svg.text_el("Density (1/(1/year))");
    svg.text_el("share");
    let e = error("posterior", "chain,draw\n0,0\n");
    assert!(e.contains("no parameter column"), "{e}");
}

#[test]
fn draws_select_a_list_of_parameters() {
    let csv = "chain,a:mu,a:tau,a@x,b\n0,0.1,0.2,0.3,1\n0,0.2,0.1,0.4,2\n0,0.3,0.3,0.2,1.5\n";
    let opts = CsvOptions {
        select: Some("a:mu, b".into()),
        ..Default::default()
    };
    let fig = figure_from_csv_bytes(
        FigureKind::Pairs,
        Path::new("draws.csv"),
        csv.as_bytes(),
        &opts,
    )
    .unwrap();
    let svg = parse(&fig.svg());
    // Two parameters: a 2 x 2 grid.
    assert_eq!(svg.groups("panel").len(), 4);
    let e = figure_from_csv_bytes(
        FigureKind::Posterior,
        Path::new("draws.csv"),
        csv.as_bytes(),
        &CsvOptions {
            select: Some("c,d".into()),
            ..Default::default()
        },
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("no parameter column"), "{e}");
}

#[test]
fn kaplan_meier_rows_that_only_censor_add_ticks_not_steps() {
    let svg = draw(
        "kaplan-meier",
        "time,survival,censored\n1,0.9,0\n2,0.9,2\n3,0.6,0\n",
    );
    let m = Map::of(svg.groups("panel")[0]);
    let line = &svg.series("series line", "all").polylines()[0];
    let want = [
        (0.0, 1.0),
        (1.0, 1.0),
        (1.0, 0.9),
        (3.0, 0.9),
        (3.0, 0.6),
        (3.0, 0.6),
    ];
    assert_eq!(line.len(), want.len());
    for (g, w) in line.iter().zip(want) {
        assert_close(*g, m.xy(w), "KM corner");
    }
    let ticks = svg.series("series points", "all censored").marker_centres();
    assert_close(ticks[0], m.xy((2.0, 0.9)), "censoring tick");
}

#[test]
fn indices_long_layout_with_index_panels() {
    let svg = draw(
        "indices-time",
        "parameter,time,index,value\na,0,S1,0.1\na,1,S1,0.2\na,0,ST,0.3\na,1,ST,0.4\n",
    );
    let panels = svg.groups("panel");
    assert_eq!(panels.len(), 2);
    assert_eq!(panels[1].attr("data-title"), "ST");
    let m = Map::of(panels[1]);
    let line = panels[1].find_all(&|e| e.attr("class") == "series line")[0].polylines()[0].clone();
    assert_close(line[1], m.xy((1.0, 0.4)), "ST of a at 1");
}

#[test]
fn tornado_needs_one_base_and_one_output() {
    let e = error("tornado", "parameter,low,high,base\na,1,2,1.5\nb,1,3,1.6\n");
    assert!(
        e.contains("in.csv, row 3, column `base`: base 1.6 differs"),
        "{e}"
    );
    let e = error(
        "tornado",
        "parameter,low,high,base,output\na,1,2,1.5,x\nb,1,3,1.5,y\n",
    );
    assert!(
        e.contains("2 outputs (x, y): pick one with --select"),
        "{e}"
    );
}

#[test]
fn interval_bounds_out_of_order_are_reported_with_row() {
    let e = error("scenarios", "scenario,time,value,lower,upper\nb,0,1,2,0\n");
    assert!(
        e.contains("in.csv, row 2, column `lower`: lower bound 2 is above the upper bound 0"),
        "{e}"
    );
    let e = error("coef", "term,estimate,lower,upper\na,5,1,2\n");
    assert!(e.contains("does not contain the estimate 5"), "{e}");
}

#[test]
fn options_replace_titles_select_panels_and_add_a_note() {
    let opts = CsvOptions {
        x_label: Some("Year".into()),
        y_label: Some("Real GDP (index, 2010 = 100)".into()),
        select: Some("gdp".into()),
        note: Some("Data: World Bank WDI (CC BY 4.0)".into()),
        width: Width::Double,
    };
    let csv = "observable,time,model\ngdp,0,1\ngdp,1,2\ncpi,0,3\ncpi,1,4\n";
    let fig = figure_from_csv_bytes(
        FigureKind::FitGrid,
        Path::new("fit.csv"),
        csv.as_bytes(),
        &opts,
    )
    .unwrap();
    let svg = parse(&fig.svg());
    assert_eq!(svg.groups("panel").len(), 1);
    svg.text_el("Year");
    svg.text_el("Data: World Bank WDI (CC BY 4.0)");
    assert_eq!(fig.width_px(), 2070);
}

/// The headers the other commands write today (`pressure sensitivity`, `pressure estimate`).
#[test]
fn files_written_by_the_other_commands() {
    // OAT: `low`/`high` are the parameter's values; the outputs are output_at_*.
    let svg = draw(
        "tornado",
        "output,parameter,low,high,output_at_low,output_at_high,swing,output_at_base\n\
         infl,a,0.1,0.5,10,30,20,18\ninfl,b,1,2,17,19,2,18\n",
    );
    let m = Map::of(svg.groups("panel")[0]).categories();
    let low = svg.series("series bars", "parameter at low end").rects();
    assert_close(
        (low[0].0, low[0].2),
        (m.x(10.0), m.x(18.0)),
        "bar from output_at_low to base",
    );
    // Sobol and Morris with output and time columns.
    draw(
        "sobol",
        "output,time,parameter,S1,S1_conf,S1_low,S1_high,ST,ST_conf,ST_low,ST_high\n\
         infl,2014,a,0.3,0.05,0.25,0.35,0.4,0.05,0.35,0.45\n",
    );
    draw(
        "morris",
        "output,time,parameter,mu,mu_star,mu_star_conf,mu_star_low,mu_star_high,sigma\n\
         infl,,a,0.5,1.0,0.2,0.8,1.2,0.4\n",
    );
    // Event study and Kaplan–Meier from `pressure estimate`.
    let svg = draw(
        "event-study",
        "relative_time,estimate,std_error,ci_lower,ci_upper,p_value\n-2,0.1,0.2,-0.3,0.5,0.6\n0,1.0,0.2,0.6,1.4,0.01\n",
    );
    let m = Map::of(svg.groups("panel")[0]);
    let bars = svg.series("series errorbars", "estimate").polylines();
    assert_close(bars[1][0], m.xy((0.0, 0.6)), "ci_lower used");
    draw(
        "kaplan-meier",
        "group,time,n_risk,n_event,n_censored,survival,std_error,ci_lower,ci_upper\n\
         a,1,10,1,0,0.9,0.09,0.7,1.0\na,2,9,0,1,0.9,0.09,0.7,1.0\n",
    );
    // coefficients.csv holds every model: one is drawn.
    let csv = "model,term,estimate,std_error,statistic,p_value,ci_lower,ci_upper\n\
               ols,x,1,0.1,10,0,0.8,1.2\nfe,x,2,0.1,20,0,1.8,2.2\n";
    let e = error("coef", csv);
    assert!(
        e.contains("2 models (ols, fe): pick one with --select"),
        "{e}"
    );
    let fig = figure_from_csv_bytes(
        FigureKind::Coefficients,
        Path::new("coefficients.csv"),
        csv.as_bytes(),
        &CsvOptions {
            select: Some("fe".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let svg = parse(&fig.svg());
    let m = Map::of(svg.groups("panel")[0]).categories();
    let pts = svg.series("series points", "estimate").marker_centres();
    assert_close(pts[0], m.xy((2.0, 0.0)), "the fe estimate");
}

/// `fit.csv` as `pressure calibrate` writes it: calendar dates, one panel per series, and
/// one per (episode, series) when several episodes are in the file.
#[test]
fn calibration_fit_csv_with_dates_and_episodes() {
    let csv = "episode,series,variable,unit,date,observed,model,residual\n\
               iran,cpi,inflation,% per year,2011,20,18,2\n\
               iran,cpi,inflation,% per year,2012,30,28,2\n\
               iran,cpi,inflation,% per year,2013,35,36,-1\n";
    let svg = draw("timeseries", csv);
    svg.text_el("Year");
    svg.text_el("cpi (% per year)");
    let m = Map::of(svg.groups("panel")[0]);
    let obs = svg.series("series points", "observed").marker_centres();
    assert_close(obs[1], m.xy((2012.0, 30.0)), "observed 2012");
    let quarterly = "episode,series,variable,unit,date,observed,model,residual\n\
                     iran,fx,premium,ratio,2012-Q1,1.0,1.1,-0.1\n\
                     iran,fx,premium,ratio,2012-Q3,2.0,1.9,0.1\n\
                     venezuela,fx,premium,ratio,2014-Q1,3.0,2.9,0.1\n\
                     venezuela,fx,premium,ratio,2014-Q2,4.0,3.8,0.2\n";
    let svg = draw("fit-grid", quarterly);
    let panels = svg.groups("panel");
    assert_eq!(panels.len(), 2);
    assert_eq!(panels[0].attr("data-title"), "iran: fx");
    let m = Map::of(panels[0]);
    let line = panels[0].find_all(&|e| e.attr("class") == "series line")[0].polylines()[0].clone();
    assert_close(line[1], m.xy((2012.5, 1.9)), "2012-Q3 is 2012.5");
    let e = error("timeseries", "date,model\n2012-13,1\n");
    assert!(
        e.contains("in.csv, row 2, column `date`: expected a date"),
        "{e}"
    );
}
