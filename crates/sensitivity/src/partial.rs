//! Partial results of shards, and merging them.
//!
//! A shard writes two files: `partial.json` (what was run: the identity of the experiment, the
//! seed, the shard, the analysis layout, the block plan and the list of tree pieces) and
//! `partial.bin` (the pieces' summaries as little-endian `f64`, bit-exact). [`merge_partials`]
//! checks that the partials belong together and rebuilds the single-run summary with
//! [`crate::engine::combine_pieces`] — bitwise equal to running everything at once.
//!
//! This module only converts to and from bytes; the caller writes files (atomically).

use crate::analysis::Analysis;
use crate::engine::{combine_pieces, Failures, Piece, Plan};
use crate::error::{Result, SensitivityError};
use serde::{Deserialize, Serialize};

/// Format tag written into every `partial.json`.
pub const FORMAT: &str = "pressure-sensitivity-partial/1";

/// What identifies a run: two partials merge only if these agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunIdentity {
    /// SHA-256 of the experiment file (and anything else that shapes the runs).
    pub experiment_sha256: String,
    pub seed: u64,
    /// Analysis name and layout fingerprint ([`Analysis::layout`]).
    pub layout: String,
    pub n_groups: usize,
    pub block_groups: usize,
}

/// Where a piece's summary sits in `partial.bin`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PieceIndex {
    pub lo: usize,
    pub hi: usize,
    pub len: usize,
}

/// The header of a partial result (`partial.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialHeader {
    pub format: String,
    pub identity: RunIdentity,
    pub shard_index: usize,
    pub shard_count: usize,
    pub pieces: Vec<PieceIndex>,
    /// FNV-1a 64 of `partial.bin`, hex (detects a truncated or mixed-up binary file).
    pub checksum: String,
    /// Number of model runs this shard made.
    pub runs: usize,
    /// Runs that failed and whose groups were left out (empty unless failed groups are dropped).
    #[serde(default)]
    pub failures: Failures,
    /// What the caller needs to turn the merged summary into results (e.g. the experiment's
    /// parameters, outputs and method); opaque here.
    #[serde(default)]
    pub context: serde_json::Value,
}

/// A shard's partial result in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Partial {
    pub header: PartialHeader,
    pub pieces: Vec<Piece>,
}

fn fnv1a(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

impl Partial {
    /// The partial result of shard `shard.0` of `shard.1`.
    pub fn new(
        identity: RunIdentity,
        shard: (usize, usize),
        runs: usize,
        pieces: Vec<Piece>,
        failures: Failures,
        context: serde_json::Value,
    ) -> Partial {
        let (shard_index, shard_count) = shard;
        let header = PartialHeader {
            format: FORMAT.to_string(),
            identity,
            shard_index,
            shard_count,
            pieces: pieces
                .iter()
                .map(|p| PieceIndex {
                    lo: p.lo,
                    hi: p.hi,
                    len: p.summary.len(),
                })
                .collect(),
            checksum: String::new(),
            runs,
            failures,
            context,
        };
        let mut partial = Partial { header, pieces };
        partial.header.checksum = fnv1a(&partial.binary());
        partial
    }

    /// `partial.bin`: every piece's summary, little-endian f64, in header order.
    pub fn binary(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for p in &self.pieces {
            for x in &p.summary {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        out
    }

    /// `partial.json`.
    pub fn header_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(&self.header).expect("header serialises")
    }

    /// Writes `partial.bin` and `partial.json` into `dir`, each atomically; returns their names.
    pub fn write_to(
        &self,
        dir: &std::path::Path,
    ) -> std::result::Result<Vec<String>, pressure_output::WriteError> {
        pressure_output::write_files(
            dir,
            [
                ("partial.bin", self.binary()),
                ("partial.json", self.header_json()),
            ],
        )
    }

    /// Reads a partial back from the two files' contents; `what` names it in errors.
    pub fn from_bytes(what: &str, json: &[u8], bin: &[u8]) -> Result<Partial> {
        let bad = |message: String| SensitivityError::Merge(format!("{what}: {message}"));
        let header: PartialHeader = serde_json::from_slice(json)
            .map_err(|e| bad(format!("not a partial result header ({e})")))?;
        if header.format != FORMAT {
            return Err(bad(format!(
                "format `{}` is not `{FORMAT}` (written by another version?)",
                header.format
            )));
        }
        if fnv1a(bin) != header.checksum {
            return Err(bad(
                "partial.bin does not match partial.json (truncated or from another shard)".into(),
            ));
        }
        let total: usize = header.pieces.iter().map(|p| p.len).sum();
        if bin.len() != total * 8 {
            return Err(bad("partial.bin has the wrong length".into()));
        }
        let mut values = bin
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")));
        let pieces = header
            .pieces
            .iter()
            .map(|p| Piece {
                lo: p.lo,
                hi: p.hi,
                summary: values.by_ref().take(p.len).collect(),
            })
            .collect();
        Ok(Partial { header, pieces })
    }
}

/// Checks that `partials` are the shards of one run and combines them into the summary (and
/// the failure list) a single run would have produced. `names[i]` labels partial `i` in error
/// messages.
pub fn merge_partials(
    analysis: &dyn Analysis,
    expected: &RunIdentity,
    partials: Vec<Partial>,
    names: &[String],
) -> Result<(Vec<f64>, Failures)> {
    let Some(first) = partials.first() else {
        return Err(SensitivityError::Merge("no partial results given".into()));
    };
    let count = first.header.shard_count;
    let mut seen = vec![None::<usize>; count + 1];
    for (i, p) in partials.iter().enumerate() {
        let h = &p.header;
        let id = &h.identity;
        let name = &names[i];
        if id.experiment_sha256 != expected.experiment_sha256 {
            return Err(SensitivityError::Merge(format!(
                "{name} was made from a different experiment file (sha256 {} , expected {})",
                short(&id.experiment_sha256),
                short(&expected.experiment_sha256)
            )));
        }
        if id.seed != expected.seed {
            return Err(SensitivityError::Merge(format!(
                "{name} was run with seed {} but the others with seed {}",
                id.seed, expected.seed
            )));
        }
        if id != expected {
            return Err(SensitivityError::Merge(format!(
                "{name} has a different analysis layout ({} vs {})",
                id.layout, expected.layout
            )));
        }
        if h.shard_count != count {
            return Err(SensitivityError::Merge(format!(
                "{name} is shard {}/{} but {} is shard {}/{}: all shards must come from the same --shard I/N split",
                h.shard_index, h.shard_count, names[0], first.header.shard_index, count
            )));
        }
        if h.shard_index == 0 || h.shard_index > count {
            return Err(SensitivityError::Merge(format!(
                "{name}: shard index {} out of range 1..={count}",
                h.shard_index
            )));
        }
        if let Some(other) = seen[h.shard_index] {
            return Err(SensitivityError::Merge(format!(
                "shard {}/{count} given twice ({} and {name})",
                h.shard_index, names[other]
            )));
        }
        seen[h.shard_index] = Some(i);
    }
    let missing: Vec<String> = (1..=count)
        .filter(|&s| seen[s].is_none())
        .map(|s| format!("{s}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(SensitivityError::Merge(format!(
            "missing shard(s) {}",
            missing.join(", ")
        )));
    }
    let plan = Plan {
        n_groups: expected.n_groups,
        block_groups: expected.block_groups,
    };
    let mut failures = Failures::default();
    let mut pieces = Vec::new();
    for p in partials {
        failures.merge(p.header.failures);
        pieces.extend(p.pieces);
    }
    Ok((combine_pieces(analysis, plan, pieces)?, failures))
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(12)]
}
