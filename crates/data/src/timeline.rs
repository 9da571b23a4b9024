//! Sanction timelines: `data/episodes/<episode>.toml`, the scenario input of the sanctions
//! model for a historical episode.
//!
//! A timeline lists dated **changes** per channel — `trade`, `finance`, `energy` (energy and
//! other export sanctions), `targeted` (persons and entities), `aid` (aid suspension) — each
//! giving the channel's sanction **intensity** in [0, 1] and the **sender coverage** in [0, 1]
//! (the share of the target's relevant trade or finance with the senders applying the measure)
//! from that date on, the senders, what happened, and the public-record source of the date.
//! Intensity and coverage are coding judgements: every change says whether they are
//! (`assumption = true`) or come from a source. Before a channel's first change its intensity
//! and coverage are 0. **Markers** are dated events that are not channel changes (negotiations,
//! policy responses such as capital controls) kept for reference.
//!
//! ```toml
//! [episode]
//! id = "iran_2011"
//! name = "Iran 2011-2016"
//! country = "IRN"
//! data = "iran_2011.csv"
//! window = { start = "2011-01-01", end = "2016-12-31" }
//! notes = "..."
//!
//! [[change]]
//! date = "2012-01-23"
//! channel = "energy"
//! intensity = 0.5
//! coverage = 0.3
//! senders = ["EU"]
//! event = "EU oil embargo adopted"
//! source = "Council Decision 2012/35/CFSP of 23 January 2012"
//! assumption = true
//! ```
//!
//! Errors point at the file, line and column of the offending value.
//!
//! ```
//! use pressure_data::timeline::{Channel, Timeline};
//! let text = r#"
//! [episode]
//! id = "demo"
//! name = "Demo"
//! country = "IRN"
//! data = "demo.csv"
//! window = { start = "2011-01-01", end = "2016-12-31" }
//!
//! [[change]]
//! date = "2012-07-01"
//! channel = "energy"
//! intensity = 0.6
//! coverage = 0.3
//! senders = ["EU"]
//! event = "EU oil embargo in force"
//! source = "Council Decision 2012/35/CFSP"
//! assumption = true
//! "#;
//! let t = Timeline::read_str(text, "demo.toml")?;
//! assert_eq!(t.intensity_at(Channel::Energy, 2012.0), 0.0);
//! assert_eq!(t.intensity_at(Channel::Energy, 2013.0), 0.6);
//! // Breakpoints in model time (origin 2011.0): (time, intensity, coverage).
//! let steps = t.steps(Channel::Energy, 2011.0);
//! assert!((steps[0].0 - (1.0 + 182.0 / 366.0)).abs() < 1e-12);
//! # Ok::<(), pressure_data::DataError>(())
//! ```

use crate::align::Date;
use crate::error::line_col;
use crate::error::{DataError, Result};
use serde::Deserialize;
use std::fmt;
use std::path::Path;
use toml::Spanned;

/// A sanction channel of the model (literature.md section 5.0: s_T, s_F, s_E, s_I, s_A).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// Trade restrictions (imports and exports other than energy).
    Trade,
    /// Financial sanctions (banking, payments, capital markets, asset freezes of the state).
    Finance,
    /// Energy and other export sanctions (oil embargo, export-revenue restrictions).
    Energy,
    /// Targeted measures against persons and entities (travel bans, asset freezes).
    Targeted,
    /// Aid suspension (bilateral aid, multilateral lending).
    Aid,
}

impl Channel {
    /// All channels.
    pub const ALL: [Channel; 5] = [
        Channel::Trade,
        Channel::Finance,
        Channel::Energy,
        Channel::Targeted,
        Channel::Aid,
    ];

    /// Parses the file name of a channel.
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Trade => "trade",
            Channel::Finance => "finance",
            Channel::Energy => "energy",
            Channel::Targeted => "targeted",
            Channel::Aid => "aid",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `[episode]` table of a timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodeInfo {
    /// Episode id; equals the file stem.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Target country (ISO3).
    pub country: String,
    /// The episode's data table (file name in the same folder).
    pub data: String,
    /// Calibration window, first and last day.
    pub window: (Date, Date),
    /// Free-text notes (data caveats, what is missing).
    pub notes: String,
}

/// A change of one channel's intensity and coverage on a date.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelChange {
    /// Date from which the new values hold.
    pub date: Date,
    /// The channel.
    pub channel: Channel,
    /// Intensity in [0, 1] from this date on.
    pub intensity: f64,
    /// Sender coverage in [0, 1] from this date on.
    pub coverage: f64,
    /// Senders applying the measure (`UN`, `US`, `EU`, or a state / organisation name).
    pub senders: Vec<String>,
    /// What happened.
    pub event: String,
    /// Public-record source of the date and the measure.
    pub source: String,
    /// True when intensity and coverage are coding assumptions rather than sourced values.
    pub assumption: bool,
}

/// A dated event that is not a channel change.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Date.
    pub date: Date,
    /// Kind, e.g. `negotiation`, `policy_response`, `political`, `relief`.
    pub kind: String,
    /// What happened.
    pub event: String,
    /// Source.
    pub source: String,
}

