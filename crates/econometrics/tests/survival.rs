//! Survival models on published examples and against lifelines / statsmodels.
//!
//! Data: the leukaemia remission times of Freireich et al. (1963, Blood 21:699), as analysed by
//! Gehan (1965, Biometrika 52:203) and in Kleinbaum & Klein, *Survival Analysis: A
//! Self-Learning Text* (3rd ed., 2012), ch. 1–4: 21 patients on 6-mercaptopurine (6-MP), 21 on
//! placebo, remission time in weeks (`+` = censored).
//! Published results used: the 6-MP Kaplan–Meier table (Kleinbaum & Klein, ch. 2; the same as
//! R `survfit`, with log-scale 95 % intervals), and the Cox coefficient of placebo vs 6-MP:
//! 1.572 (SE 0.412) with Efron ties, 1.509 (SE 0.410) with Breslow ties (Kleinbaum & Klein,
//! ch. 3–4; R `coxph`, Stata `stcox`). Their 12-digit values below were recomputed with
//! statsmodels 0.15.0 (`SurvfuncRight`, `PHReg`), lifelines 0.30 and R 4.2.2 with survival
//! 3.5-3 (`coxph`, `survreg`), and transcribed.
//!
//! Where the Python peers disagree with R, R is the reference: statsmodels' `PHReg(entry=...)`
//! puts a spell starting at `t` into the risk set at `t` (R and lifelines: `start < t ≤
//! stop`), and for Efron ties both statsmodels and lifelines compute cluster-robust SEs from
//! residuals that are not R's Efron score residuals (they differ from R by 2–4 %).

#![allow(clippy::needless_range_loop)]

mod common;

use pressure_econometrics::survival::{
    cox, kaplan_meier, weibull, CoxOptions, KmConfidence, Spells, Ties, WeibullOptions,
};
use pressure_econometrics::{ClusterCorrection, Design, EconError, Factor, HcKind, VcovSpec};

/// (weeks, event) for 6-MP then placebo.
fn leukaemia() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let six_mp = [
        (6, 1),
        (6, 1),
        (6, 1),
        (6, 0),
        (7, 1),
        (9, 0),
        (10, 1),
        (10, 0),
        (11, 0),
        (13, 1),
        (16, 1),
        (17, 0),
        (19, 0),
        (20, 0),
        (22, 1),
        (23, 1),
        (25, 0),
        (32, 0),
        (32, 0),
        (34, 0),
        (35, 0),
    ];
    let placebo = [
        1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23,
    ];
    let mut t = vec![];
    let mut d = vec![];
    let mut group = vec![];
    for (w, e) in six_mp {
        t.push(w as f64);
        d.push(e as f64);
        group.push(0.0);
    }
    for w in placebo {
        t.push(w as f64);
        d.push(1.0);
        group.push(1.0);
    }
    (t, d, group)
}

