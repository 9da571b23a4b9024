//! Robustness of the XMILE importer: seeded random mutations of XMILE files (bytes deleted,
//! duplicated, replaced by characters that matter to XML and to equations, or runs of text
//! cut) must each give a model or an error, never a panic. The files are those of the SDXorg
//! suite when `../shared` is present, and a small built-in model always. The default count is
//! small enough for CI (a few seconds); set more with
//! `cargo test -p pressure-interop --release --test xmile_mutations -- --ignored` (100,000).

use std::path::PathBuf;

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
use common::{never_panics, suite_files};

/// The bytes a mutation writes: characters that matter to XML and to equations.
const BYTES: &[u8] = b"<>/\"'&=()[],*^-+!.:;{} \n0123456789eE\xc3\xa9\xff";

fn corpus() -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = vec![(PathBuf::from("built-in"), BUILT_IN.as_bytes().to_vec())];
    for f in suite_files(&["xmile", "stmx"]) {
        let text = std::fs::read(&f).unwrap();
        out.push((f, text));
    }
    out
}

/// Every mutation is read as one file in a temporary folder.
fn run(count: usize) {
    let dir = tempfile::tempdir().unwrap();
    let at = dir.path().join("mutant.xmile");
    never_panics(&corpus(), 0x5EED_0015, BYTES, count, |_, text| {
        pressure_interop::xmile::load_str(&at, text)
    });
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
