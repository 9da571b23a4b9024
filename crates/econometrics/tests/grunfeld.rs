//! Grunfeld OLS (classical, HC0–HC3), two-way (firm + year) and one-way fixed effects with
//! firm-clustered standard errors under each named small-sample correction, against the
//! statsmodels 0.15 / linearmodels 7.1 values of `reference/econometrics/` (12 significant
//! digits; transcribed below), to 1e-8 relative.

#![allow(clippy::needless_range_loop)]

mod common;
#[path = "common/grunfeld.rs"]
mod grunfeld_data;

use pressure_econometrics::{
    ols, within, ClusterCorrection, Design, Factor, HcKind, OlsOptions, VcovSpec, WithinOptions,
};

const TOL: f64 = 1e-8;

struct Data {
    firm: Factor,
    year: Factor,
    invest: Vec<f64>,
    value: Vec<f64>,
    capital: Vec<f64>,
}

fn data() -> Data {
    let rows = &grunfeld_data::ROWS;
    let firm: Vec<usize> = rows.iter().map(|r| r.0).collect();
    let year: Vec<i32> = rows.iter().map(|r| r.1).collect();
    Data {
        firm: Factor::from_values("firm", &firm),
        year: Factor::from_values("year", &year),
        invest: rows.iter().map(|r| r.2).collect(),
        value: rows.iter().map(|r| r.3).collect(),
        capital: rows.iter().map(|r| r.4).collect(),
    }
}

/// Which model and variance a reference row is about.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Model {
    Pooled,
    TwoWay,
    OneWay,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cov {
    Classical,
    Hc(HcKind),
    Cluster(ClusterCorrection),
}

/// (term, estimate, SE) for a model and variance.
fn estimate(d: &Data, model: Model, cov: Cov) -> Vec<(String, f64, f64)> {
    let vcov = match cov {
        Cov::Classical => VcovSpec::Classical,
        Cov::Hc(k) => VcovSpec::Hetero(k),
        Cov::Cluster(c) => VcovSpec::cluster_with(d.firm.clone(), c),
    };
    let design = Design::from_columns(&["value", "capital"], &[&d.value, &d.capital]).unwrap();
    let table = match model {
        Model::Pooled => {
            ols(
                &d.invest,
                &design.with_intercept(),
                &OlsOptions::with_vcov(vcov),
            )
            .unwrap()
            .coefficients
        }
        Model::TwoWay | Model::OneWay => {
            let fes = if model == Model::TwoWay {
                vec![d.firm.clone(), d.year.clone()]
            } else {
                vec![d.firm.clone()]
            };
            let fit = within(&d.invest, &design, &fes, &WithinOptions::with_vcov(vcov)).unwrap();
            assert_eq!(fit.n_obs, 220);
            assert_eq!(fit.singletons_dropped, 0);
            fit.coefficients
        }
    };
    (0..table.len())
        .map(|i| {
            (
                table.terms[i].clone(),
                table.estimate[i],
                table.std_error[i],
            )
        })
        .collect()
}

fn check(d: &Data, model: Model, cov: Cov, term: &str, est: f64, se: f64) {
    let got = estimate(d, model, cov);
    let (_, e, s) = got
        .iter()
        .find(|(t, _, _)| t == term)
        .unwrap_or_else(|| panic!("{model:?} has no term {term}"));
    let (re, rs) = (common::rel(*e, est), common::rel(*s, se));
    assert!(
        re < TOL && rs < TOL,
        "{model:?} {cov:?} {term}: estimate {e} vs {est} (rel {re:.1e}), SE {s} vs {se} (rel {rs:.1e})"
    );
}

