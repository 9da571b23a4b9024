//! The study file (`experiments/reproduce.toml`): its steps, typed by kind.
//!
//! A step's `kind` decides which fields it may have; a field meant for another kind (say
//! `multistart` on a sensitivity step, or `model` on a calibration) is an error naming the file,
//! line and column, found before anything runs. `[step.set]` changes the experiment's settings
//! for the full study; `[step.quick]` changes them further for `--quick`.

use serde::Deserialize;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The kind of a step: which command's library code it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// `pressure calibrate`: an experiment fitted to data, with its uncertainty.
    Calibrate,
    /// `pressure run --scenario ...`: sanction designs compared on one model.
    Scenarios,
    /// `pressure sensitivity`: a global sensitivity analysis.
    Sensitivity,
    /// `pressure estimate`: panel estimates of a spec file.
    Estimate,
}

impl StepKind {
    /// The lower-case name used in the study file, the index and the manifest.
    pub fn name(self) -> &'static str {
        match self {
            StepKind::Calibrate => "calibrate",
            StepKind::Scenarios => "scenarios",
            StepKind::Sensitivity => "sensitivity",
            StepKind::Estimate => "estimate",
        }
    }
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a calibration step runs, with the settings the study changes (`None`: the
/// experiment's own).
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrateConfig {
    /// The calibration experiment.
    pub file: PathBuf,
    /// Latin-hypercube starts.
    pub multistart: Option<usize>,
    /// Bootstrap replicates.
    pub bootstrap: Option<usize>,
    /// Profile likelihoods on or off.
    pub profile: Option<bool>,
    /// Iteration limit of the optimiser per start.
    pub max_iterations: Option<usize>,
    /// MCMC chains (asking for chains or iterations turns MCMC on, flat priors within the
    /// bounds unless the experiment gives priors).
    pub mcmc_chains: Option<usize>,
    /// MCMC iterations per chain.
    pub mcmc_iterations: Option<usize>,
    /// Posterior draws rerun for the bands of the fit figures (0: none).
    pub bands: usize,
    /// Posterior draws rerun for counterfactuals and holdout forecasts (default: the
    /// experiment's `[counterfactual] draws`).
    pub counterfactual_draws: Option<usize>,
    /// An earlier estimate step whose `synth_episodes.csv` gives the synthetic-control
    /// benchmarks of the counterfactuals.
    pub synth_from: Option<String>,
}

/// Posterior draws rerun for the fit bands when a calibration step does not say (`bands`).
pub const DEFAULT_BAND_DRAWS: usize = 200;

/// What a sensitivity step runs.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityConfig {
    /// The sensitivity experiment.
    pub file: PathBuf,
    /// Morris trajectories, Sobol' base points or Monte Carlo runs.
    pub n: Option<usize>,
    /// Bootstrap resamples.
    pub bootstrap: Option<usize>,
    /// Morris: candidate trajectories for the improved-spread selection (0: plain random
    /// trajectories). The selection compares every pair of candidates point by point, so its
    /// cost grows with candidates² × (parameters + 1)² × parameters.
    pub candidates: Option<usize>,
}

/// What an estimate step runs.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateConfig {
    /// The estimation spec.
    pub file: PathBuf,
}

/// What a scenarios step runs: every scenario on the model with its presets.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenariosConfig {
    /// The model file.
    pub model: PathBuf,
    /// Scenario files applied to every run first (e.g. the regime type).
    pub presets: Vec<PathBuf>,
    /// The scenarios compared, one run each.
    pub scenarios: Vec<PathBuf>,
    /// The variables drawn.
    pub variables: Vec<String>,
    /// Take the estimates of this earlier calibration step.
    pub parameters_from: Option<String>,
}

/// A step's configuration, by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum StepConfig {
    /// See [`CalibrateConfig`].
    Calibrate(CalibrateConfig),
    /// See [`ScenariosConfig`].
    Scenarios(ScenariosConfig),
    /// See [`SensitivityConfig`].
    Sensitivity(SensitivityConfig),
    /// See [`EstimateConfig`].
    Estimate(EstimateConfig),
}

impl StepConfig {
    /// The step's kind.
    pub fn kind(&self) -> StepKind {
        match self {
            StepConfig::Calibrate(_) => StepKind::Calibrate,
            StepConfig::Scenarios(_) => StepKind::Scenarios,
            StepConfig::Sensitivity(_) => StepKind::Sensitivity,
            StepConfig::Estimate(_) => StepKind::Estimate,
        }
    }
}

