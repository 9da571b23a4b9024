//! A million-run Sobol' analysis streams: peak memory stays far below what holding the
//! outputs would take, and the indices are still right.
//!
//! This file holds one test so that the process's peak resident set (`VmHWM`, Linux) measures
//! this analysis alone.

use pressure_sensitivity::prelude::*;
use std::f64::consts::PI;

/// Peak resident set size of this process in bytes (Linux `/proc/self/status`).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[test]
fn a_million_runs_stream_in_bounded_memory() {
    const N: usize = 1 << 18; // base points: N × (D + 2) = 1 310 720 runs
                              // Fewer columns in unoptimised builds, where the analysis itself is slow; the run count
                              // is the same.
    const COLUMNS: usize = if cfg!(debug_assertions) { 4 } else { 32 };
    let pi = PI;
    let space =
        ParameterSpace::uniform(&[("x1", -pi, pi), ("x2", -pi, pi), ("x3", -pi, pi)]).unwrap();
    // Column c is an affine image of Ishigami (a = 7, b = 0.1): the same indices for every c.
    let model = FnEvaluator::new(COLUMNS, |x: &[f64], y: &mut [f64]| {
        let f = x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin();
        for (c, v) in y.iter_mut().enumerate() {
            *v = (1.0 + c as f64) * f + c as f64;
        }
        Ok(())
    });
    let design = SaltelliDesign::new(3, N, false, Some(11)).unwrap();
    let mut resamples = vec![0; COLUMNS];
    resamples[0] = 100;
    let analysis = SobolAnalysis::new(3, false, resamples, 11, 0.95);
    let job = Job::new(&design, &space, &model, &analysis);

    let before = peak_rss();
    let started = std::time::Instant::now();
    let indices = analysis.finalize(&run_all(&job).unwrap());
    let seconds = started.elapsed().as_secs_f64();
    let runs = N * 5;

    // Analytic indices; at N = 2^18 the estimators' errors are ~1e-3.
    let s1 = [0.31390519114781146, 0.4424111447900409, 0.0];
    let st = [0.5575888552099592, 0.4424111447900409, 0.24368366406214773];
    for col in [&indices[0], &indices[COLUMNS - 1]] {
        for j in 0..3 {
            assert!((col.first[j].value - s1[j]).abs() < 0.01, "S1[{j}]");
            assert!((col.total[j].value - st[j]).abs() < 0.01, "ST[{j}]");
        }
    }
    assert!(indices[0].first[1].low < s1[1] + 0.01 && s1[1] - 0.01 < indices[0].first[1].high);

    let held = (runs * (COLUMNS + 3) * 8) as f64 / 1e6;
    match (before, peak_rss()) {
        (Some(before), Some(after)) => {
            let grew = after.saturating_sub(before) as f64 / 1e6;
            println!(
                "{runs} runs x {COLUMNS} outputs in {seconds:.2} s ({:.0} runs/s): peak RSS \
                 {:.1} MB -> {:.1} MB (+{grew:.1} MB); holding inputs and outputs would take \
                 {held:.0} MB",
                runs as f64 / seconds,
                before as f64 / 1e6,
                after as f64 / 1e6
            );
            assert!(
                grew < held / 10.0,
                "peak memory grew by {grew:.1} MB for {runs} runs: not streamed"
            );
        }
        _ => println!(
            "SKIPPED the memory check: /proc/self/status has no VmHWM on this system \
             ({runs} runs in {seconds:.2} s)"
        ),
    }
}
