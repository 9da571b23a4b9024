//! Provenance of the shipped data: every source key used by a panel column or an episode row is
//! documented in data/SOURCES.md, and no shipped file exceeds the 2 MB budget.

mod common;

use common::data_dir;
use pressure_data::episode::{EpisodeData, EPISODES};
use pressure_data::panel::read_dictionary;
use std::collections::BTreeSet;

fn documented(doc: &str, key: &str) -> bool {
    key.split('+').all(|part| {
        let base = part.strip_suffix(":derived").unwrap_or(part);
        doc.contains(&format!("`{part}`"))
            || doc.contains(&format!("`{base}`"))
            || base.starts_with("wdi:") // documented as `wdi:<CODE>`
    })
}

#[test]
fn every_source_key_is_documented() {
    let doc = std::fs::read_to_string(data_dir().join("SOURCES.md")).unwrap();
    let mut keys = BTreeSet::new();
    for c in read_dictionary(&data_dir().join("panel/columns.csv")).unwrap() {
        keys.insert(c.source);
    }
    for id in EPISODES {
        let d = EpisodeData::read_path(data_dir().join(format!("episodes/{id}.csv"))).unwrap();
        for s in d.all_series() {
            keys.insert(s.source.clone());
        }
    }
    assert!(keys.len() > 15, "{keys:?}");
    let missing: Vec<&String> = keys.iter().filter(|k| !documented(&doc, k)).collect();
    assert!(missing.is_empty(), "undocumented source keys: {missing:?}");
}

#[test]
fn shipped_files_stay_lean() {
    for sub in ["panel", "episodes"] {
        for entry in std::fs::read_dir(data_dir().join(sub)).unwrap() {
            let e = entry.unwrap();
            let size = e.metadata().unwrap().len();
            assert!(size < 2_000_000, "{:?} is {size} bytes", e.path());
        }
    }
}
