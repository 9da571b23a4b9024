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
//!
//! [`checkpointed_map`] is the one resumable parallel loop of the crate (multi-start, bootstrap
//! and profile likelihoods all run through it), with one save schedule ([`SAVE_INTERVAL`]).

use crate::error::CalibrateError;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// Least time between two saves of [`checkpointed_map`]. A save serialises every finished item,
/// so a loop of many quick items (bootstrap refits) saves about once per interval rather than
/// after each, while a loop of slow items (multi-start fits, profiles) saves after each one. A
/// kill loses at most the items of the last interval; the last item is always saved.
pub const SAVE_INTERVAL: Duration = Duration::from_secs(2);

/// Runs `task(state, i)` for every `i` in `0..n`, in parallel (`init` makes each worker's
/// `state`, e.g. its own clone of a calibration), and returns the items in index order.
///
/// With a checkpoint, the finished items are saved as one list (on the schedule of
/// [`SAVE_INTERVAL`]), and items saved by an earlier run of the same computation are taken
/// instead of recomputed: `saved_index` says which index a saved item stands for (`None`
/// drops it, e.g. when it was computed from other inputs). Each item must depend only on its
/// index, so a resumed run, or a run on any number of threads, returns the same items.
/// `progress` is called with the number of finished items (resumed ones included) after each.
///
/// A task's error stops the loop (tasks not yet started are skipped) and the error of the
/// lowest index is returned; the items finished before it stay in the checkpoint. Tasks whose
/// failure is a result (a start that did not converge) return it in their item instead.
///
/// ```
/// use pressure_calibrate::checkpoint::{checkpointed_map, Checkpoint};
///
/// let dir = tempfile::tempdir().unwrap();
/// let cp = Checkpoint::new(dir.path().join("squares.json"), "run-1");
/// let square = |_: &mut (), i: usize| Ok((i, i * i));
/// // A first run that only got through 3 items, then the whole run resumed from it.
/// checkpointed_map(3, Some(&cp), |s: &(usize, usize)| Some(s.0), || (), square, None).unwrap();
/// let all = checkpointed_map(5, Some(&cp), |s: &(usize, usize)| Some(s.0), || (), square, None)
///     .unwrap();
/// assert_eq!(all, [(0, 0), (1, 1), (2, 4), (3, 9), (4, 16)]);
/// ```
pub fn checkpointed_map<T, S, I, F>(
    n: usize,
    checkpoint: Option<&Checkpoint>,
    saved_index: impl Fn(&T) -> Option<usize>,
    init: I,
    task: F,
    progress: Option<&(dyn Fn(usize) + Sync)>,
) -> Result<Vec<T>, CalibrateError>
where
    T: Serialize + DeserializeOwned + Send,
    I: Fn() -> S + Sync + Send,
    F: Fn(&mut S, usize) -> Result<T, CalibrateError> + Sync + Send,
{
    struct Shared<T> {
        slots: Vec<Option<T>>,
        finished: usize,
        last_save: Instant,
        save_error: Option<CalibrateError>,
        task_error: Option<(usize, CalibrateError)>,
    }
    let mut slots: Vec<Option<T>> = (0..n).map(|_| None).collect();
    if let Some(c) = checkpoint {
        for item in c.load::<Vec<T>>()?.unwrap_or_default() {
            if let Some(i) = saved_index(&item).filter(|&i| i < n) {
                slots[i] = Some(item);
            }
        }
    }
    let pending: Vec<usize> = (0..n).filter(|&i| slots[i].is_none()).collect();
    let shared = Mutex::new(Shared {
        finished: n - pending.len(),
        slots,
        last_save: Instant::now(),
        save_error: None,
        task_error: None,
    });
    let lock = || shared.lock().unwrap_or_else(|e| e.into_inner());
    pending.par_iter().for_each_init(init, |state, &i| {
        if lock().task_error.is_some() {
            return;
        }
        let result = task(state, i);
        let mut s = lock();
        match result {
            Ok(item) => s.slots[i] = Some(item),
            Err(e) => {
                if s.task_error.as_ref().is_none_or(|(j, _)| i < *j) {
                    s.task_error = Some((i, e));
                }
                return;
            }
        }
        s.finished += 1;
        let finished = s.finished;
        if let Some(c) = checkpoint {
            if finished == n || s.last_save.elapsed() >= SAVE_INTERVAL {
                let list: Vec<&T> = s.slots.iter().flatten().collect();
                if let Err(e) = c.save(&list) {
                    if s.save_error.is_none() {
                        s.save_error = Some(e);
                    }
                }
                s.last_save = Instant::now();
            }
        }
        drop(s);
        if let Some(p) = progress {
            p(finished);
        }
    });
    let s = shared.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some((_, e)) = s.task_error {
        // Keep what finished before the error for a resumed run.
        if let Some(c) = checkpoint {
            let list: Vec<&T> = s.slots.iter().flatten().collect();
            c.save(&list)?;
        }
        return Err(e);
    }
    if let Some(e) = s.save_error {
        return Err(e);
    }
    Ok(s.slots.into_iter().flatten().collect())
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
    fn the_loop_returns_items_in_index_order_for_any_thread_count_and_counts_progress() {
        let run = |threads: usize| {
            let calls = std::sync::atomic::AtomicUsize::new(0);
            let progress = |_: usize| {
                calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            };
            let out = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    checkpointed_map(
                        40,
                        None,
                        |_: &u64| None,
                        || 0u64,
                        |calls_here, i| {
                            *calls_here += 1;
                            Ok((i as u64) * 3 + 1)
                        },
                        Some(&progress),
                    )
                    .unwrap()
                });
            (out, calls.into_inner())
        };
        let expected: Vec<u64> = (0..40).map(|i| i * 3 + 1).collect();
        assert_eq!(run(1), (expected.clone(), 40));
        assert_eq!(run(3), (expected, 40));
    }

    #[test]
    fn a_resumed_loop_runs_only_the_unsaved_items_and_drops_stale_ones() {
        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoint::new(dir.path().join("l.json"), "fp");
        let index = |x: &(usize, f64)| Some(x.0);
        let task = |_: &mut (), i: usize| Ok((i, (i as f64).sqrt()));
        checkpointed_map(4, Some(&cp), index, || (), task, None).unwrap();
        // Items 0..4 saved; a resumed run of 6 computes only 4 and 5.
        let ran = Mutex::new(Vec::new());
        let all = checkpointed_map(
            6,
            Some(&cp),
            index,
            || (),
            |_, i| {
                ran.lock().unwrap().push(i);
                Ok((i, (i as f64).sqrt()))
            },
            None,
        )
        .unwrap();
        let mut ran = ran.into_inner().unwrap();
        ran.sort();
        assert_eq!(ran, [4, 5]);
        assert_eq!(
            all,
            (0..6).map(|i| (i, (i as f64).sqrt())).collect::<Vec<_>>()
        );
        // Saved items the caller no longer recognises are recomputed.
        let recomputed = Mutex::new(0);
        checkpointed_map(
            6,
            Some(&cp),
            |x: &(usize, f64)| (x.0 % 2 == 0).then_some(x.0),
            || (),
            |_, i| {
                *recomputed.lock().unwrap() += 1;
                Ok((i, 0.0))
            },
            None,
        )
        .unwrap();
        assert_eq!(recomputed.into_inner().unwrap(), 3);
    }

    #[test]
    fn a_failing_task_returns_the_lowest_failing_index_and_keeps_the_finished_items() {
        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoint::new(dir.path().join("f.json"), "fp");
        let e = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| {
                checkpointed_map(
                    6,
                    Some(&cp),
                    |x: &usize| Some(*x),
                    || (),
                    |_, i| {
                        if i >= 3 {
                            Err(CalibrateError::Numerical(format!("item {i}")))
                        } else {
                            Ok(i)
                        }
                    },
                    None,
                )
                .unwrap_err()
            });
        assert!(e.to_string().contains("item 3"), "{e}");
        assert_eq!(cp.load::<Vec<usize>>().unwrap(), Some(vec![0, 1, 2]));
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
