//! Episode tables: `data/episodes/<episode>.csv`, tidy long format
//! `date,series,value,unit,frequency,source`, and their sanction timelines
//! (`<episode>.toml`, see [`crate::timeline`]).
//!
//! Validation on load (every error names the file, the row — header = row 1 — and the column):
//!
//! * the six columns exist; `value` is a number or empty (an explicit missing value);
//! * `frequency` is `annual`, `quarterly`, `monthly`, `daily` or `event`, and `date` is written
//!   in that frequency's format (`YYYY`, `YYYY-Qn`, `YYYY-MM`, `YYYY-MM-DD`) and is a real date;
//! * `unit` is one of [`UNITS`] or a currency pair `XXX_per_USD` (ISO 4217 code);
//! * a series keeps one unit, frequency and source on all its rows;
//! * no `(series, date)` appears twice;
//! * annual, quarterly and monthly series have no gaps: every period between a series' first
//!   and last row has a row (a gap is written as a row with an empty value);
//! * events have a value.
//!
//! ```
//! # let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/episodes");
//! # if !dir.exists() { return Ok(()); }
//! use pressure_data::episode::{Episode, EPISODES};
//! let iran = Episode::load(&dir, "iran_2011")?;
//! let cpi = iran.data.series("cpi_inflation")?;
//! assert_eq!(cpi.unit, "percent");
//! let (dates, values) = (cpi.dates(), cpi.values());
//! assert_eq!(dates.len(), values.len());
//! // Periods in model time for a model whose t = 0 is 1 January 2010:
//! let periods = cpi.model_periods(2010.0);
//! assert_eq!(periods[0].1 - periods[0].0, 1.0);
//! assert_eq!(EPISODES.len(), 5);
//! # Ok::<(), pressure_data::DataError>(())
//! ```

use crate::align::{Frequency, ObsDate};
use crate::error::{DataError, Location, Result};
use crate::table::{ColumnType, ReadOptions, Table};
use crate::timeline::Timeline;
use std::collections::HashMap;
use std::path::Path;

/// The five calibration episodes shipped in `data/episodes/`.
pub const EPISODES: [&str; 5] = [
    "iran_2011",
    "russia_2014",
    "fry_1992",
    "venezuela_2017",
    "south_africa_1985",
];

/// Units accepted in episode tables, besides currency pairs `XXX_per_USD`.
pub const UNITS: &[&str] = &[
    "percent",
    "percent_of_gdp",
    "usd",
    "usd_2015",
    "intl_dollar_2011",
    "count",
    "indicator",
    "index_0_1",
    "code",
    "years",
    "months",
    "share",
    "persons",
    "log_points",
    "usd_per_barrel",
    "million_barrels_per_day",
];

