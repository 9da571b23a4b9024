//! What a study run leaves besides the step results: `index.md` (every figure with its
//! caption, files, data and redraw command), `manifest.json` (inputs with hashes, seed, steps,
//! their figures and timings), and the removal of figures an earlier run drew that this one
//! did not (found from the earlier run's manifest).

use super::{StepOutcome, Study};
use crate::figures::{self, IndexSection};
use crate::output::Manifest;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Extensions of the figure files a drawn figure may have.
const FIGURE_EXTENSIONS: [&str; 3] = ["svg", "png", "pdf"];

/// Figure files an earlier run in `out` drew, from its `manifest.json` (`steps[].figures`
/// holds each figure's file stem; its files are the stem with each figure extension). Empty
/// when there is no such manifest or it is not a study's.
pub fn previous_figures(out: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(out.join("manifest.json")) else {
        return vec![];
    };
    let Ok(manifest) = serde_json::from_str::<serde_json::Value>(&text) else {
        return vec![];
    };
    let stems = manifest["extra"]["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["figures"].as_array().into_iter().flatten())
        .filter_map(|f| f.as_str());
    // A stem names a file in `out` itself; anything else is not ours to remove.
    stems
        .filter(|s| !s.is_empty() && !s.contains(['/', '\\']) && !s.contains(".."))
        .flat_map(|s| FIGURE_EXTENSIONS.map(|e| out.join(format!("{s}.{e}"))))
        .collect()
}

/// Removes the `previous` figure files this run did not write again.
pub(super) fn remove_stale(previous: &[PathBuf], written: &[PathBuf]) {
    for path in previous {
        if !written.contains(path) {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The study's `index.md`.
pub(super) fn markdown(
    study: &Study,
    outcomes: &[StepOutcome],
    seed: Option<u64>,
    out: &Path,
) -> String {
    let steps = &study.steps;
    let mut preamble = String::new();
    if let Some(d) = &study.file.description {
        let _ = writeln!(preamble, "{}\n", d.trim());
    }
    let _ = writeln!(
        preamble,
        "Written by `pressure reproduce{}` ({}), seed {}. Each figure is drawn from the CSV named under it and can be redrawn with the `pressure plot` command given; the results of every step (CSV, JSON, manifest) are in `runs/<step>/`.",
        if study.quick { " --quick" } else { "" },
        format_args!("pressure {}", env!("CARGO_PKG_VERSION")),
        seed.map(|s| s.to_string())
            .unwrap_or_else(|| "of each experiment file".into())
    );
    if study.quick {
        preamble.push_str("\n**Quick run**: fewer starts, iterations, samples and episodes than the full study; the figures show real results of these smaller runs.\n");
    }
    let sections: Vec<IndexSection<'_>> = steps
        .iter()
        .zip(outcomes)
        .map(|(s, o)| IndexSection {
            title: s.title.clone(),
            intro: match &o.error {
                Some(e) => format!("**Step `{}` failed:** {}", s.name, e.replace('\n', " ")),
                None => format!(
                    "Step `{}` ({}; {:.1} s): {}. Results in `runs/{}/`.",
                    s.name, s.kind, o.seconds, o.note, s.name
                ),
            },
            figures: &o.drawn,
            failures: &o.failed,
        })
        .collect();
    let mut md = figures::index_markdown(&study.file.title, &preamble, &sections, out);
    // Failed steps still get a section (with their error) even without figures.
    for (s, o) in steps.iter().zip(outcomes) {
        if o.drawn.is_empty() && o.failed.is_empty() {
            if let Some(e) = &o.error {
                let _ = writeln!(
                    md,
                    "## {}\n\n**Step `{}` failed:** {}\n",
                    s.title,
                    s.name,
                    e.replace('\n', " ")
                );
            }
        }
    }
    md
}

/// The study's `manifest.json`.
pub(super) fn manifest(
    study: &Study,
    outcomes: &[StepOutcome],
    seed: Option<u64>,
    seconds: f64,
    out: &Path,
) -> Manifest {
    let mut manifest = Manifest::for_current_process();
    manifest.add_input(&study.path);
    for s in &study.steps {
        for p in &s.inputs {
            manifest.add_input(p);
        }
    }
    manifest.seed = seed;
    let extra = &mut manifest.extra;
    extra.insert("command".into(), "reproduce".into());
    extra.insert("quick".into(), study.quick.into());
    extra.insert("threads".into(), rayon::current_num_threads().into());
    extra.insert("seconds".into(), seconds.into());
    extra.insert(
        "steps".into(),
        serde_json::json!(study
            .steps
            .iter()
            .zip(outcomes)
            .map(|(s, o)| serde_json::json!({
                "name": s.name,
                "kind": s.kind.name(),
                "seconds": o.seconds,
                "results": out.join("runs").join(&s.name).display().to_string(),
                "note": o.note,
                "error": o.error,
                "figures": o.drawn.iter().map(|d| d.plan.stem.clone()).collect::<Vec<_>>(),
                "not_drawn": o.failed.iter().map(|f| serde_json::json!({"figure": f.stem, "error": f.message})).collect::<Vec<_>>(),
            }))
            .collect::<Vec<_>>()),
    );
    manifest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previous_figures_come_from_the_manifest_and_stay_in_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        assert!(
            previous_figures(out).is_empty(),
            "no manifest, nothing to remove"
        );
        std::fs::write(
            out.join("manifest.json"),
            r#"{"extra": {"steps": [
                {"name": "a", "figures": ["a-fit", "a-pairs"]},
                {"name": "b", "figures": ["../escape", "sub/x", ""]},
                {"name": "c"}
            ]}}"#,
        )
        .unwrap();
        let found: Vec<String> = previous_figures(out)
            .iter()
            .map(|p| p.strip_prefix(out).unwrap().display().to_string())
            .collect();
        assert_eq!(
            found,
            [
                "a-fit.svg",
                "a-fit.png",
                "a-fit.pdf",
                "a-pairs.svg",
                "a-pairs.png",
                "a-pairs.pdf"
            ]
        );
        for f in ["a-fit.svg", "a-pairs.svg", "keep.svg"] {
            std::fs::write(out.join(f), "x").unwrap();
        }
        remove_stale(&previous_figures(out), &[out.join("a-fit.svg")]);
        assert!(out.join("a-fit.svg").exists());
        assert!(!out.join("a-pairs.svg").exists());
        assert!(out.join("keep.svg").exists(), "not listed: not ours");
    }
}
