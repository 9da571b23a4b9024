//! Conversion round trips: a model converted to TOML ([`pressure_interop::to_toml`]) or to
//! XMILE ([`pressure_interop::to_xmile`]) and read back runs to the same numbers, bit for bit,
//! as the model read directly. Checked on a small model always, and on every file of the
//! SDXorg suite (`.mdl` and XMILE) that imports and runs, when `../shared` is present (each
//! test says on stderr when it is not). About a second in release.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Every column by name (times under `"@time"`), or the reason the model did not run.
fn run_model(model: &pressure_model::Model) -> Result<BTreeMap<String, Vec<f64>>, String> {
    let c = pressure_sim::CompiledModel::compile(model).map_err(|e| e.to_string())?;
    let r = c
        .run(&c.default_params(), &c.default_settings())
        .map_err(|e| e.to_string())?;
    let mut cols: BTreeMap<String, Vec<f64>> = r
        .names()
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), r.column_at(i).to_vec()))
        .collect();
    cols.insert("@time".into(), r.time().to_vec());
    Ok(cols)
}

/// Why two runs differ (None when every column is bit-identical, NaN equal to NaN).
fn difference(a: &BTreeMap<String, Vec<f64>>, b: &BTreeMap<String, Vec<f64>>) -> Option<String> {
    if a.keys().ne(b.keys()) {
        let only_a: Vec<_> = a.keys().filter(|k| !b.contains_key(*k)).collect();
        let only_b: Vec<_> = b.keys().filter(|k| !a.contains_key(*k)).collect();
        return Some(format!(
            "columns differ: only direct {only_a:?}, only converted {only_b:?}"
        ));
    }
    for (k, x) in a {
        let y = &b[k];
        if x.len() != y.len() {
            return Some(format!("{k}: {} vs {} values", x.len(), y.len()));
        }
        for (i, (p, q)) in x.iter().zip(y).enumerate() {
            if p.to_bits() != q.to_bits() && !(p.is_nan() && q.is_nan()) {
                return Some(format!("{k}[{i}]: {p:e} vs {q:e}"));
            }
        }
    }
    None
}

/// Converts `path` with `convert`, writes it as `out_name` in `dir`, reads it back with
/// `load`, and compares the runs. Ok(false) when the original does not import or run.
fn round_trip(
    path: &Path,
    dir: &Path,
    out_name: &str,
    convert: fn(&pressure_model::build::SourceModel) -> String,
) -> Result<bool, String> {
    let Ok(model) = pressure_interop::load(path) else {
        return Ok(false);
    };
    let Ok(direct) = run_model(&model) else {
        return Ok(false);
    };
    let source = pressure_interop::read_source(path).map_err(|e| format!("read_source: {e}"))?;
    let text = convert(&source);
    let out = dir.join(out_name);
    std::fs::write(&out, &text).unwrap();
    let back = pressure_interop::load(&out).map_err(|e| format!("converted file: {e}"))?;
    let converted = run_model(&back).map_err(|e| format!("converted run: {e}"))?;
    match difference(&direct, &converted) {
        None => Ok(true),
        Some(d) => Err(d),
    }
}

const TEACUP: &str = "{UTF-8}
Teacup Temperature = INTEG(-Heat Loss to Room, 180) ~ Degrees ~ The tea. |
Heat Loss to Room = (Teacup Temperature - Room Temperature) / Characteristic Time ~~|
Room Temperature = 70 + STEP(5, 10) ~~|
Smoothed = SMOOTH3(Teacup Temperature, 2) + DELAY FIXED(Room Temperature, 3, 70) ~~|
Dim: a, b, c ~~|
Sub: b, c ~~|
Weights[Dim] = 1, 2, 4 ~~|
Effect([(0,0)-(200,1)],(0,0),(100,0.5),(200,1)) ~~|
Weighted[Dim] = Weights[Dim] * Effect(Teacup Temperature) ~~|
Part[Sub] = Weighted[Sub] + 1 ~~|
Total = SUM(Weighted[Dim!]) + MODULO(Time, 7) + XIDZ(1, 0, 3) ~~|
Characteristic Time = 10 ~ Minutes [1,20] ~|
INITIAL TIME = 0 ~~|
FINAL TIME = 30 ~~|
TIME STEP = 0.125 ~~|
SAVEPER = 0.5 ~~|
";

