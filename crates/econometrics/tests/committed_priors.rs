//! The prior tables committed under `experiments/estimate/priors/` (which calibration
//! experiments name, so they must exist in a clean clone) are what `pressure estimate` writes
//! for their specs today: each spec is re-estimated and compared with its committed table
//! (names, terms, sample sizes exactly; numbers to a relative 1e-9, so that a different CPU's
//! last-bit rounding is not mistaken for a stale file). Regenerate a stale table with
//!
//! ```sh
//! pressure estimate experiments/estimate/<stem>.toml --out /tmp/<stem> \
//!     --priors experiments/estimate/priors/<stem>.json
//! ```

use pressure_econometrics::priors::PriorTable;
use pressure_econometrics::spec::{run_spec_file, Overrides};
use std::path::Path;

/// The specs whose priors are committed.
const COMMITTED: &[&str] = &[
    "nn_replication",
    "nn_event_study",
    "regime_heterogeneity",
    "leader_exit_cox",
    "selection_ipw",
];

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12)
}

#[test]
fn committed_prior_tables_are_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments/estimate");
    let mut stale = vec![];
    for stem in COMMITTED {
        let spec = root.join(format!("{stem}.toml"));
        let committed_path = root.join("priors").join(format!("{stem}.json"));
        let committed = PriorTable::load(&committed_path)
            .unwrap_or_else(|e| panic!("{e} (regenerate it: see this test's doc)"));
        let fresh = run_spec_file(&spec, &Overrides::default())
            .unwrap()
            .prior_table();
        assert_eq!(committed.spec, format!("{stem}.toml"));
        let same = committed.models.len() == fresh.models.len()
            && committed.models.iter().zip(&fresh.models).all(|(a, b)| {
                a.name == b.name
                    && a.estimator == b.estimator
                    && a.dependent == b.dependent
                    && a.dependent_units == b.dependent_units
                    && a.nobs == b.nobs
                    && a.n_units == b.n_units
                    && a.terms == b.terms
                    && a.se_type == b.se_type
                    && a.dropped_collinear == b.dropped_collinear
                    && a.sample == b.sample
                    && a.estimates
                        .iter()
                        .zip(&b.estimates)
                        .all(|(x, y)| close(*x, *y))
                    && a.std_errors
                        .iter()
                        .zip(&b.std_errors)
                        .all(|(x, y)| close(*x, *y))
                    && a.vcov
                        .iter()
                        .flatten()
                        .zip(b.vcov.iter().flatten())
                        .all(|(x, y)| close(*x, *y))
            });
        if !same {
            stale.push(committed_path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale prior tables (re-run `pressure estimate SPEC --out DIR --priors FILE`): {stale:?}"
    );
}

#[test]
fn asking_for_a_term_dropped_as_collinear_names_what_is_available() {
    // A spec whose second regressor is an exact copy of the first: the copy is dropped, and
    // the prior lookup says so.
    let panel = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/panel");
    let spec = format!(
        "data = {:?}\npanel = {{ unit = \"iso3\", time = \"year\" }}\n\
         filter = \"year >= 1990 && year <= 2000\"\n\n[[model]]\nname = \"M\"\n\
         estimator = \"fe\"\nformula = \"gdppc_growth_pct ~ sanc_us + sanc_us:sanc_us | iso3 + year\"\n\
         se = \"cluster\"\ncluster = [\"iso3\"]\n",
        panel.display().to_string()
    );
    let dir = std::env::temp_dir().join(format!("pressure-priors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("collinear.toml");
    std::fs::write(&path, spec).unwrap();
    let table = run_spec_file(&path, &Overrides::default())
        .unwrap()
        .prior_table();
    let file = dir.join("priors.json");
    std::fs::write(&file, table.to_json()).unwrap();
    let loaded = PriorTable::load(&file).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(loaded.spec, "collinear.toml");
    assert!(loaded.term("M", "sanc_us").unwrap().1 > 0.0);
    let e = loaded.term("M", "sanc_us:sanc_us").unwrap_err().to_string();
    assert!(
        e.ends_with(
            "model `M` has no estimate of `sanc_us:sanc_us`: it was dropped as collinear (available terms: sanc_us)"
        ),
        "{e}"
    );
}
