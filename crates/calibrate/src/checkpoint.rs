//! Checkpoints of long computations, so a killed run can be resumed to the same result.
//!
//! A checkpoint is one JSON file holding the computation's state and a fingerprint of the run
//! that wrote it (a hash of the experiment, seed and settings); loading a checkpoint written by
//! a different run is an error rather than a silent mix. Files are written atomically (temp
//! file + rename), so a kill during a save leaves the previous checkpoint intact.
//!
//! Floating-point state is stored as IEEE-754 bit patterns (see [`bits`]): JSON has no infinity
//! (a failed evaluation is `+∞`) and a decimal round trip is not guaranteed to be bit-exact, and
//! a resumed run must continue from exactly the saved numbers.

use crate::error::CalibrateError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A checkpoint file for one computation of one run.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    path: PathBuf,
    fingerprint: String,
}

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    fingerprint: String,
    state: T,
}

#[derive(Deserialize)]
struct FingerprintOnly {
    fingerprint: String,
}

impl Checkpoint {
    pub fn new(path: impl Into<PathBuf>, fingerprint: impl Into<String>) -> Self {
        Checkpoint {
            path: path.into(),
            fingerprint: fingerprint.into(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A checkpoint next to this one (same directory and fingerprint), for a sub-computation.
    pub fn sibling(&self, name: &str) -> Checkpoint {
        let dir = self.path.parent().unwrap_or_else(|| Path::new("."));
        Checkpoint::new(dir.join(name), self.fingerprint.clone())
    }

    fn error(&self, message: impl Into<String>) -> CalibrateError {
        CalibrateError::Checkpoint {
            path: self.path.display().to_string(),
            message: message.into(),
        }
    }

    /// The saved state, `None` when there is no checkpoint yet.
    pub fn load<T: DeserializeOwned>(&self) -> Result<Option<T>, CalibrateError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.error(e.to_string())),
        };
        let head: FingerprintOnly = serde_json::from_str(&text)
            .map_err(|e| self.error(format!("unreadable checkpoint: {e}")))?;
        if head.fingerprint != self.fingerprint {
            return Err(self.error(
                "written by a different run (experiment, seed or settings changed); remove it or start without --resume",
            ));
        }
        let env: Envelope<T> = serde_json::from_str(&text)
            .map_err(|e| self.error(format!("unreadable checkpoint: {e}")))?;
        Ok(Some(env.state))
    }

    /// Saves `state` atomically.
    pub fn save<T: Serialize>(&self, state: &T) -> Result<(), CalibrateError> {
        let env = Envelope {
            fingerprint: self.fingerprint.clone(),
            state,
        };
        let bytes = serde_json::to_vec(&env).map_err(|e| self.error(e.to_string()))?;
        pressure_output::write_atomic(&self.path, &bytes).map_err(|e| self.error(e.to_string()))
    }

    /// Deletes the checkpoint (after the computation finished).
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Serde helpers that store `f64` values as their bit patterns: use
/// `#[serde(with = "crate::checkpoint::bits")]` on `f64`, `Vec<f64>` and `Vec<Vec<f64>>` fields.
pub mod bits {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Types whose floats can be mapped to and from bit patterns.
    pub trait Bits: Sized {
        type Repr: Serialize + for<'de> Deserialize<'de>;
        fn to_bits(&self) -> Self::Repr;
        fn from_bits(r: Self::Repr) -> Self;
    }

    impl Bits for f64 {
        type Repr = u64;
        fn to_bits(&self) -> u64 {
            f64::to_bits(*self)
        }
        fn from_bits(r: u64) -> f64 {
            f64::from_bits(r)
        }
    }

    impl<T: Bits> Bits for Vec<T> {
        type Repr = Vec<T::Repr>;
        fn to_bits(&self) -> Self::Repr {
            self.iter().map(Bits::to_bits).collect()
        }
        fn from_bits(r: Self::Repr) -> Self {
            r.into_iter().map(T::from_bits).collect()
        }
    }

    impl<T: Bits> Bits for Option<T> {
        type Repr = Option<T::Repr>;
        fn to_bits(&self) -> Self::Repr {
            self.as_ref().map(Bits::to_bits)
        }
        fn from_bits(r: Self::Repr) -> Self {
            r.map(T::from_bits)
        }
    }

    pub fn serialize<T: Bits, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        v.to_bits().serialize(s)
    }

    pub fn deserialize<'de, T: Bits, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        T::Repr::deserialize(d).map(T::from_bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct State {
        #[serde(with = "bits")]
        values: Vec<f64>,
        #[serde(with = "bits")]
        best: f64,
        step: usize,
    }

    #[test]
    fn round_trip_is_bit_exact_and_keeps_infinities() {
        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoint::new(dir.path().join("s.json"), "abc");
        assert_eq!(cp.load::<State>().unwrap(), None);
        let s = State {
            values: vec![0.1 + 0.2, f64::INFINITY, -1e-310, std::f64::consts::PI],
            best: f64::NEG_INFINITY,
            step: 7,
        };
        cp.save(&s).unwrap();
        assert_eq!(cp.load::<State>().unwrap(), Some(s));
    }

    #[test]
    fn a_checkpoint_from_another_run_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        Checkpoint::new(&path, "run-1").save(&1u32).unwrap();
        let e = Checkpoint::new(&path, "run-2").load::<u32>().unwrap_err();
        assert!(e.to_string().contains("different run"), "{e}");
    }
}