/// Transcribed from reference_estimates.csv (statsmodels 0.15.0, linearmodels 7.1).
const TRANSCRIBED: &[(Model, Cov, &str, f64, f64)] = &[
    (
        Model::Pooled,
        Cov::Classical,
        "const",
        -38.4100539864,
        8.41337092094,
    ),
    (
        Model::Pooled,
        Cov::Classical,
        "value",
        0.114534363011,
        0.00551883241517,
    ),
    (
        Model::Pooled,
        Cov::Classical,
        "capital",
        0.22751412555,
        0.024228250739,
    ),
    (
        Model::Pooled,
        Cov::Hc(HcKind::Hc0),
        "const",
        -38.4100539864,
        10.3560342391,
    ),
    (
        Model::Pooled,
        Cov::Hc(HcKind::Hc0),
        "value",
        0.114534363011,
        0.00673170300116,
    ),
    (
        Model::Pooled,
        Cov::Hc(HcKind::Hc0),
        "capital",
        0.22751412555,
        0.0485623521818,
    ),
    (
        Model::Pooled,
        Cov::Hc(HcKind::Hc1),
        "const",
        -38.4100539864,
        10.4273740095,
    ),
    (
        Model::Pooled,
        Cov::Hc(HcKind::Hc1),
        "value",
        0.114534363011,
        0.00677807578593,
    ),
    (
        Model::Pooled,
        Cov::Hc(HcKind::Hc1),
        "capital",
        0.22751412555,
        0.0488968843954,
    ),
    (
        Model::Pooled,
        Cov::Hc(HcKind::Hc2),
        "const",
        -38.4100539864,
        11.3979089838,
    ),
    (
        Model::Pooled,
        Cov::Hc(HcKind::Hc2),
        "value",
        0.114534363011,
        0.00691607472547,
    ),
    (
        Model::Pooled,
        Cov::Hc(HcKind::Hc2),
        "capital",
        0.22751412555,
        0.0531008196995,
    ),
    (
        Model::Pooled,
        Cov::Hc(HcKind::Hc3),
        "const",
        -38.4100539864,
        12.5800943937,
    ),
    (
        Model::Pooled,
        Cov::Hc(HcKind::Hc3),
        "value",
        0.114534363011,
        0.00711115725569,
    ),
    (
        Model::Pooled,
        Cov::Hc(HcKind::Hc3),
        "capital",
        0.22751412555,
        0.0582754256943,
    ),
    (
        Model::TwoWay,
        Cov::Classical,
        "value",
        0.116681132097,
        0.0129330337512,
    ),
    (
        Model::TwoWay,
        Cov::Classical,
        "capital",
        0.351435694157,
        0.0210486041438,
    ),
    (
        Model::TwoWay,
        Cov::Cluster(ClusterCorrection::Cr0),
        "value",
        0.116681132097,
        0.0104036315142,
    ),
    (
        Model::TwoWay,
        Cov::Cluster(ClusterCorrection::Cr0),
        "capital",
        0.351435694157,
        0.0434112355076,
    ),
    (
        Model::TwoWay,
        Cov::Cluster(ClusterCorrection::GroupOnly),
        "value",
        0.116681132097,
        0.0109114207852,
    ),
    (
        Model::TwoWay,
        Cov::Cluster(ClusterCorrection::GroupOnly),
        "capital",
        0.351435694157,
        0.0455300879103,
    ),
    (
        Model::TwoWay,
        Cov::Cluster(ClusterCorrection::Cr1Slopes),
        "value",
        0.116681132097,
        0.0109364183456,
    ),
    (
        Model::TwoWay,
        Cov::Cluster(ClusterCorrection::Cr1Slopes),
        "capital",
        0.351435694157,
        0.0456343952358,
    ),
    (
        Model::TwoWay,
        Cov::Cluster(ClusterCorrection::Cr1Lsdv),
        "value",
        0.116681132097,
        0.0117767223699,
    ),
    (
        Model::TwoWay,
        Cov::Cluster(ClusterCorrection::Cr1Lsdv),
        "capital",
        0.351435694157,
        0.0491407320228,
    ),
    (
        Model::TwoWay,
        Cov::Cluster(ClusterCorrection::LinearmodelsDefault),
        "value",
        0.116681132097,
        0.0112542712248,
    ),
    (
        Model::TwoWay,
        Cov::Cluster(ClusterCorrection::LinearmodelsDefault),
        "capital",
        0.351435694157,
        0.0469607000147,
    ),
    (
        Model::OneWay,
        Cov::Classical,
        "value",
        0.110129119026,
        0.0112998432896,
    ),
    (
        Model::OneWay,
        Cov::Classical,
        "capital",
        0.310033441875,
        0.0165404765195,
    ),
    (
        Model::OneWay,
        Cov::Cluster(ClusterCorrection::LinearmodelsDefault),
        "value",
        0.110129119026,
        0.0144048656389,
    ),
    (
        Model::OneWay,
        Cov::Cluster(ClusterCorrection::LinearmodelsDefault),
        "capital",
        0.310033441875,
        0.0500294266103,
    ),
    (
        Model::OneWay,
        Cov::Cluster(ClusterCorrection::Cr1Lsdv),
        "value",
        0.110129119026,
        0.0154688969186,
    ),
    (
        Model::OneWay,
        Cov::Cluster(ClusterCorrection::Cr1Lsdv),
        "capital",
        0.310033441875,
        0.0537249053573,
    ),
];

