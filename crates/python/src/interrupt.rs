//! Ctrl-C for long calls into the library: the work runs on its own thread with the GIL
//! released while this thread checks Python's signal handlers every [`POLL`]; on
//! `KeyboardInterrupt` (or any exception a handler raises) it sets the work's cancel flag,
//! waits for the work to stop at its next check, and raises. (`Model.run_batch` instead runs in
//! chunks and checks between them: see `model.rs`.)

use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::Duration;

/// How often signals are checked while the work runs.
const POLL: Duration = Duration::from_millis(50);

/// Runs `work(cancel)` and returns its result, or the exception a signal handler raised (then
/// `cancel` was set and the work has returned). `work` must return soon after `cancel` is set.
pub fn interruptible<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(&AtomicBool) -> T + Send,
{
    let cancel = AtomicBool::new(false);
    interruptible_with(py, &cancel, || work(&cancel))
}

/// [`interruptible`] with a cancel flag the caller made (and `work` watches).
pub fn interruptible_with<T, F>(py: Python<'_>, cancel: &AtomicBool, work: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce() -> T + Send,
{
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        // Behind a mutex only to be shared with the GIL-free closures below (Receiver is !Sync).
        let rx = Mutex::new(rx);
        let worker = scope.spawn(move || {
            // The receiver may be gone only if this thread's caller panicked.
            let _ = tx.send(work());
        });
        loop {
            match py.detach(|| rx.lock().expect("receiver").recv_timeout(POLL)) {
                Ok(result) => return Ok(result),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Err(interrupt) = py.check_signals() {
                        cancel.store(true, Ordering::Relaxed);
                        // The work stops at its next check; its result is dropped.
                        let _ = py.detach(|| worker.join());
                        return Err(interrupt);
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // The worker panicked before sending: re-raise its panic here.
                    match worker.join() {
                        Err(panic) => std::panic::resume_unwind(panic),
                        Ok(()) => unreachable!("the worker sends before it returns"),
                    }
                }
            }
        }
    })
}
