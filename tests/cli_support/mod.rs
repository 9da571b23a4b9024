//! Helpers shared by the end-to-end tests of the `pressure` binary.
#![allow(dead_code)] // each test crate uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the `pressure` binary built for these tests.
pub fn pressure(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pressure"))
        .args(args)
        .output()
        .expect("run pressure")
}

/// Stderr with the diagnostic renderer's frame characters and line wrapping removed, so a test
/// can look for a phrase the renderer may have broken across lines.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .replace(['│', '×', '╭', '─', '┬', '╰', '·'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}