#[test]
fn transcribed_grunfeld_references() {
    let d = data();
    for &(model, cov, term, est, se) in TRANSCRIBED {
        check(&d, model, cov, term, est, se);
    }
}

#[test]
fn nested_correction_counts_only_fixed_effects_not_nested_in_clusters() {
    // Firm effects are nested in firm clusters, year effects are not: K = 2 slopes + (30 − 11)
    // year parameters, so SE(nested)/SE(CR0) = √(G/(G−1)·(N−1)/(N−21)).
    let d = data();
    let cr0 = estimate(&d, Model::TwoWay, Cov::Cluster(ClusterCorrection::Cr0));
    let nested = estimate(
        &d,
        Model::TwoWay,
        Cov::Cluster(ClusterCorrection::Cr1Nested),
    );
    let factor = (11.0 / 10.0 * 219.0 / 199.0f64).sqrt();
    for (a, b) in cr0.iter().zip(&nested) {
        assert!(common::rel(b.2, a.2 * factor) < 1e-12);
    }
    // One-way firm effects, all nested: K = slopes, the "CR1, K = slopes" factor.
    let cr0 = estimate(&d, Model::OneWay, Cov::Cluster(ClusterCorrection::Cr0));
    let nested = estimate(
        &d,
        Model::OneWay,
        Cov::Cluster(ClusterCorrection::Cr1Nested),
    );
    let factor = (11.0 / 10.0 * 219.0 / 218.0f64).sqrt();
    for (a, b) in cr0.iter().zip(&nested) {
        assert!(common::rel(b.2, a.2 * factor) < 1e-12);
    }
}

#[test]
fn two_way_fixed_effects_equal_dummy_regression() {
    // The within estimator equals OLS with firm and year dummies (LSDV), including the
    // classical SEs; a check independent of the reference file.
    let d = data();
    let mut names = vec!["value".to_string(), "capital".to_string()];
    let mut cols: Vec<Vec<f64>> = vec![d.value.clone(), d.capital.clone()];
    for g in 1..d.firm.n_levels as u32 {
        names.push(format!("firm{g}"));
        cols.push(
            d.firm
                .codes
                .iter()
                .map(|&c| (c == g) as u8 as f64)
                .collect(),
        );
    }
    for g in 1..d.year.n_levels as u32 {
        names.push(format!("year{g}"));
        cols.push(
            d.year
                .codes
                .iter()
                .map(|&c| (c == g) as u8 as f64)
                .collect(),
        );
    }
    let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
    let lsdv = Design::from_columns(&names, &refs)
        .unwrap()
        .with_intercept();
    let fit = ols(&d.invest, &lsdv, &OlsOptions::default()).unwrap();
    assert_eq!(fit.coefficients.len(), 32);
    let fe = estimate(&d, Model::TwoWay, Cov::Classical);
    for (term, est, se) in fe {
        let row = fit.coefficients.get(&term).unwrap();
        assert!(common::rel(row.estimate, est) < 1e-10);
        assert!(common::rel(row.std_error, se) < 1e-10);
    }
}

/// Maps a reference row's model and covariance description to ours.
fn classify(model: &str, cov: &str) -> Option<(Model, Cov)> {
    let m = if model.starts_with("G1") {
        Model::Pooled
    } else if model.starts_with("G2") {
        Model::TwoWay
    } else if model.starts_with("G3") {
        Model::OneWay
    } else {
        return None;
    };
    let c = if cov == "nonrobust" || cov == "unadjusted" {
        Cov::Classical
    } else if cov.starts_with("HC") {
        Cov::Hc(match &cov[..3] {
            "HC0" => HcKind::Hc0,
            "HC1" => HcKind::Hc1,
            "HC2" => HcKind::Hc2,
            _ => HcKind::Hc3,
        })
    } else if cov.contains("(=HC1)") {
        Cov::Hc(HcKind::Hc1)
    } else if cov.contains("CR0") {
        Cov::Cluster(ClusterCorrection::Cr0)
    } else if cov.contains("G/(G-1) only") {
        Cov::Cluster(ClusterCorrection::GroupOnly)
    } else if cov.contains("K=slopes") {
        Cov::Cluster(ClusterCorrection::Cr1Slopes)
    } else if cov.contains("K_lsdv") || cov.contains("group_debias") {
        Cov::Cluster(ClusterCorrection::Cr1Lsdv)
    } else if cov.contains("default") || cov.contains("linearmodels N/(N-K-n_effects)") {
        Cov::Cluster(ClusterCorrection::LinearmodelsDefault)
    } else {
        return None;
    };
    Some((m, c))
}

