//! Robustness of the XMILE importer: seeded random mutations of XMILE files (bytes deleted,
//! duplicated, replaced by characters that matter to XML and to equations, or runs of text
//! cut) must each give a model or an error, never a panic. The files are those of the SDXorg
//! suite when `../shared` is present, and a small built-in model always. The default count is
//! small enough for CI (a few seconds); set more with
//! `cargo test -p pressure-interop --release --test xmile_mutations -- --ignored` (100,000).

use std::path::{Path, PathBuf};

const BUILT_IN: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">
<header><name>m</name><vendor>v</vendor><product version="1">p</product></header>
<sim_specs method="Euler"><start>0</start><stop>10</stop><dt>0.5</dt></sim_specs>
<dimensions><dim name="D"><elem name="a"/><elem name="b"/></dim></dimensions>
<model><variables>
<stock name="S"><dimensions><dim name="D"/></dimensions><eqn>1</eqn><inflow>f</inflow><non_negative/></stock>
<flow name="f"><dimensions><dim name="D"/></dimensions><eqn>IF Time &gt; 2 THEN SMTH1(S[D], 2) ELSE g(Time) * k[D]</eqn></flow>
<aux name="k"><dimensions><dim name="D"/></dimensions><element subscript="a"><eqn>1</eqn></element><element subscript="b"><eqn>2</eqn></element></aux>
<gf name="g"><xscale min="0" max="10"/><ypts>0,1,0.5</ypts></gf>
<aux name="total"><eqn>SUM(S[*]) MOD 3 + DELAY(total_in, 1) + INIT("total in")</eqn></aux>
<aux name="total in"><eqn>MAX(k[D]) / SAFEDIV(1, Time, 2)</eqn></aux>
</variables></model>
</xmile>
"#;

mod common;
use common::{mutate, Rng};

/// The bytes a mutation writes: characters that matter to XML and to equations.
const BYTES: &[u8] = b"<>/\"'&=()[],*^-+!.:;{} \n0123456789eE\xc3\xa9\xff";

fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut out = vec![("built-in".to_string(), BUILT_IN.as_bytes().to_vec())];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/sdxorg-test-models/tests");
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(d) else {
            return;
        };
        let mut v: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        v.sort();
        for p in v {
            if p.is_dir() {
                walk(&p, out);
            } else if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("xmile" | "stmx")
            ) {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&dir, &mut files);
    for f in files {
        out.push((f.display().to_string(), std::fs::read(&f).unwrap()));
    }
    out
}

fn run(count: usize) {
    let corpus = corpus();
    let mut rng = Rng(0x5EED_0015);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mutant.xmile");
    let mut panics = Vec::new();
    for k in 0..count {
        let (name, text) = &corpus[k % corpus.len()];
        let m = mutate(text, &mut rng, BYTES);
        let s = String::from_utf8_lossy(&m).into_owned();
        let r = std::panic::catch_unwind(|| {
            if let Ok(model) = pressure_interop::xmile::load_str(&path, &s) {
                // Compiling is part of what a command does with the model.
                let _ = pressure_sim::CompiledModel::compile(&model);
            }
        });
        if r.is_err() {
            panics.push(format!("mutation {k} of {name}"));
        }
    }
    assert!(
        panics.is_empty(),
        "{} panics: {:?}",
        panics.len(),
        &panics[..panics.len().min(10)]
    );
}

#[test]
fn mutated_xmile_never_panics() {
    run(3_000);
}

#[test]
#[ignore = "100,000 mutations, about a minute in release"]
fn mutated_xmile_never_panics_long() {
    run(100_000);
}