/// A validated sanction timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// The file it was read from.
    pub file: String,
    /// The `[episode]` table.
    pub episode: EpisodeInfo,
    /// Channel changes, sorted by date then channel.
    pub changes: Vec<ChannelChange>,
    /// Markers, sorted by date.
    pub markers: Vec<Marker>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    start: Spanned<String>,
    end: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEpisode {
    id: Spanned<String>,
    name: String,
    country: Spanned<String>,
    data: String,
    window: Spanned<RawWindow>,
    #[serde(default)]
    notes: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChange {
    date: Spanned<String>,
    channel: Spanned<String>,
    intensity: Spanned<f64>,
    coverage: Spanned<f64>,
    senders: Spanned<Vec<String>>,
    event: Spanned<String>,
    source: Spanned<String>,
    assumption: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMarker {
    date: Spanned<String>,
    kind: String,
    event: String,
    source: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTimeline {
    episode: RawEpisode,
    /// Free-text description of the coding scales (documentation only).
    #[serde(default)]
    #[allow(dead_code)]
    coding: Option<toml::Table>,
    #[serde(default)]
    change: Vec<RawChange>,
    #[serde(default)]
    marker: Vec<RawMarker>,
}

impl Timeline {
    /// Reads and validates a timeline file.
    pub fn read_path(path: impl AsRef<Path>) -> Result<Timeline> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| DataError::Io {
            file: name.clone(),
            source,
        })?;
        Timeline::read_str(&text, &name)
    }

    /// Parses and validates timeline TOML; `name` stands for the file in messages.
    pub fn read_str(text: &str, name: &str) -> Result<Timeline> {
        let err_at = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            DataError::Toml {
                file: name.to_owned(),
                line,
                column,
                message,
            }
        };
        let raw: RawTimeline = toml::from_str(text).map_err(|e| {
            err_at(
                e.span().map_or(0, |s| s.start),
                e.message().trim().to_owned(),
            )
        })?;
        let date = |s: &Spanned<String>| {
            Date::parse(s.get_ref()).ok_or_else(|| {
                err_at(
                    s.span().start,
                    format!(
                        "`{}` is not a valid date (expected YYYY-MM-DD)",
                        s.get_ref()
                    ),
                )
            })
        };
        let nonempty = |s: &Spanned<String>, what: &str| {
            if s.get_ref().trim().is_empty() {
                Err(err_at(s.span().start, format!("{what} must not be empty")))
            } else {
                Ok(s.get_ref().clone())
            }
        };

        let e = &raw.episode;
        let country = e.country.get_ref();
        if !(country.len() == 3 && country.bytes().all(|b| b.is_ascii_uppercase())) {
            return Err(err_at(
                e.country.span().start,
                format!("country `{country}` is not an ISO3 code"),
            ));
        }
        let window = (
            date(&e.window.get_ref().start)?,
            date(&e.window.get_ref().end)?,
        );
        if window.0 >= window.1 {
            return Err(err_at(
                e.window.span().start,
                format!(
                    "window start {} is not before its end {}",
                    window.0, window.1
                ),
            ));
        }
        let episode = EpisodeInfo {
            id: nonempty(&e.id, "episode id")?,
            name: e.name.clone(),
            country: country.clone(),
            data: e.data.clone(),
            window,
            notes: e.notes.clone(),
        };

        let mut changes = Vec::with_capacity(raw.change.len());
        for c in &raw.change {
            let channel = Channel::parse(c.channel.get_ref()).ok_or_else(|| {
                err_at(
                    c.channel.span().start,
                    format!(
                        "unknown channel `{}` (expected trade, finance, energy, targeted or aid)",
                        c.channel.get_ref()
                    ),
                )
            })?;
            for (v, what) in [(&c.intensity, "intensity"), (&c.coverage, "coverage")] {
                if !(0.0..=1.0).contains(v.get_ref()) {
                    return Err(err_at(
                        v.span().start,
                        format!("{what} {} is outside [0, 1]", v.get_ref()),
                    ));
                }
            }
            if c.senders.get_ref().is_empty()
                || c.senders.get_ref().iter().any(|s| s.trim().is_empty())
            {
                return Err(err_at(
                    c.senders.span().start,
                    "senders must list at least one non-empty name".into(),
                ));
            }
            let d = date(&c.date)?;
            if let Some(prev) = changes
                .iter()
                .find(|p: &&ChannelChange| p.channel == channel && p.date == d)
            {
                return Err(err_at(
                    c.date.span().start,
                    format!(
                        "a second {channel} change on {d} (the first says: {}); merge them",
                        prev.event
                    ),
                ));
            }
            changes.push(ChannelChange {
                date: d,
                channel,
                intensity: *c.intensity.get_ref(),
                coverage: *c.coverage.get_ref(),
                senders: c.senders.get_ref().clone(),
                event: nonempty(&c.event, "event")?,
                source: nonempty(&c.source, "source")?,
                assumption: c.assumption,
            });
        }
        changes.sort_by_key(|c| (c.date, c.channel));
        let mut markers = Vec::with_capacity(raw.marker.len());
        for m in &raw.marker {
            markers.push(Marker {
                date: date(&m.date)?,
                kind: m.kind.clone(),
                event: m.event.clone(),
                source: nonempty(&m.source, "source")?,
            });
        }
        markers.sort_by_key(|m| m.date);
        Ok(Timeline {
            file: name.to_owned(),
            episode,
            changes,
            markers,
        })
    }

    /// The changes of one channel, by date.
    pub fn changes_for(&self, channel: Channel) -> impl Iterator<Item = &ChannelChange> + '_ {
        self.changes.iter().filter(move |c| c.channel == channel)
    }

    fn level_at(&self, channel: Channel, t: f64) -> Option<&ChannelChange> {
        self.changes_for(channel)
            .take_while(|c| c.date.decimal_year() <= t)
            .last()
    }

    /// The channel's intensity at decimal year `t` (0 before its first change).
    pub fn intensity_at(&self, channel: Channel, t: f64) -> f64 {
        self.level_at(channel, t).map_or(0.0, |c| c.intensity)
    }

    /// The channel's sender coverage at decimal year `t` (0 before its first change).
    pub fn coverage_at(&self, channel: Channel, t: f64) -> f64 {
        self.level_at(channel, t).map_or(0.0, |c| c.coverage)
    }

    /// The channel's step function in model time: `(time, intensity, coverage)` at each change
    /// (time = decimal year of the change date minus `origin`); each level holds until the next
    /// entry. Before the first entry the level is 0.
    pub fn steps(&self, channel: Channel, origin: f64) -> Vec<(f64, f64, f64)> {
        self.changes_for(channel)
            .map(|c| (c.date.decimal_year() - origin, c.intensity, c.coverage))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EP: &str = "[episode]\nid = \"x\"\nname = \"X\"\ncountry = \"IRN\"\ndata = \"x.csv\"\nwindow = { start = \"2011-01-01\", end = \"2016-12-31\" }\n";

    fn change(date: &str, channel: &str, intensity: &str) -> String {
        format!("\n[[change]]\ndate = \"{date}\"\nchannel = \"{channel}\"\nintensity = {intensity}\ncoverage = 0.5\nsenders = [\"EU\"]\nevent = \"e\"\nsource = \"s\"\nassumption = true\n")
    }

    fn read(body: &str) -> Result<Timeline> {
        Timeline::read_str(&format!("{EP}{body}"), "t.toml")
    }

    #[test]
    fn step_functions() {
        let t = read(
            &(change("2012-07-01", "energy", "0.6")
                + &change("2016-01-16", "energy", "0.1")
                + &change("2012-03-17", "finance", "0.7")),
        )
        .unwrap();
        assert_eq!(t.changes.len(), 3);
        assert_eq!(t.changes[0].channel, Channel::Finance); // sorted by date
        assert_eq!(t.intensity_at(Channel::Energy, 2012.4), 0.0);
        assert_eq!(t.intensity_at(Channel::Energy, 2012.6), 0.6);
        assert_eq!(t.intensity_at(Channel::Energy, 2017.0), 0.1);
        assert_eq!(t.coverage_at(Channel::Energy, 2017.0), 0.5);
        assert_eq!(t.intensity_at(Channel::Trade, 2017.0), 0.0);
        assert_eq!(t.steps(Channel::Energy, 0.0).len(), 2);
    }

    fn err(body: &str) -> String {
        read(body).unwrap_err().to_string()
    }

    #[test]
    fn errors_point_at_line_and_column() {
        // The EP header has 6 lines; a change starts at line 8.
        let e = err(&change("2012-07-01", "oil", "0.6"));
        assert!(e.starts_with("t.toml:10:11: unknown channel `oil`"), "{e}");
        let e = err(&change("2012-07-01", "energy", "1.5"));
        assert!(
            e.starts_with("t.toml:11:13: intensity 1.5 is outside [0, 1]"),
            "{e}"
        );
        let e = err(&change("2012-13-01", "energy", "0.5"));
        assert!(
            e.starts_with("t.toml:9:8: `2012-13-01` is not a valid date"),
            "{e}"
        );
        let e =
            err(&(change("2012-07-01", "energy", "0.5") + &change("2012-07-01", "energy", "0.6")));
        assert!(e.contains("a second energy change on 2012-07-01"), "{e}");
        let e = err("\n[[change]]\ndate = \"2012-07-01\"\n");
        assert!(e.starts_with("t.toml:"), "{e}");
        assert!(e.contains("missing field"), "{e}");
        let e = err(&change("2012-07-01", "energy", "0.5").replace("assumption", "asumption"));
        assert!(e.contains("unknown field"), "{e}");
        let e = Timeline::read_str(&EP.replace("2011-01-01", "2017-01-01"), "t.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("window start 2017-01-01 is not before its end"),
            "{e}"
        );
        let e = Timeline::read_str(&EP.replace("IRN", "Iran"), "t.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.toml:4:11: country `Iran`"), "{e}");
    }
}
