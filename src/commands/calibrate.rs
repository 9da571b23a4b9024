//! A calibration's files and manifest: what `pressure calibrate` and a calibrate step of
//! `pressure reproduce` both write once the experiment has run.

use crate::calibrate::experiment::outputs::CalibrationFiles;
use crate::calibrate::experiment::{CalibrationReport, Experiment};
use crate::output::{Manifest, WriteError};
use std::path::Path;

/// The manifest of a calibration: the experiment's inputs, the estimates, the seed and what
/// the report records (`manifest_facts`). Callers add their context (timings, step, settings).
pub fn manifest(experiment: &Experiment, report: &CalibrationReport, seed: u64) -> Manifest {
    let mut manifest = Manifest::for_current_process();
    for p in &experiment.inputs {
        manifest.add_input(p);
    }
    manifest.parameters = report.estimates();
    manifest.seed = Some(seed);
    manifest.extra.extend(report.manifest_facts());
    manifest
}

/// Writes the rendered `files` ([`CalibrationFiles::write_to`]) and then `manifest` into
/// `dir`; returns the names written.
pub fn write_to(
    dir: &Path,
    files: &CalibrationFiles,
    manifest: &Manifest,
) -> Result<Vec<String>, WriteError> {
    let names = files.write_to(dir)?;
    super::sensitivity::write_manifest(dir, names, manifest)
}

/// One line per finding a reader should see after a run, each marked whether it is a
/// warning: the posterior's convergence, the notes of the rendered files (draw sources,
/// leave-one-out), an optimiser that did not converge.
pub fn summary_lines(report: &CalibrationReport, files: &CalibrationFiles) -> Vec<(bool, String)> {
    let mut lines = Vec::new();
    if let Some(m) = &report.mcmc {
        use crate::calibrate::experiment::report::{ESS_MIN, RHAT_MAX};
        let c = m.converged(RHAT_MAX, ESS_MIN);
        lines.push((
            !c.ok(),
            format!(
                "posterior ({}, {} chains, {} evaluations): {c}",
                m.algorithm,
                m.draws.len(),
                m.evaluations
            ),
        ));
    }
    lines.extend(files.notes.iter().map(|n| (false, n.clone())));
    if !report.estimate.converged {
        lines.push((
            true,
            format!(
                "the optimiser did not converge ({}); see stats.json",
                report.estimate.message
            ),
        ));
    }
    lines
}
