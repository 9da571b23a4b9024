//! The estimate figure set planned through the library API (`pressure::figures`) from a typed
//! report in memory: no output file is read back, no spec re-parsed.

use pressure::econometrics::spec::{run_spec_file, Overrides, Report};
use pressure::figures::estimate_plans;
use pressure::plot::FigureKind;
use std::path::{Path, PathBuf};

fn spec(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn report(rel: &str) -> Report {
    run_spec_file(&spec(rel), &Overrides::default()).unwrap()
}

fn rows(path: &Path) -> Vec<Vec<String>> {
    csv::Reader::from_path(path)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The Kaplan–Meier legend names the spec's `by` column, which the report carries
/// (`ModelReport::group_by`): the planner no longer re-reads the spec file for it.
#[test]
fn kaplan_meier_groups_are_named_by_the_by_column_the_report_carries() {
    let r = report("experiments/estimate/leader_survival_km.toml");
    assert_eq!(r.models[0].group_by.as_deref(), Some("gwf_personal"));
    let dir = tempfile::tempdir().unwrap();
    let plans = estimate_plans(&r, dir.path(), &dir.path().join("figure-data")).unwrap();
    assert_eq!(plans.len(), 1);
    let p = &plans[0];
    assert_eq!(
        (p.stem.as_str(), p.kind),
        ("km-km", FigureKind::KaplanMeier)
    );
    let survival = r.models[0]
        .extra
        .iter()
        .find(|t| t.name == "survival")
        .unwrap();
    let g = survival.header.iter().position(|h| h == "group").unwrap();
    let drawn = rows(&p.data);
    assert_eq!(drawn.len(), survival.rows.len());
    for (d, s) in drawn.iter().zip(&survival.rows) {
        assert_eq!(d[g], format!("gwf_personal = {}", s[g]));
    }
    assert!(p.caption.contains("gwf_personal = 1"), "{}", p.caption);
}

/// A coefficient plot per regression holds the report's estimates and intervals exactly
/// (they parse back to the same `f64`), intercepts left out.
#[test]
fn coefficient_plots_hold_the_reports_estimates_exactly() {
    let r = report("experiments/estimate/growth_un_vs_us.toml");
    let dir = tempfile::tempdir().unwrap();
    let plans = estimate_plans(&r, dir.path(), &dir.path().join("figure-data")).unwrap();
    let mut checked = 0;
    for m in &r.models {
        let stem = m.file_stem();
        let Some(p) = plans.iter().find(|p| p.stem == format!("coef-{stem}")) else {
            continue;
        };
        assert_eq!(p.kind, FigureKind::Coefficients);
        let c = &m.coefficients;
        let expected: Vec<usize> = (0..c.len())
            .filter(|&i| c.terms[i] != "(Intercept)")
            .collect();
        let drawn = rows(&p.data);
        assert_eq!(drawn.len(), expected.len(), "{}", m.name);
        for (d, &i) in drawn.iter().zip(&expected) {
            assert_eq!(d[0], c.terms[i]);
            assert_eq!(d[1].parse::<f64>().unwrap(), c.estimate[i]);
            assert_eq!(d[2].parse::<f64>().unwrap(), c.ci_lower[i]);
            assert_eq!(d[3].parse::<f64>().unwrap(), c.ci_upper[i]);
        }
        checked += 1;
    }
    assert!(checked > 0, "no coefficient plot planned");
}