#[test]
fn kaplan_meier_of_the_6mp_group_matches_the_published_table() {
    let (t, d, _) = leukaemia();
    let km = kaplan_meier(&Spells::new(&t[..21], &d[..21]), 0.95, KmConfidence::Log).unwrap();
    // time, at risk, events, S(t), Greenwood SE, lower, upper (3 decimals as published;
    // survival and SE to 12 digits from statsmodels)
    let table = [
        (6.0, 21, 3, 0.857142857143, 0.0763603548321, 0.720, 1.000),
        (7.0, 17, 1, 0.806722689076, 0.0869352851801, 0.653, 0.996),
        (10.0, 15, 1, 0.752941176471, 0.0963496529943, 0.586, 0.968),
        (13.0, 12, 1, 0.690196078431, 0.106814707775, 0.510, 0.935),
        (16.0, 11, 1, 0.627450980392, 0.114053865257, 0.439, 0.896),
        (22.0, 7, 1, 0.537815126050, 0.128233751693, 0.337, 0.858),
        (23.0, 6, 1, 0.448179271709, 0.134591456756, 0.249, 0.807),
    ];
    assert_eq!(km.time.len(), table.len());
    for (j, &(time, risk, ev, s, se, lo, hi)) in table.iter().enumerate() {
        assert_eq!(km.time[j], time);
        assert_eq!(km.n_risk[j], risk);
        assert_eq!(km.n_event[j], ev);
        assert!((km.survival[j] - s).abs() < 1e-11, "S({time})");
        assert!(
            common::rel(km.std_error[j], se) < 1e-10,
            "SE({time}) {}",
            km.std_error[j]
        );
        assert!(
            (km.ci_lower[j] - lo).abs() < 6e-4,
            "lower({time}) {}",
            km.ci_lower[j]
        );
        assert!(
            (km.ci_upper[j] - hi).abs() < 6e-4,
            "upper({time}) {}",
            km.ci_upper[j]
        );
    }
    assert_eq!(km.median, Some(23.0));
    // Log-log intervals (lifelines' default) at the event times.
    let km = kaplan_meier(&Spells::new(&t[..21], &d[..21]), 0.95, KmConfidence::LogLog).unwrap();
    let loglog = [
        (0.619718, 0.951552),
        (0.563147, 0.922809),
        (0.503200, 0.889362),
        (0.431610, 0.849066),
        (0.367511, 0.804912),
        (0.267779, 0.746791),
        (0.188052, 0.680143),
    ];
    for (j, (lo, hi)) in loglog.iter().enumerate() {
        assert!((km.ci_lower[j] - lo).abs() < 1e-6 && (km.ci_upper[j] - hi).abs() < 1e-6);
    }
    // Placebo group: all events; median 8 weeks (Kleinbaum & Klein).
    let km = kaplan_meier(&Spells::new(&t[21..], &d[21..]), 0.95, KmConfidence::LogLog).unwrap();
    assert_eq!(km.median, Some(8.0));
    assert_eq!(*km.survival.last().unwrap(), 0.0);
}

#[test]
fn cox_on_the_leukaemia_data_matches_published_coefficients() {
    let (t, d, group) = leukaemia();
    let design = Design::from_columns(&["placebo"], &[&group]).unwrap();
    for (ties, coef, se, llf) in [
        (Ties::Efron, 1.57212514883, 0.412396717709, -85.0084245774),
        (Ties::Breslow, 1.50919141259, 0.409564406367, -86.3796220711),
    ] {
        let opts = CoxOptions {
            ties,
            ..Default::default()
        };
        let fit = cox(&Spells::new(&t, &d), &design, &opts).unwrap();
        let row = fit.coefficients.get("placebo").unwrap();
        assert!(
            common::rel(row.estimate, coef) < 1e-9,
            "{ties:?} {}",
            row.estimate
        );
        assert!(
            common::rel(row.std_error, se) < 1e-9,
            "{ties:?} {}",
            row.std_error
        );
        assert!(common::rel(fit.log_likelihood, llf) < 1e-10);
        // published precision
        let published = if ties == Ties::Efron {
            (1.572, 0.412)
        } else {
            (1.509, 0.410)
        };
        assert!((row.estimate - published.0).abs() < 5e-4);
        assert!((row.std_error - published.1).abs() < 5e-4);
        assert_eq!(fit.n_events, 30);
    }
}

/// A deterministic counting-process data set (same formulas as the script that produced the
/// expected values): 40 subjects with 1–3 consecutive spells each, a time-varying covariate
/// `x1`, a fixed `x2`, events only at the end of a subject's last spell, tied event times, and
/// cluster `g = subject mod 8`. 79 spells, 22 events.
struct Counting {
    id: Vec<usize>,
    start: Vec<f64>,
    stop: Vec<f64>,
    event: Vec<f64>,
    x1: Vec<f64>,
    x2: Vec<f64>,
    g: Vec<usize>,
}

fn counting() -> Counting {
    let mut c = Counting {
        id: vec![],
        start: vec![],
        stop: vec![],
        event: vec![],
        x1: vec![],
        x2: vec![],
        g: vec![],
    };
    for s in 0..40usize {
        let mut t0 = 0.0;
        let nsp = 1 + (s * 7) % 3;
        let x2 = ((s * 13) % 10) as f64 / 10.0;
        for k in 0..nsp {
            let length = 1 + (s * 5 + k * 3) % 7;
            let t1 = t0 + length as f64;
            let x1 = ((s + 2 * k) as f64).sin();
            let u = (s as f64 * 0.6180339887498949 + k as f64 * 0.3) % 1.0;
            let last = k == nsp - 1;
            let ev = last && u < 1.0 / (1.0 + (-(x1 + x2 - 0.2)).exp());
            c.id.push(s);
            c.start.push(t0);
            c.stop.push(t1);
            c.event.push(ev as u8 as f64);
            c.x1.push(x1);
            c.x2.push(x2);
            c.g.push(s % 8);
            t0 = t1;
        }
    }
    c
}

