//! Robustness of the Vensim `.mdl` importer: seeded random mutations of `.mdl` files (see
//! `common/mod.rs`) must each give a model or an error, never a panic. The files are those of
//! the SDXorg suite when `../shared` is present (each read at its own path, so the
//! spreadsheets and text files its GET XLS/DIRECT calls name are read, with their cells and
//! ranges mutated through the calls' arguments), and a small built-in model with such calls
//! reading `tests/data/external.xlsx` always. The default count is small enough for CI; set
//! more with `cargo test -p pressure-interop --release --test mdl_mutations -- --ignored`
//! (100,000).

mod common;
use common::{never_panics, suite_files};
use std::path::{Path, PathBuf};

/// The bytes a mutation writes: characters that matter to `.mdl` entries and equations.
const BYTES: &[u8] = b"|~:=()[],*^-+!.;{}\"'\\ \n0123456789eE\xc3\xa9\xff";

const BUILT_IN: &str = "{UTF-8}
d: a1, a2, a3 ~~|
r: r1, r2 ~~|
row[d] = GET XLS CONSTANTS('external.xlsx', 'Data', 'B5') ~~|
block[r, d] = GET DIRECT CONSTANTS('external.xlsx', 'Data', 'block') ~~|
local[d] = GET DIRECT CONSTANTS('external.xlsx', 'Down', 'local*') ~~|
lin[r] := GET XLS DATA('external.xlsx', 'Data', '1', 'B2') ~~|
fwd[r]:LOOK FORWARD::= GET XLS DATA('external.xlsx', 'Data', 'times', 'series') ~~|
lk = GET XLS LOOKUPS('external.xlsx', 'Down', 'A', 'B2') ~~|
s = INTEG(lk(Time) + SAMPLE IF TRUE(Time > 1, lin[r1], 0), row[a1]) ~ u ~ A stock. |
INITIAL TIME = 0 ~~|
FINAL TIME = 6 ~~|
TIME STEP = 1 ~~|
SAVEPER = TIME STEP ~~|
\\\\\\---/// Sketch information
";

fn corpus() -> Vec<(PathBuf, Vec<u8>)> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = vec![(
        here.join("tests/data/built_in.mdl"),
        BUILT_IN.as_bytes().to_vec(),
    )];
    for f in suite_files(&["mdl"]) {
        let text = std::fs::read(&f).unwrap();
        out.push((f, text));
    }
    out
}

/// Each mutation is read at its file's own path, so the data files it names are found.
fn run(count: usize) {
    never_panics(&corpus(), 0x5EED_0D15, BYTES, count, |path, text| {
        pressure_interop::mdl::load_str(path, text)
    });
}

#[test]
fn the_built_in_model_reads_its_data() {
    let (path, text) = &corpus()[0];
    let model = pressure_interop::mdl::load_str(path, std::str::from_utf8(text).unwrap())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(pressure_sim::CompiledModel::compile(&model).is_ok());
}

#[test]
fn mutated_mdl_never_panics() {
    run(3_000);
}

#[test]
#[ignore = "100,000 mutations, a few minutes in release"]
fn mutated_mdl_never_panics_long() {
    run(100_000);
}
