//! CPU time of the calling thread (`/proc/thread-self/schedstat` on Linux), else wall time:
//! runs per CPU-second on a shared machine. Shared by `benches/engine.rs` and
//! `examples/batch_throughput.rs`.

use std::time::{Duration, Instant};

/// A start point: the thread's CPU time where Linux reports it, and the wall time.
pub struct Clock(Option<u64>, Instant);

impl Clock {
    fn cpu_ns() -> Option<u64> {
        let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        text.split_whitespace().next()?.parse().ok()
    }

    pub fn now() -> Clock {
        Clock(Clock::cpu_ns(), Instant::now())
    }

    /// CPU time of this thread since [`Clock::now`] (wall time where it is not reported).
    pub fn elapsed(&self) -> Duration {
        match (self.0, Clock::cpu_ns()) {
            (Some(a), Some(b)) => Duration::from_nanos(b - a),
            _ => self.1.elapsed(),
        }
    }
}
