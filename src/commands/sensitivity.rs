//! A sensitivity experiment, run and written: what `pressure sensitivity` and a sensitivity
//! step of `pressure reproduce` both do once the experiment is prepared.

use crate::output::{sha256_hex, Manifest, WriteError};
use crate::sensitivity::experiment::{ExperimentError, Outcome, Prepared, RunOptions, RunSpec};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A finished run of a prepared experiment.
pub struct SensitivityRun {
    /// The seed used.
    pub seed: u64,
    /// Model runs planned (of the shard, for a shard).
    pub runs: usize,
    /// Wall-clock seconds of the runs.
    pub elapsed_seconds: f64,
    /// The result: complete, or a shard's partial result.
    pub outcome: Outcome,
}

/// Runs `prepared` (on the current rayon pool) with `seed` (default: the experiment's),
/// whole or as `shard` `(i, n)`; `progress` is called with `(runs done, runs planned)`.
pub fn run(
    prepared: &Prepared,
    seed: Option<u64>,
    shard: Option<(usize, usize)>,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<SensitivityRun, ExperimentError> {
    let seed = seed.unwrap_or(prepared.default_seed());
    let planned = prepared.planned_runs(shard)?;
    let report = |done: usize| {
        if let Some(p) = progress {
            p(done, planned);
        }
    };
    let start = Instant::now();
    let outcome = prepared.run(&RunOptions {
        seed,
        shard,
        progress: Some(&report),
    })?;
    Ok(SensitivityRun {
        seed,
        runs: planned,
        elapsed_seconds: start.elapsed().as_secs_f64(),
        outcome,
    })
}

impl SensitivityRun {
    /// Runs that failed (their groups are left out of the analysis).
    pub fn failed_runs(&self) -> usize {
        match &self.outcome {
            Outcome::Complete(r) => r.failures.count,
            Outcome::Partial(p) => p.header.failures.count,
        }
    }

    /// The manifest of the run: the experiment's inputs, the seed, what the run spec records
    /// (`manifest_facts`) and the planned `runs`. Callers add their context (timings, step).
    pub fn manifest(&self, prepared: &Prepared) -> Manifest {
        let mut manifest = Manifest::for_current_process();
        for input in &prepared.inputs {
            manifest.add_input(input);
        }
        manifest.seed = Some(self.seed);
        let mut spec = prepared.spec.clone();
        spec.seed = self.seed;
        manifest.extra.extend(spec.manifest_facts());
        manifest.extra.insert("runs".into(), self.runs.into());
        manifest
    }

    /// Writes the result's files (`Report::write_to`, or a shard's `partial.bin` and
    /// `partial.json`) and `manifest` into `dir`; returns the names written.
    pub fn write_to(&self, dir: &Path, manifest: &Manifest) -> Result<Vec<String>, WriteError> {
        let names = match &self.outcome {
            Outcome::Complete(report) => report.write_to(dir)?,
            Outcome::Partial(partial) => partial.write_to(dir)?,
        };
        write_manifest(dir, names, manifest)
    }
}

/// Writes `manifest` into `dir` after the files `names`; returns the names with
/// `manifest.json` added.
pub fn write_manifest(
    dir: &Path,
    mut names: Vec<String>,
    manifest: &Manifest,
) -> Result<Vec<String>, WriteError> {
    manifest.write_to_dir(dir).map_err(|source| WriteError {
        path: dir.join("manifest.json"),
        source,
    })?;
    names.push("manifest.json".into());
    Ok(names)
}

/// The input files (experiment file first, then model, scenarios...) that the shard's
/// `manifest.json` in `dir` names, if the experiment file there still is the one the shards ran
/// (same SHA-256); none otherwise, or when the manifest is missing or unreadable (a merge then
/// lists only the partial results, and the figures go without the experiment's description).
pub fn shard_sources(dir: &Path, spec: &RunSpec) -> Vec<PathBuf> {
    let manifest = std::fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok());
    let paths: Vec<PathBuf> = manifest
        .as_ref()
        .and_then(|m| m["inputs"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|input| input["path"].as_str().map(PathBuf::from))
        .collect();
    let unchanged = paths.first().is_some_and(|experiment| {
        std::fs::read(experiment).is_ok_and(|bytes| sha256_hex(&bytes) == spec.experiment_sha256)
    });
    if unchanged {
        paths
    } else {
        Vec::new()
    }
}