fn check(what: &str, got: &[f64], expect: &[f64], tol: f64) {
    for (g, e) in got.iter().zip(expect) {
        assert!(common::rel(*g, *e) < tol, "{what}: {got:?} vs {expect:?}");
    }
}

#[test]
fn cox_counting_process_and_cluster_robust_match_r_coxph() {
    // R 4.2.2, survival 3.5-3:
    // coxph(Surv(start, stop, event) ~ x1 + x2, ties = ..., cluster = g / id)
    let c = counting();
    assert_eq!(c.stop.len(), 79);
    assert_eq!(c.event.iter().sum::<f64>(), 22.0);
    let design = Design::from_columns(&["x1", "x2"], &[&c.x1, &c.x2]).unwrap();
    let spells = Spells::counting(&c.start, &c.stop, &c.event);
    let g = Factor::from_values("g", &c.g);
    let id = Factor::from_values("id", &c.id);
    struct R {
        ties: Ties,
        coef: [f64; 2],
        se: [f64; 2],
        loglik: f64,
        se_cluster_g: [f64; 2],
        se_cluster_id: [f64; 2],
    }
    for r in [
        R {
            ties: Ties::Efron,
            coef: [0.743054385153, 0.331974331434],
            se: [0.319830886564, 0.849400207048],
            loglik: -58.1741411291,
            se_cluster_g: [0.326915984186, 0.724696320238],
            se_cluster_id: [0.309170645732, 0.803175743301],
        },
        R {
            ties: Ties::Breslow,
            coef: [0.726057166179, 0.345620230235],
            se: [0.317610601564, 0.848625715637],
            loglik: -58.8190610174,
            se_cluster_g: [0.311646105050, 0.695757366241],
            se_cluster_id: [0.298202023448, 0.778736321688],
        },
    ] {
        let run = |vcov: VcovSpec| {
            let opts = CoxOptions {
                ties: r.ties,
                vcov,
                ..Default::default()
            };
            cox(&spells, &design, &opts).unwrap()
        };
        let fit = run(VcovSpec::Classical);
        check("coef", &fit.coefficients.estimate, &r.coef, 1e-9);
        check("se", &fit.coefficients.std_error, &r.se, 1e-9);
        assert!(common::rel(fit.log_likelihood, r.loglik) < 1e-10);
        let fit = run(VcovSpec::cluster_with(g.clone(), ClusterCorrection::Cr0));
        check(
            "cluster g",
            &fit.coefficients.std_error,
            &r.se_cluster_g,
            1e-8,
        );
        let fit = run(VcovSpec::cluster_with(id.clone(), ClusterCorrection::Cr0));
        check(
            "cluster id",
            &fit.coefficients.std_error,
            &r.se_cluster_id,
            1e-8,
        );
        // Stata-style G/(G−1) with the default correction
        let fit = run(VcovSpec::cluster(g.clone()));
        let factor = (8.0f64 / 7.0).sqrt();
        let scaled: Vec<f64> = r.se_cluster_g.iter().map(|s| s * factor).collect();
        check(
            "cluster g, G/(G-1)",
            &fit.coefficients.std_error,
            &scaled,
            1e-8,
        );
    }
}

