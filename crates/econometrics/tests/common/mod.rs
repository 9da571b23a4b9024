//! Helpers shared by the integration tests: locating the shared reference folder.
#![allow(dead_code)]

use std::path::PathBuf;

/// The shared reference folder (`$PRESSURE_SHARED`, else `../shared` next to the repository),
/// or `None` with a printed message saying which checks are skipped.
pub fn shared_dir(what: &str) -> Option<PathBuf> {
    let candidates = std::env::var_os("PRESSURE_SHARED")
        .map(PathBuf::from)
        .into_iter()
        .chain(std::iter::once(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
        ));
    for c in candidates {
        if c.join("reference").is_dir() {
            return Some(c);
        }
    }
    println!(
        "SKIPPED ({what}): shared reference folder not found (set PRESSURE_SHARED or place \
         it at ../shared next to the repository); only the transcribed checks ran"
    );
    None
}

/// Log relative error as NIST scores it: `−log10(|q − c|/|c|)` (or `−log10|q|` when
/// `c = 0`), clipped to `[0, digits]`.
pub fn lre(q: f64, c: f64, digits: f64) -> f64 {
    let v = if c == 0.0 {
        if q == 0.0 {
            digits
        } else {
            -q.abs().log10()
        }
    } else if q == c {
        digits
    } else {
        -((q - c).abs() / c.abs()).log10()
    };
    if v.is_nan() {
        0.0
    } else {
        v.clamp(0.0, digits)
    }
}

/// Relative difference `|a − b| / |b|`.
pub fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}