/// One step of the study file, with `[step.set]` (and, for `--quick`, `[step.quick]`)
/// applied. Paths are resolved against the study file's folder.
#[derive(Debug, Clone, PartialEq)]
pub struct StepSpec {
    /// The step's name: names its results folder and prefixes its figures.
    pub name: String,
    /// Section heading in the index (default: the name).
    pub title: String,
    /// What the step runs.
    pub config: StepConfig,
}

/// The study file, parsed and checked (not yet loaded: see [`super::Study::load`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StudyFile {
    /// The study's title (the index's heading).
    pub title: String,
    /// A paragraph for the index.
    pub description: Option<String>,
    /// The steps to run, in order (without those `skip`ped).
    pub steps: Vec<StepSpec>,
    /// Names of the steps left out (`skip = true`); later steps may still name them.
    pub skipped: Vec<String>,
}

/// A study file that cannot be used: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudyFileError {
    /// The study file.
    pub path: PathBuf,
    /// 1-based line and column of the offending text, when known.
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for StudyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(
                f,
                "{}:{line}:{column}: {}",
                self.path.display(),
                self.message
            ),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for StudyFileError {}

// ---------------------------------------------------------------------------------------------
// The file as written.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStudy {
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(rename = "step")]
    steps: Vec<RawStep>,
}

/// A field's name, where it is written, and the kinds of step it is meant for.
type Given = (&'static str, Range<usize>, &'static [StepKind]);

