//! The sanction timeline of an episode as the scenario of its runs.
//!
//! An `[[episode]]`'s `timeline` table maps timeline channels to model variables:
//!
//! * `energy = "x"`: the channel's intensity (0..1) as a step function;
//! * `energy_coverage = "x"`: the senders' coverage of the channel;
//! * `energy_pressure = "x"`: intensity × coverage (for a model with one coverage input for
//!   every channel: map the products and hold the model's coverage at 1).
//!
//! The target may be an exogenous series of the model. It may also be an auxiliary or a
//! constant of the model's root file (the coupled sanctions model computes its channel
//! intensities from an onset time and one level per channel): such a target is replaced, for
//! this experiment only, by an exogenous series before the model is compiled, so the
//! historical dates and levels drive the run instead of the stylised onset. Declared feedback
//! loops that pass through a replaced variable are dropped from the experiment's copy (they
//! are documentation and structure checks, not part of a run).

use crate::error::CalibrateError;
use pressure_data::timeline::{Channel, Timeline};
use pressure_model::{Interpolation, Model, Series, VarKind};
use std::collections::BTreeSet;
use std::path::Path;

fn input_error(msg: impl Into<String>) -> CalibrateError {
    CalibrateError::InvalidInput(msg.into())
}

/// What of a channel a timeline key maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChannelPart {
    Intensity,
    Coverage,
    Pressure,
}

/// Parses a timeline key: `energy`, `energy_coverage`, `energy_pressure`.
pub(crate) fn parse_key(key: &str) -> Option<(Channel, ChannelPart)> {
    let (name, part) = if let Some(c) = key.strip_suffix("_coverage") {
        (c, ChannelPart::Coverage)
    } else if let Some(c) = key.strip_suffix("_pressure") {
        (c, ChannelPart::Pressure)
    } else {
        (key, ChannelPart::Intensity)
    };
    Channel::parse(name).map(|c| (c, part))
}

/// The channel's step series in model time, starting at 0 from before `start`.
pub(crate) fn channel_series(
    timeline: &Timeline,
    channel: Channel,
    part: ChannelPart,
    origin: f64,
    start: f64,
    key: &str,
) -> Series {
    let steps = timeline.steps(channel, origin);
    let first = steps.first().map_or(start, |s| s.0);
    let mut time = vec![start.min(first) - 1.0];
    let mut values = vec![0.0];
    for (t, intensity, coverage) in steps {
        let v = match part {
            ChannelPart::Intensity => intensity,
            ChannelPart::Coverage => coverage,
            ChannelPart::Pressure => intensity * coverage,
        };
        if t > *time.last().expect("starts with one point") {
            time.push(t);
            values.push(v);
        } else {
            // Two changes on one day: the later entry holds.
            *values.last_mut().expect("starts with one point") = v;
        }
    }
    Series {
        time,
        values,
        interpolation: Interpolation::Step,
        origin: format!("{} ({key})", timeline.file),
    }
}

/// Loads the model; timeline targets that are root-file auxiliaries or constants become
/// exogenous series (see the module docs). Errors name the experiment file.
///
/// A replaced variable holds, in an episode that does not drive it, 0 where it was an
/// auxiliary (a sanction input: no sanctions) and its value where it was a constant (an
/// input such as a recorded exchange rate keeps the model's default). An auxiliary that data
/// drive in some episodes only (`partial`) is an error: its equation is gone, and 0 is no
/// default for an input such as the oil price.
pub(crate) fn load_model(
    model_path: &Path,
    targets: &BTreeSet<String>,
    partial: &BTreeSet<String>,
    experiment: &Path,
) -> Result<Model, CalibrateError> {
    // TOML or Vensim .mdl (pressure_interop picks the reader by extension).
    let ir = pressure_interop::load(model_path).map_err(|e| input_error(e.to_string()))?;
    let mut replace = Vec::new();
    for name in targets {
        let var = ir.variables.iter().find(|v| v.name == *name);
        match var.map(|v| (&v.kind, v.module.is_none(), v.dims.is_empty())) {
            Some((VarKind::Exogenous(_), _, _)) => {}
            Some((VarKind::Aux(_), true, true)) if partial.contains(name) => {
                return Err(input_error(format!(
                    "{}: the auxiliary `{name}` of model {} is driven by data in some episodes but not in all; its equation is replaced by the data, so every episode needs a series for it (`exogenous = {{ {name} = {{ series = ..., unit = ... }} }}`)",
                    experiment.display(),
                    model_path.display()
                )))
            }
            Some((VarKind::Aux(_) | VarKind::Constant(_), true, true)) => replace.push(name),
            Some((kind, _, _)) => {
                return Err(input_error(format!(
                    "{}: input `{name}` driven by the timeline or by data is a {} of model {}; a timeline or a data series can drive an exogenous series, or a scalar auxiliary or constant of the model's root file",
                    experiment.display(),
                    kind.name(),
                    model_path.display()
                )))
            }
            None => {
                let hint = pressure_model::nearest(name, ir.variables.iter().map(|v| v.name.as_str()))
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(input_error(format!(
                    "{}: input `{name}` driven by the timeline or by data is not a variable of model {}{hint}",
                    experiment.display(),
                    model_path.display()
                )));
            }
        }
    }
    if replace.is_empty() {
        return Ok(ir);
    }
    let text = std::fs::read_to_string(model_path)
        .map_err(|e| input_error(format!("cannot read {}: {e}", model_path.display())))?;
    let mut doc: toml::Table =
        toml::from_str(&text).map_err(|e| input_error(format!("{}: {e}", model_path.display())))?;
    let (start, stop) = (ir.settings.start, ir.settings.stop);
    for name in &replace {
        let mut units = None;
        let mut default = 0.0;
        for section in ["aux", "constants"] {
            if let Some(toml::Value::Table(t)) = doc.get_mut(section) {
                if let Some(toml::Value::Table(old)) = t.remove(name.as_str()) {
                    units = old.get("units").cloned();
                    if section == "constants" {
                        default = match old.get("value") {
                            Some(toml::Value::Float(v)) => *v,
                            Some(toml::Value::Integer(v)) => *v as f64,
                            _ => 0.0,
                        };
                    }
                }
            }
        }
        let mut series = toml::Table::new();
        series.insert(
            "points".into(),
            toml::Value::Array(
                [start, stop]
                    .iter()
                    .map(|t| toml::Value::Array(vec![(*t).into(), default.into()]))
                    .collect(),
            ),
        );
        series.insert("interpolation".into(), "step".into());
        if let Some(u) = units {
            series.insert("units".into(), u);
        }
        series.insert(
            "doc".into(),
            "Replaced by the episode's sanction timeline or data series (calibration experiment)."
                .into(),
        );
        series.insert("source".into(), "episode sanction timeline or data".into());
        let exo = doc
            .entry("exogenous")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let toml::Value::Table(t) = exo {
            t.insert((*name).clone(), toml::Value::Table(series));
        }
    }
    if let Some(toml::Value::Table(loops)) = doc.get_mut("loops") {
        loops.retain(|_, l| {
            !l.get("variables")
                .and_then(|v| v.as_array())
                .is_some_and(|vars| {
                    vars.iter()
                        .any(|v| v.as_str().is_some_and(|s| replace.iter().any(|r| *r == s)))
                })
        });
    }
    let new_text =
        toml::to_string(&doc).map_err(|e| input_error(format!("{}: {e}", model_path.display())))?;
    pressure_model::load_str(model_path, &new_text).map_err(|e| {
        input_error(format!(
            "{} with the timeline targets {} made exogenous: {e}",
            model_path.display(),
            replace
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}