#[test]
fn every_grunfeld_row_of_the_shared_reference() {
    let Some(shared) = common::shared_dir("Grunfeld reference_estimates.csv") else {
        return;
    };
    use pressure_data::{ReadOptions, Table};
    let dir = shared.join("reference/econometrics");
    // The transcribed data equal the shared file.
    let g = Table::read_path(dir.join("grunfeld.csv"), &ReadOptions::new()).unwrap();
    let invest = g.to_f64("invest").unwrap();
    let capital = g.to_f64("capital").unwrap();
    assert_eq!(invest.len(), 220);
    for (i, r) in grunfeld_data::ROWS.iter().enumerate() {
        assert_eq!(invest[i], r.2);
        assert_eq!(capital[i], r.4);
    }
    let refs = Table::read_path(dir.join("reference_estimates.csv"), &ReadOptions::new()).unwrap();
    let d = data();
    let mut checked = 0;
    for i in 0..refs.n_rows() {
        if refs.column("dataset").unwrap().display(i) != "grunfeld" {
            continue;
        }
        let model = refs.column("model").unwrap().display(i);
        let cov = refs.column("cov_type").unwrap().display(i);
        let (m, c) = classify(&model, &cov)
            .unwrap_or_else(|| panic!("unclassified reference row: {model} / {cov}"));
        let term = refs.column("term").unwrap().display(i);
        let est = refs.to_f64("estimate").unwrap()[i];
        let se = refs.to_f64("std_error").unwrap()[i];
        check(&d, m, c, &term, est, se);
        checked += 1;
    }
    println!("checked {checked} Grunfeld reference rows to {TOL:e} relative");
    assert_eq!(checked, 44);
}

#[test]
fn two_way_clustering_and_newey_west_match_statsmodels() {
    // Values computed with statsmodels 0.15.0 on the same data (transcribed):
    // OLS(...).fit(cov_type="cluster", cov_kwds={"groups": [firm, year]}) uses CR1 in each
    // Cameron–Gelbach–Miller term with that term's own number of clusters;
    // HAC on General Motors alone with maxlags=2, without and with use_correction.
    use pressure_econometrics::MultiwayDf;
    let d = data();
    let design = Design::from_columns(&["value", "capital"], &[&d.value, &d.capital])
        .unwrap()
        .with_intercept();
    let vcov = VcovSpec::Cluster {
        clusters: vec![d.firm.clone(), d.year.clone()],
        correction: ClusterCorrection::Cr1Lsdv,
        multiway: MultiwayDf::Each,
        psd_fix: true,
    };
    let fit = ols(&d.invest, &design, &OlsOptions::with_vcov(vcov)).unwrap();
    assert!(!fit.vcov_psd_fixed);
    assert_eq!(fit.clusters, vec![("firm".into(), 11), ("year".into(), 20)]);
    for (se, expect) in
        fit.coefficients
            .std_error
            .iter()
            .zip([17.4239918429, 0.0166764707346, 0.0800812066693])
    {
        assert!(common::rel(*se, expect) < 1e-9, "{se} vs {expect}");
    }

    let gm: Vec<usize> = (0..220).filter(|&i| d.firm.codes[i] == 0).collect();
    let pick = |v: &[f64]| gm.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let (value, capital, invest) = (pick(&d.value), pick(&d.capital), pick(&d.invest));
    let design = Design::from_columns(&["value", "capital"], &[&value, &capital])
        .unwrap()
        .with_intercept();
    for (df_correction, expect) in [
        (false, [108.890054154, 0.0279450963131, 0.0480790087947]),
        (true, [118.107846497, 0.0303107126849, 0.0521490069465]),
    ] {
        let vcov = VcovSpec::NeweyWest {
            lags: 2,
            df_correction,
        };
        let fit = ols(&invest, &design, &OlsOptions::with_vcov(vcov)).unwrap();
        assert!(common::rel(fit.coefficients.estimate[0], -149.782453322) < 1e-9);
        for (se, e) in fit.coefficients.std_error.iter().zip(expect) {
            assert!(common::rel(*se, e) < 1e-9, "{se} vs {e}");
        }
    }
}