/// Declares a table of the study file whose kind-specific fields are `Option<Spanned<T>>`,
/// each with the kinds of step it is meant for, and derives from that one list `given()` (the
/// fields written, for the one check in [`parse`]) and, for a table of settings only, `over()`
/// (`self` over `base`: a setting given here wins). Fields before the `;` are not
/// kind-specific.
macro_rules! kinded_table {
    (
        $(#[$meta:meta])*
        struct $name:ident {
            $( $(#[$pmeta:meta])* $plain:ident: $pty:ty, )*
            ;
            $( $field:ident: $fty:ty => $kinds:expr, )*
        }
    ) => {
        $(#[$meta])*
        struct $name {
            $( $(#[$pmeta])* $plain: $pty, )*
            $( $field: Option<Spanned<$fty>>, )*
        }

        impl $name {
            /// Every kind-specific field written.
            fn given(&self) -> Vec<Given> {
                let mut out: Vec<Given> = Vec::new();
                $(
                    if let Some(f) = &self.$field {
                        out.push((stringify!($field), f.span(), $kinds));
                    }
                )*
                out
            }
        }
    };
    (
        $(#[$meta:meta])*
        struct $name:ident {
            $( $field:ident: $fty:ty => $kinds:expr, )*
        }
    ) => {
        kinded_table! {
            $(#[$meta])*
            struct $name { ; $( $field: $fty => $kinds, )* }
        }

        impl $name {
            fn over(self, base: $name) -> $name {
                $name { $( $field: self.$field.or(base.$field), )* }
            }
        }
    };
}

use StepKind::{Calibrate as C, Estimate as E, Scenarios as Sc, Sensitivity as Se};

/// The kinds a field is meant for.
const ANY: &[StepKind] = &[C, Sc, Se, E];
const WITH_FILE: &[StepKind] = &[C, Se, E];
const CALIBRATE: &[StepKind] = &[C];
const SENSITIVITY: &[StepKind] = &[Se];
const SCENARIOS: &[StepKind] = &[Sc];
const RESAMPLED: &[StepKind] = &[Se, C];

kinded_table! {
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawStep {
        name: Spanned<String>,
        kind: StepKind,
        title: Option<String>,
        #[serde(default)]
        set: RawSettings,
        #[serde(default)]
        quick: RawSettings,
        ;
        file: PathBuf => WITH_FILE,
        model: PathBuf => SCENARIOS,
        presets: Vec<PathBuf> => SCENARIOS,
        variables: Vec<String> => SCENARIOS,
        parameters_from: String => SCENARIOS,
    }
}

kinded_table! {
    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawSettings {
        skip: bool => ANY,
        file: PathBuf => WITH_FILE,
        n: usize => SENSITIVITY,
        bootstrap: usize => RESAMPLED,
        candidates: usize => SENSITIVITY,
        multistart: usize => CALIBRATE,
        mcmc_chains: usize => CALIBRATE,
        mcmc_iterations: usize => CALIBRATE,
        profile: bool => CALIBRATE,
        max_iterations: usize => CALIBRATE,
        bands: usize => CALIBRATE,
        counterfactual_draws: usize => CALIBRATE,
        synth_from: String => CALIBRATE,
        scenarios: Vec<PathBuf> => SCENARIOS,
    }
}

fn value<T: Clone>(s: &Option<Spanned<T>>) -> Option<T> {
    s.as_ref().map(|s| s.get_ref().clone())
}

/// `p` relative to `base` unless it is absolute.
fn resolve_path(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// 1-based line and column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Parses and checks a study file's text (`path` names it in errors and resolves its relative
/// paths). With `quick`, `[step.quick]` applies over `[step.set]`.
pub fn parse(text: &str, path: &Path, quick: bool) -> Result<StudyFile, StudyFileError> {
    let error = |span: Option<Range<usize>>, message: String| StudyFileError {
        path: path.to_path_buf(),
        position: span.map(|s| line_column(text, s.start)),
        message,
    };
    let raw: RawStudy = toml::from_str(text).map_err(|e| {
        // toml's message carries its own snippet; keep its first line as the message.
        let message = e.message().to_string();
        error(e.span(), message)
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    let resolve = |p: &PathBuf| -> PathBuf { resolve_path(base, p) };
    let mut steps = Vec::new();
    let mut skipped = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for step in raw.steps {
        let name = step.name.get_ref().clone();
        let name_span = Some(step.name.span());
        if names.contains(&name) {
            return Err(error(name_span, format!("two steps are named `{name}`")));
        }
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(error(
                name_span,
                format!("step name `{name}` must be letters, digits, - or _ (it names files)"),
            ));
        }
        let kind = step.kind;
        // Fields meant for another kind, in the step and in both settings tables (a setting
        // in `[step.quick]` is checked even when the full study is run).
        let mut given = step.given();
        given.extend(step.set.given());
        given.extend(step.quick.given());
        if let Some((field, span, kinds)) = given.iter().find(|(_, _, k)| !k.contains(&kind)) {
            let meant: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
            return Err(error(
                Some(span.clone()),
                format!(
                    "step `{name}`: `{field}` is not a setting of a {kind} step (it is meant for {} steps)",
                    meant.join(" and ")
                ),
            ));
        }
        let settings = if quick {
            step.quick.clone().over(step.set.clone())
        } else {
            step.set.clone()
        };
        if value(&settings.skip) == Some(true) {
            names.push(name.clone());
            skipped.push(name);
            continue;
        }
        let earlier =
            |field: &str, s: &Option<Spanned<String>>| -> Result<Option<String>, StudyFileError> {
                match s {
                    Some(from) if !names.contains(from.get_ref()) => Err(error(
                        Some(from.span()),
                        format!(
                            "step `{name}`: {field} = `{}` names no earlier step",
                            from.get_ref()
                        ),
                    )),
                    other => Ok(value(other)),
                }
            };
        let file = settings
            .file
            .as_ref()
            .or(step.file.as_ref())
            .map(|f| resolve(f.get_ref()));
        let need_file = || {
            file.clone().ok_or_else(|| {
                error(
                    name_span.clone(),
                    format!("step `{name}`: a {kind} step needs `file` (the experiment or spec)"),
                )
            })
        };
        let config = match kind {
            StepKind::Calibrate => StepConfig::Calibrate(CalibrateConfig {
                file: need_file()?,
                multistart: value(&settings.multistart),
                bootstrap: value(&settings.bootstrap),
                profile: value(&settings.profile),
                max_iterations: value(&settings.max_iterations),
                mcmc_chains: value(&settings.mcmc_chains),
                mcmc_iterations: value(&settings.mcmc_iterations),
                bands: value(&settings.bands).unwrap_or(DEFAULT_BAND_DRAWS),
                counterfactual_draws: value(&settings.counterfactual_draws),
                synth_from: earlier("synth_from", &settings.synth_from)?,
            }),
            StepKind::Sensitivity => StepConfig::Sensitivity(SensitivityConfig {
                file: need_file()?,
                n: value(&settings.n),
                bootstrap: value(&settings.bootstrap),
                candidates: value(&settings.candidates),
            }),
            StepKind::Estimate => StepConfig::Estimate(EstimateConfig { file: need_file()? }),
            StepKind::Scenarios => {
                let model = step.model.as_ref().ok_or_else(|| {
                    error(
                        name_span.clone(),
                        format!("step `{name}`: a scenarios step needs `model`"),
                    )
                })?;
                let scenarios = value(&settings.scenarios).unwrap_or_default();
                if scenarios.is_empty() {
                    return Err(error(
                        name_span,
                        format!("step `{name}`: list the `scenarios` to compare"),
                    ));
                }
                let variables = value(&step.variables).unwrap_or_default();
                if variables.is_empty() {
                    return Err(error(
                        name_span,
                        format!("step `{name}`: list the `variables` to draw"),
                    ));
                }
                StepConfig::Scenarios(ScenariosConfig {
                    model: resolve(model.get_ref()),
                    presets: value(&step.presets)
                        .unwrap_or_default()
                        .iter()
                        .map(resolve)
                        .collect(),
                    scenarios: scenarios.iter().map(resolve).collect(),
                    variables,
                    parameters_from: earlier("parameters_from", &step.parameters_from)?,
                })
            }
        };
        names.push(name.clone());
        steps.push(StepSpec {
            title: step.title.clone().unwrap_or_else(|| name.clone()),
            name,
            config,
        });
    }
    Ok(StudyFile {
        title: raw.title,
        description: raw.description,
        steps,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENS: &str = "[[step]]\nname = \"m\"\nkind = \"sensitivity\"\nfile = \"m.toml\"\n";

    fn parse_err(text: &str) -> StudyFileError {
        parse(text, Path::new("dir/study.toml"), false).unwrap_err()
    }

    #[test]
    fn a_setting_of_another_kind_is_an_error_at_its_line_and_column() {
        let text = format!("title = \"t\"\n{SENS}[step.set]\nn = 4\nmultistart = 3\n");
        let e = parse_err(&text);
        assert_eq!(e.position, Some((8, 14)), "{e}");
        assert!(e
            .message
            .contains("`multistart` is not a setting of a sensitivity step"));
        assert!(e.message.contains("calibrate steps"), "{e}");
        assert!(e.to_string().starts_with("dir/study.toml:8:14: "), "{e}");
    }

    #[test]
    fn a_step_field_of_another_kind_is_an_error_even_in_quick_only_settings() {
        let e = parse_err(&format!("title = \"t\"\n{SENS}model = \"x.toml\"\n"));
        assert_eq!(e.position, Some((6, 9)), "{e}");
        assert!(e.message.contains("`model`"), "{e}");
        let e = parse_err(&format!(
            "title = \"t\"\n{SENS}[step.quick]\nscenarios = []\n"
        ));
        assert_eq!(e.position, Some((7, 13)), "{e}");
        assert!(e.message.contains("`scenarios`"), "{e}");
    }

    #[test]
    fn unknown_fields_and_kinds_name_their_position() {
        let e = parse_err("title = \"t\"\ncolour = \"red\"\n");
        assert_eq!(e.position, Some((2, 1)), "{e}");
        assert!(e.message.contains("colour"), "{e}");
        let e = parse_err("title = \"t\"\n[[step]]\nname = \"x\"\nkind = \"bake\"\n");
        assert_eq!(e.position.map(|p| p.0), Some(4), "{e}");
        assert!(e.message.contains("bake"), "{e}");
    }

    #[test]
    fn quick_settings_apply_over_the_full_ones_and_paths_resolve_against_the_file() {
        let text = format!(
            "title = \"t\"\n{SENS}[step.set]\nn = 20\nbootstrap = 9\n[step.quick]\nn = 4\n"
        );
        let full = parse(&text, Path::new("dir/study.toml"), false).unwrap();
        let quick = parse(&text, Path::new("dir/study.toml"), true).unwrap();
        let config = |s: &StudyFile| match &s.steps[0].config {
            StepConfig::Sensitivity(c) => c.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(config(&full).n, Some(20));
        assert_eq!(config(&quick).n, Some(4));
        assert_eq!(config(&quick).bootstrap, Some(9));
        assert_eq!(config(&quick).file, Path::new("dir/m.toml"));
    }

    #[test]
    fn skipped_steps_can_be_named_by_later_steps_but_unknown_ones_cannot() {
        let cal = "[[step]]\nname = \"c\"\nkind = \"calibrate\"\nfile = \"c.toml\"\n";
        let text = format!(
            "title = \"t\"\n[[step]]\nname = \"e\"\nkind = \"estimate\"\nfile = \"e.toml\"\n[step.quick]\nskip = true\n{cal}[step.set]\nsynth_from = \"e\"\n"
        );
        let quick = parse(&text, Path::new("s.toml"), true).unwrap();
        assert_eq!(quick.skipped, ["e"]);
        assert_eq!(quick.steps.len(), 1);
        let bad = text.replace("synth_from = \"e\"", "synth_from = \"f\"");
        let e = parse(&bad, Path::new("s.toml"), true).unwrap_err();
        assert!(e.message.contains("names no earlier step"), "{e}");
        assert_eq!(e.position, Some((13, 14)), "{e}");
    }
}