#[test]
fn splitting_spells_without_covariate_change_changes_nothing() {
    // Episode splitting (Stata's stsplit) at arbitrary times with the covariates copied must
    // leave Cox and Weibull estimates unchanged: a check of the (start, stop] risk sets and of
    // the left-truncated Weibull likelihood.
    let (t, d, group) = leukaemia();
    let design = Design::from_columns(&["placebo"], &[&group]).unwrap();
    let (mut start2, mut stop2, mut event2, mut x2, mut id2) =
        (vec![], vec![], vec![], vec![], vec![]);
    for i in 0..t.len() {
        let mut a = 0.0;
        for cut in [2.5, 7.0, 12.0] {
            if cut < t[i] {
                start2.push(a);
                stop2.push(cut);
                event2.push(0.0);
                x2.push(group[i]);
                id2.push(i);
                a = cut;
            }
        }
        start2.push(a);
        stop2.push(t[i]);
        event2.push(d[i]);
        x2.push(group[i]);
        id2.push(i);
    }
    assert!(stop2.len() > t.len());
    let split_design = Design::from_columns(&["placebo"], &[&x2]).unwrap();
    let split = Spells::counting(&start2, &stop2, &event2);
    for ties in [Ties::Efron, Ties::Breslow] {
        let opts = CoxOptions {
            ties,
            ..Default::default()
        };
        let a = cox(&Spells::new(&t, &d), &design, &opts).unwrap();
        let b = cox(&split, &split_design, &opts).unwrap();
        check(
            "split cox",
            &b.coefficients.estimate,
            &a.coefficients.estimate,
            1e-10,
        );
        check(
            "split cox se",
            &b.coefficients.std_error,
            &a.coefficients.std_error,
            1e-10,
        );
        // clustering the pieces by patient reproduces the patient-level robust variance
        let opts_a = CoxOptions {
            ties,
            vcov: VcovSpec::Hetero(HcKind::Hc0),
            ..Default::default()
        };
        let opts_b = CoxOptions {
            ties,
            vcov: VcovSpec::cluster_with(Factor::from_values("id", &id2), ClusterCorrection::Cr0),
            ..Default::default()
        };
        let a = cox(&Spells::new(&t, &d), &design, &opts_a).unwrap();
        let b = cox(&split, &split_design, &opts_b).unwrap();
        check(
            "split robust",
            &b.coefficients.std_error,
            &a.coefficients.std_error,
            1e-9,
        );
    }
    let wd = design.clone().with_intercept();
    let a = weibull(&Spells::new(&t, &d), &wd, &WeibullOptions::default()).unwrap();
    let b = weibull(
        &split,
        &split_design.with_intercept(),
        &WeibullOptions::default(),
    )
    .unwrap();
    check(
        "split weibull",
        &b.coefficients.estimate,
        &a.coefficients.estimate,
        1e-9,
    );
    check(
        "split weibull se",
        &b.coefficients.std_error,
        &a.coefficients.std_error,
        1e-8,
    );
}

#[test]
fn weibull_matches_r_survreg_in_ph_form() {
    // R: survreg(Surv(t, e) ~ placebo, dist = "weibull") (AFT: log T = b'x + σW), converted to
    // the PH form β = −b/σ, log p = −log σ with the delta method for the covariance.
    let (t, d, group) = leukaemia();
    let design = Design::from_columns(&["placebo"], &[&group])
        .unwrap()
        .with_intercept();
    let fit = weibull(&Spells::new(&t, &d), &design, &WeibullOptions::default()).unwrap();
    assert_eq!(
        fit.coefficients.terms,
        vec!["const", "placebo", "log_shape"]
    );
    check(
        "weibull coef",
        &fit.coefficients.estimate,
        &[-4.801575826707, 1.730871719250, 0.311709222357],
        1e-8,
    );
    check(
        "weibull se",
        &fit.coefficients.std_error,
        &[0.706352413953, 0.413081868813, 0.147291882446],
        1e-7,
    );
    assert!(common::rel(fit.log_likelihood, -106.579491582) < 1e-10);
    assert!(common::rel(fit.shape, 0.311709222357f64.exp()) < 1e-8);
}

#[test]
fn spell_ending_before_it_starts_is_an_error_naming_the_row() {
    let start = [0.0, 5.0, 2.0];
    let stop = [3.0, 4.0, 6.0];
    let event = [1.0, 0.0, 1.0];
    let x = [0.0, 1.0, 1.0];
    let design = Design::from_columns(&["x"], &[&x]).unwrap();
    let err = cox(
        &Spells::counting(&start, &stop, &event),
        &design,
        &CoxOptions::default(),
    )
    .unwrap_err();
    match err {
        EconError::SpellOrder { row, start, stop } => {
            assert_eq!((row, start, stop), (2, 5.0, 4.0));
        }
        other => panic!("unexpected error {other}"),
    }
    let msg = kaplan_meier(
        &Spells::counting(&start, &stop, &event),
        0.95,
        KmConfidence::Log,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(msg, "survival spell at row 2: end 4 is not after start 5");
}