/// True for a unit of [`UNITS`] or `XXX_per_USD` with a three-letter upper-case code.
pub fn is_known_unit(unit: &str) -> bool {
    UNITS.contains(&unit)
        || unit
            .strip_suffix("_per_USD")
            .is_some_and(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
}

/// One observed series of an episode.
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodeSeries {
    /// Series name (e.g. `cpi_inflation`, `fx_parallel`, `leader_exit_irregular`).
    pub name: String,
    /// Unit (see [`UNITS`]).
    pub unit: String,
    /// Observation frequency.
    pub frequency: Frequency,
    /// Source key, explained in `data/SOURCES.md`.
    pub source: String,
    dates: Vec<ObsDate>,
    values: Vec<f64>,
    /// Where each value is in the file (row, column `value`), aligned with `dates`.
    locations: Vec<Location>,
}

impl EpisodeSeries {
    /// Where the value of `date` is in the file (row and column `value`), for messages about
    /// that observation; `None` for a date the series does not have.
    ///
    /// ```
    /// use pressure_data::episode::EpisodeData;
    /// let csv = "date,series,value,unit,frequency,source\n2011,cpi,21.5,percent,annual,W\n2012,cpi,30.6,percent,annual,W\n";
    /// let data = EpisodeData::read_str(csv, "ep.csv")?;
    /// let cpi = data.series("cpi")?;
    /// let at = cpi.location_of(cpi.dates()[1]).unwrap();
    /// assert_eq!(at.to_string(), "ep.csv, row 3 (header is row 1), column 3 `value`");
    /// # Ok::<(), pressure_data::DataError>(())
    /// ```
    pub fn location_of(&self, date: ObsDate) -> Option<&Location> {
        self.dates
            .iter()
            .position(|d| *d == date)
            .map(|i| &self.locations[i])
    }

    /// The observation dates, ascending.
    pub fn dates(&self) -> &[ObsDate] {
        &self.dates
    }

    /// The values (`NaN` = explicit missing value), aligned with [`dates`](Self::dates).
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Each observation's period `[start, end)` in decimal years.
    pub fn periods(&self) -> Vec<(f64, f64)> {
        self.dates.iter().map(|d| d.period()).collect()
    }

    /// Each observation's period in model time (decimal year minus `origin`).
    pub fn model_periods(&self, origin: f64) -> Vec<(f64, f64)> {
        self.dates.iter().map(|d| d.model_period(origin)).collect()
    }

    /// The observations (date, value) whose period lies inside `[from, to)` (decimal years),
    /// skipping missing values.
    pub fn observed_between(&self, from: f64, to: f64) -> Vec<(ObsDate, f64)> {
        self.dates
            .iter()
            .zip(&self.values)
            .filter(|(d, v)| {
                let (a, b) = d.period();
                !v.is_nan() && a >= from && b <= to
            })
            .map(|(d, v)| (*d, *v))
            .collect()
    }

    /// Number of non-missing observations.
    pub fn n_observed(&self) -> usize {
        self.values.iter().filter(|v| !v.is_nan()).count()
    }
}

/// All series of one episode table.
#[derive(Debug, Clone)]
pub struct EpisodeData {
    file: String,
    series: Vec<EpisodeSeries>,
}

impl EpisodeData {
    /// Reads and validates an episode table.
    pub fn read_path(path: impl AsRef<Path>) -> Result<EpisodeData> {
        let t = Table::read_path(path, &options())?;
        Self::from_table(&t)
    }

    /// Reads and validates episode CSV text; `name` stands for the file in messages.
    pub fn read_str(text: &str, name: &str) -> Result<EpisodeData> {
        let t = Table::read_str(text, name, &options())?;
        Self::from_table(&t)
    }

    fn from_table(t: &Table) -> Result<EpisodeData> {
        let series_col = t.text("series")?;
        let (date_col, unit_col) = (t.text("date")?, t.text("unit")?);
        let (freq_col, source_col) = (t.text("frequency")?, t.text("source")?);
        let value_col = t.floats("value")?;
        let invalid = |i: usize, col: &str, message: String| DataError::Invalid {
            at: t.location(i, col),
            message,
        };
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut series: Vec<EpisodeSeries> = Vec::new();
        // For each series, the row numbers of its observations (for gap messages).
        let mut rows: Vec<Vec<usize>> = Vec::new();
        for (i, &value) in value_col.iter().enumerate() {
            let get = |c: &crate::table::TextColumn, name: &str| -> Result<String> {
                c.get(i)
                    .map(str::to_owned)
                    .ok_or_else(|| invalid(i, name, format!("`{name}` must not be empty")))
            };
            let name = get(series_col, "series")?;
            let freq_s = get(freq_col, "frequency")?;
            let frequency = Frequency::parse(&freq_s).ok_or_else(|| {
                invalid(
                    i,
                    "frequency",
                    format!("unknown frequency `{freq_s}` (expected annual, quarterly, monthly, daily or event)"),
                )
            })?;
            let unit = get(unit_col, "unit")?;
            if !is_known_unit(&unit) {
                return Err(invalid(
                    i,
                    "unit",
                    format!(
                        "unknown unit `{unit}` (expected one of {} or a currency pair such as IRR_per_USD)",
                        UNITS.join(", ")
                    ),
                ));
            }
            let source = get(source_col, "source")?;
            let date_s = get(date_col, "date")?;
            let date = ObsDate::parse(&date_s, frequency).ok_or_else(|| {
                invalid(
                    i,
                    "date",
                    format!(
                        "`{date_s}` is not a valid {frequency} date (expected {})",
                        frequency.date_format()
                    ),
                )
            })?;
            if frequency == Frequency::Event && value.is_nan() {
                return Err(invalid(
                    i,
                    "value",
                    "an event needs a value (usually 1)".into(),
                ));
            }
            let k = *index
                .entry(series_col.get(i).unwrap_or(""))
                .or_insert_with(|| {
                    series.push(EpisodeSeries {
                        name: name.clone(),
                        unit: unit.clone(),
                        frequency,
                        source: source.clone(),
                        dates: Vec::new(),
                        values: Vec::new(),
                        locations: Vec::new(),
                    });
                    rows.push(Vec::new());
                    series.len() - 1
                });
            let s = &mut series[k];
            for (col, want, got) in [("unit", &s.unit, &unit), ("source", &s.source, &source)] {
                if want != got {
                    return Err(invalid(
                        i,
                        col,
                        format!("series `{name}` has {col} `{want}` in row {}, `{got}` here: one {col} per series", t.source_row(rows[k][0])),
                    ));
                }
            }
            if s.frequency != frequency {
                return Err(invalid(
                    i,
                    "frequency",
                    format!(
                        "series `{name}` is {} in row {}, {frequency} here: one frequency per series",
                        s.frequency,
                        t.source_row(rows[k][0])
                    ),
                ));
            }
            s.dates.push(date);
            s.values.push(value);
            s.locations.push(t.location(i, "value"));
            rows[k].push(i);
        }
        for (s, r) in series.iter_mut().zip(&rows) {
            sort_and_check(t, s, r)?;
        }
        Ok(EpisodeData {
            file: t.name().to_owned(),
            series,
        })
    }

    /// The file this table was read from.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// All series, in order of first appearance in the file.
    pub fn all_series(&self) -> &[EpisodeSeries] {
        &self.series
    }

    /// Series names.
    pub fn series_names(&self) -> Vec<&str> {
        self.series.iter().map(|s| s.name.as_str()).collect()
    }

    /// The series `name`; the error lists the available ones.
    pub fn series(&self, name: &str) -> Result<&EpisodeSeries> {
        self.series
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| DataError::Invalid {
                at: Location::file(self.file.clone()),
                message: format!(
                    "no series `{name}` (series: {})",
                    self.series_names().join(", ")
                ),
            })
    }
}

