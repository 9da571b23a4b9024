//! Sobol' indices of the Ishigami function (a = 7, b = 0.1) through the library: sampling,
//! evaluation and analysis with bootstrap, timed in-process. Used by
//! `benches/peers/salib_compare.py`.
//!
//! ```text
//! cargo run --release -p pressure-sensitivity --example ishigami -- [N] [second_order 0|1] [repeats] [threads] [resamples]
//! ```
//! Prints one JSON line: best wall time over the repeats and the indices.

use pressure_sensitivity::prelude::*;
use std::f64::consts::PI;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: usize| {
        args.get(i)
            .map_or(default, |s| s.parse().expect("a number"))
    };
    let n = arg(1, 8192);
    let second = arg(2, 1) == 1;
    let repeats = arg(3, 5);
    let threads = arg(4, 0);
    let resamples = arg(5, 100);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let space =
        ParameterSpace::uniform(&[("x1", -PI, PI), ("x2", -PI, PI), ("x3", -PI, PI)]).unwrap();
    let model = FnEvaluator::new(1, |x: &[f64], y: &mut [f64]| {
        y[0] = x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin();
        Ok(())
    });
    let mut best = f64::INFINITY;
    let mut result = None;
    for rep in 0..repeats {
        let start = Instant::now();
        let indices = pool.install(|| {
            let design = SaltelliDesign::new(3, n, second, Some(12345 + rep as u64)).unwrap();
            let analysis = SobolAnalysis::new(3, second, vec![resamples], 12345, 0.95);
            let job = Job::new(&design, &space, &model, &analysis);
            analysis.finalize(&run_all(&job).unwrap()).remove(0)
        });
        best = best.min(start.elapsed().as_secs_f64());
        result = Some(indices);
    }
    let s = result.expect("at least one repeat");
    let v = |e: &[Estimate]| e.iter().map(|x| x.value).collect::<Vec<_>>();
    let c = |e: &[Estimate]| e.iter().map(|x| x.conf).collect::<Vec<_>>();
    println!(
        "{}",
        serde_json::json!({
            "N": n, "second_order": second, "threads": pool.current_num_threads(),
            "resamples": resamples, "runs": n * if second { 8 } else { 5 },
            "best_seconds": best,
            "S1": v(&s.first), "S1_conf": c(&s.first), "ST": v(&s.total), "ST_conf": c(&s.total),
        })
    );
}
