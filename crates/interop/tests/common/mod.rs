//! The seeded mutations the robustness tests feed to the importers (`xmile_mutations.rs`,
//! `mdl_mutations.rs`): bytes deleted, runs duplicated, bytes replaced by characters that matter
//! to the formats and to equations, runs cut, deep nesting inserted; the suite's files they
//! start from, and the loop that feeds them to an importer ([`never_panics`]).

/// xorshift64*: a seeded stream for the mutations (reproducible, no dependency).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Up to four mutations of `text`; a replaced byte is one of `bytes`.
pub fn mutate(text: &[u8], rng: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    let mut t = text.to_vec();
    for _ in 0..1 + rng.below(4) {
        if t.is_empty() {
            break;
        }
        let i = rng.below(t.len());
        match rng.below(5) {
            0 => {
                t.remove(i);
            }
            1 => {
                let n = rng.below(40).min(t.len() - i);
                let run: Vec<u8> = t[i..i + n].to_vec();
                t.splice(i..i, run);
            }
            2 => {
                t[i] = bytes[rng.below(bytes.len())];
            }
            3 => {
                let n = rng.below(200).min(t.len() - i);
                t.drain(i..i + n);
            }
            _ => {
                let deep = if rng.below(2) == 0 { "(" } else { "-" };
                let s = deep.repeat(rng.below(3000));
                t.splice(i..i, s.into_bytes());
            }
        }
    }
    t
}

/// The SDXorg suite's files with one of the extensions `exts` (lower case, compared without
/// case), sorted; none when `../shared` is absent.
pub fn suite_files(exts: &[&str]) -> Vec<std::path::PathBuf> {
    use std::path::{Path, PathBuf};
    fn walk(d: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(d) else {
            return;
        };
        let mut v: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        v.sort();
        for p in v {
            if p.is_dir() {
                walk(&p, exts, out);
            } else if p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e.to_ascii_lowercase().as_str()))
            {
                out.push(p);
            }
        }
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/sdxorg-test-models/tests");
    let mut out = Vec::new();
    walk(&dir, exts, &mut out);
    out
}

/// Feeds `count` mutations (seeded by `seed`, replaced bytes from `bytes`) of the corpus's
/// texts, in turn, to `load` and compiles each model it gives (part of what a command does
/// with a model); fails listing the first mutations that panicked.
pub fn never_panics(
    corpus: &[(std::path::PathBuf, Vec<u8>)],
    seed: u64,
    bytes: &[u8],
    count: usize,
    load: impl Fn(&std::path::Path, &str) -> Result<pressure_model::Model, pressure_model::ModelError>
        + std::panic::RefUnwindSafe,
) {
    let mut rng = Rng(seed);
    let mut panics = Vec::new();
    for k in 0..count {
        let (path, text) = &corpus[k % corpus.len()];
        let m = mutate(text, &mut rng, bytes);
        let s = String::from_utf8_lossy(&m).into_owned();
        let r = std::panic::catch_unwind(|| {
            if let Ok(model) = load(path, &s) {
                let _ = pressure_sim::CompiledModel::compile(&model);
            }
        });
        if r.is_err() {
            panics.push(format!("mutation {k} of {}", path.display()));
        }
    }
    assert!(
        panics.is_empty(),
        "{} panics: {:?}",
        panics.len(),
        &panics[..panics.len().min(10)]
    );
}