fn options() -> ReadOptions {
    ReadOptions::new()
        .column_types(
            ["date", "series", "unit", "frequency", "source"],
            ColumnType::Text,
        )
        .column_type("value", ColumnType::Float)
        .unique_key(["series", "date"])
}

/// Sorts a series by date and checks that regular series have no gaps.
fn sort_and_check(t: &Table, s: &mut EpisodeSeries, rows: &[usize]) -> Result<()> {
    let mut order: Vec<usize> = (0..s.dates.len()).collect();
    order.sort_by_key(|&k| s.dates[k]);
    if s.frequency.is_regular() {
        for w in order.windows(2) {
            let (prev, next) = (s.dates[w[0]], s.dates[w[1]]);
            if prev.next() != next {
                return Err(DataError::Invalid {
                    at: t.location(rows[w[1]], "date"),
                    message: format!(
                        "series `{}` jumps from {prev} (row {}) to {next}: write {} as a row with an empty value",
                        s.name,
                        t.source_row(rows[w[0]]),
                        prev.next()
                    ),
                });
            }
        }
    }
    s.dates = order.iter().map(|&k| s.dates[k]).collect();
    s.values = order.iter().map(|&k| s.values[k]).collect();
    s.locations = order.iter().map(|&k| s.locations[k].clone()).collect();
    Ok(())
}

/// An episode: its observed series and its sanction timeline.
#[derive(Debug, Clone)]
pub struct Episode {
    /// Episode id (file stem), e.g. `iran_2011`.
    pub id: String,
    /// The observed series (`<id>.csv`).
    pub data: EpisodeData,
    /// The sanction timeline and window (`<id>.toml`).
    pub timeline: Timeline,
}