#[test]
fn a_small_model_survives_both_conversions() {
    let dir = tempfile::tempdir().unwrap();
    let mdl = dir.path().join("teacup.mdl");
    std::fs::write(&mdl, TEACUP).unwrap();
    assert_eq!(
        round_trip(&mdl, dir.path(), "teacup.toml", pressure_interop::to_toml),
        Ok(true)
    );
    assert_eq!(
        round_trip(&mdl, dir.path(), "teacup.xmile", pressure_interop::to_xmile),
        Ok(true)
    );
    // And XMILE -> TOML, XMILE -> XMILE again.
    let xmile = dir.path().join("teacup.xmile");
    let sub = dir.path().join("again");
    std::fs::create_dir(&sub).unwrap();
    assert_eq!(
        round_trip(&xmile, &sub, "teacup.toml", pressure_interop::to_toml),
        Ok(true)
    );
    assert_eq!(
        round_trip(&xmile, &sub, "teacup.xmile", pressure_interop::to_xmile),
        Ok(true)
    );
    // The TOML reads as a person would write it.
    let toml = std::fs::read_to_string(dir.path().join("teacup.toml")).unwrap();
    for want in [
        "[stocks.Teacup_Temperature]\ninitial = \"180\"\noutflows = [\"Heat_Loss_to_Room\"]",
        "units = \"Degrees\"\ndoc = \"The tea.\"\nsource = \"teacup.mdl, line 2\"",
        "[flows.Heat_Loss_to_Room]\nequation = \"(Teacup_Temperature - Room_Temperature) / Characteristic_Time\"",
        "[constants.Characteristic_Time]\nvalue = 10.0\nrange = [1.0, 20.0]\nunits = \"Minutes\"",
        "Sub = { subrange_of = \"Dim\", elements = [\"b\", \"c\"] }",
        "[lookups.Effect]\nx = [0.0, 100.0, 200.0]\ny = [0.0, 0.5, 1.0]",
        "save_every = 0.5",
    ] {
        assert!(toml.contains(want), "missing {want:?} in\n{toml}");
    }
    let xml = std::fs::read_to_string(dir.path().join("teacup.xmile")).unwrap();
    for want in [
        "<eqn>SMTH3(Teacup_Temperature, 2) + DELAY(Room_Temperature, 3, 70)</eqn>",
        "<eqn>SUM(Weighted[*]) + TIME MOD 7 + SAFEDIV(1, 0, 3)</eqn>",
        "<aux name=\"Effect\">\n        <gf type=\"continuous\">",
        "<eqn>Weights[Dim] * LOOKUP(Effect, Teacup_Temperature)</eqn>",
    ] {
        assert!(xml.contains(want), "missing {want:?} in\n{xml}");
    }
}

/// The repository's own models (`models/`), written as XMILE and read back: bit-identical
/// runs for every file without modules, and a clear refusal for the one with modules.
#[test]
fn the_shipped_toml_models_round_trip_through_xmile() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    let mut files: Vec<PathBuf> = [
        "examples/teacup.toml",
        "examples/sir.toml",
        "examples/chain10.toml",
        "fiscal.toml",
        "inflation.toml",
        "currency.toml",
        "coalition.toml",
    ]
    .iter()
    .map(|f| root.join(f))
    .collect();
    files.sort();
    let tmp = tempfile::tempdir().unwrap();
    for f in &files {
        let stem = f.file_stem().unwrap().to_string_lossy().to_string();
        assert_eq!(
            round_trip(
                f,
                tmp.path(),
                &format!("{stem}.xmile"),
                pressure_interop::to_xmile
            ),
            Ok(true),
            "{}",
            f.display()
        );
    }
    let e = pressure_interop::read_source(&root.join("sanctions.toml")).unwrap_err();
    assert!(
        e.to_string().contains("modules") && e.to_string().contains("sanctions.toml:"),
        "{e}"
    );
}

fn suite() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/sdxorg-test-models/tests");
    if dir.is_dir() {
        Some(dir)
    } else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED conversion round trips on the SDXorg suite: \
             ../shared/conformance/sdxorg-test-models/tests is not present"
        );
        None
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ["mdl", "xmile", "stmx"].contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(p);
        }
    }
}

/// Converts every suite file that runs; returns how many were compared.
fn suite_round_trip(
    ext: &str,
    convert: fn(&pressure_model::build::SourceModel) -> String,
) -> Option<usize> {
    let dir = suite()?;
    let mut all = Vec::new();
    files(&dir, &mut all);
    let tmp = tempfile::tempdir().unwrap();
    let mut compared = 0;
    let mut failures = Vec::new();
    for (i, f) in all.iter().enumerate() {
        let rel = f.strip_prefix(&dir).unwrap().display().to_string();
        // Each in its own folder, under its own stem (names the model).
        let sub = tmp.path().join(i.to_string());
        std::fs::create_dir(&sub).unwrap();
        let stem = f.file_stem().unwrap().to_string_lossy();
        let out = format!("{stem}.{ext}");
        match std::panic::catch_unwind(|| round_trip(f, &sub, &out, convert)) {
            Ok(Ok(true)) => compared += 1,
            Ok(Ok(false)) => {}
            Ok(Err(e)) => failures.push(format!("{rel}: {e}")),
            Err(_) => failures.push(format!("{rel}: PANIC")),
        }
    }
    println!("{compared} files round-trip through {ext} bit for bit");
    assert!(
        failures.is_empty(),
        "{} of {} files differ after conversion to {ext}:\n{}",
        failures.len(),
        compared + failures.len(),
        failures.join("\n")
    );
    Some(compared)
}

#[test]
fn every_suite_model_that_runs_round_trips_through_toml() {
    if let Some(n) = suite_round_trip("toml", pressure_interop::to_toml) {
        // 92 .mdl and 74 XMILE files pass the conformance test; more import and run.
        assert!(n >= 166, "only {n} files compared");
    }
}

#[test]
fn every_suite_model_that_runs_round_trips_through_xmile() {
    if let Some(n) = suite_round_trip("xmile", pressure_interop::to_xmile) {
        assert!(n >= 166, "only {n} files compared");
    }
}