impl Episode {
    /// Loads `<dir>/<id>.csv` and `<dir>/<id>.toml` (normally `dir` = `data/episodes`).
    pub fn load(dir: impl AsRef<Path>, id: &str) -> Result<Episode> {
        let dir = dir.as_ref();
        let data = EpisodeData::read_path(dir.join(format!("{id}.csv")))?;
        let timeline = Timeline::read_path(dir.join(format!("{id}.toml")))?;
        if timeline.episode.id != id {
            return Err(DataError::Invalid {
                at: Location::file(dir.join(format!("{id}.toml")).display().to_string()),
                message: format!(
                    "[episode] id is `{}` but the file is named for `{id}`",
                    timeline.episode.id
                ),
            });
        }
        Ok(Episode {
            id: id.to_owned(),
            data,
            timeline,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "date,series,value,unit,frequency,source\n";

    fn read(body: &str) -> Result<EpisodeData> {
        EpisodeData::read_str(&format!("{HEAD}{body}"), "ep.csv")
    }

    #[test]
    fn reads_mixed_frequencies() {
        let d = read(
            "2012,cpi,27.3,percent,annual,wdi\n2011,cpi,21.5,percent,annual,wdi\n2013,cpi,,percent,annual,wdi\n\
             2012-01,fx,15000,IRR_per_USD,monthly,tgju\n2012-02,fx,16000,IRR_per_USD,monthly,tgju\n\
             2013-08-03,leader_exit_regular,1,count,event,archigos\n2012-Q1,q,1,index_0_1,quarterly,x\n",
        )
        .unwrap();
        let cpi = d.series("cpi").unwrap();
        assert_eq!(cpi.dates()[0].to_string(), "2011"); // sorted
        assert!(cpi.values()[2].is_nan());
        assert_eq!(cpi.n_observed(), 2);
        assert_eq!(d.series("fx").unwrap().frequency, Frequency::Monthly);
        assert_eq!(d.series_names().len(), 4);
        let e = d.series("nope").unwrap_err().to_string();
        assert!(
            e.contains("no series `nope`") && e.contains("cpi, fx"),
            "{e}"
        );
        let obs = cpi.observed_between(2011.0, 2013.0);
        assert_eq!(obs.len(), 2);
    }

    fn err(body: &str) -> String {
        read(body).unwrap_err().to_string()
    }

    #[test]
    fn malformed_date_names_row_and_column() {
        let e = err("2012,cpi,1,percent,annual,wdi\n2013-01,cpi,1,percent,annual,wdi\n");
        assert!(
            e.contains("ep.csv, row 3 (header is row 1), column 1 `date`"),
            "{e}"
        );
        assert!(e.contains("not a valid annual date (expected YYYY)"), "{e}");
        let e = err("2012-02-30,x,1,count,event,a\n");
        assert!(e.contains("row 2") && e.contains("`2012-02-30`"), "{e}");
    }

    #[test]
    fn unknown_unit_and_frequency() {
        let e = err("2012,cpi,1,percents,annual,wdi\n");
        assert!(
            e.contains("row 2 (header is row 1), column 4 `unit`: unknown unit `percents`"),
            "{e}"
        );
        let e = err("2012,fx,1,irr_per_usd,annual,wdi\n");
        assert!(e.contains("unknown unit"), "{e}");
        let e = err("2012,cpi,1,percent,yearly,wdi\n");
        assert!(
            e.contains("column 5 `frequency`: unknown frequency `yearly`"),
            "{e}"
        );
    }

    #[test]
    fn inconsistent_series_metadata() {
        let e = err("2012,cpi,1,percent,annual,wdi\n2013,cpi,1,percent_of_gdp,annual,wdi\n");
        assert!(
            e.contains("row 3") && e.contains("column 4 `unit`") && e.contains("in row 2"),
            "{e}"
        );
        let e = err("2012,cpi,1,percent,annual,wdi\n2013-01,cpi,1,percent,monthly,wdi\n");
        assert!(
            e.contains("row 3") && e.contains("one frequency per series"),
            "{e}"
        );
    }

    #[test]
    fn duplicates_and_gaps() {
        let e = err("2012,cpi,1,percent,annual,wdi\n2012,cpi,2,percent,annual,wdi\n");
        assert!(
            e.contains("row 3")
                && e.contains("duplicate key (series=cpi, date=2012)")
                && e.contains("first seen in row 2"),
            "{e}"
        );
        let e = err("2012,cpi,1,percent,annual,wdi\n2014,cpi,2,percent,annual,wdi\n");
        assert!(e.contains("row 3 (header is row 1), column 1 `date`: series `cpi` jumps from 2012 (row 2) to 2014: write 2013"), "{e}");
        let e = err("2012-11,fx,1,IRR_per_USD,monthly,t\n2013-01,fx,1,IRR_per_USD,monthly,t\n");
        assert!(e.contains("write 2012-12"), "{e}");
        // Daily data and events may have gaps.
        assert!(
            read("2012-01-02,d,1,IRR_per_USD,daily,t\n2012-01-05,d,1,IRR_per_USD,daily,t\n")
                .is_ok()
        );
    }

    #[test]
    fn bad_value_and_empty_event() {
        let e = err("2012,cpi,abc,percent,annual,wdi\n");
        assert!(
            e.contains("row 2 (header is row 1), column 3 `value`: `abc` is not a number"),
            "{e}"
        );
        let e = err("2012-01-01,leader_exit_regular,,count,event,a\n");
        assert!(e.contains("an event needs a value"), "{e}");
        let e = EpisodeData::read_str("date,series,value,unit,frequency\n", "ep.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no column `source`"), "{e}");
    }
}
