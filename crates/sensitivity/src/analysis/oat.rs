//! One-at-a-time swings (tornado-diagram data).
//!
//! From a base point, each parameter in turn is set to its low and then its high value while
//! the others stay at base; the swing of an output is `|y(high) − y(low)|`. `1 + 2D` runs.
//! Results are sorted by decreasing swing, the order of the bars in a tornado diagram.

use crate::engine::Evaluator;
use crate::error::{Result, SensitivityError};
use rayon::prelude::*;
use serde::Serialize;

/// The swing of one output when one parameter moves from low to high.
#[derive(Debug, Clone, Serialize)]
pub struct Swing {
    pub parameter: String,
    pub low: f64,
    pub high: f64,
    pub output_at_low: f64,
    pub output_at_high: f64,
    /// `|output_at_high − output_at_low|`.
    pub swing: f64,
}

/// Swings of every output column, each sorted by decreasing swing.
#[derive(Debug, Clone, Serialize)]
pub struct OatResult {
    pub base_outputs: Vec<f64>,
    pub swings: Vec<Vec<Swing>>,
}

/// Runs the one-at-a-time design around `base` (parameters named by `names`), moving each
/// parameter to `low[i]` and `high[i]`, in parallel.
///
/// ```
/// use pressure_sensitivity::engine::FnEvaluator;
/// use pressure_sensitivity::analysis::oat::oat_swings;
/// let model = FnEvaluator::new(1, |x: &[f64], y: &mut [f64]| { y[0] = x[0] + 10.0 * x[1]; Ok(()) });
/// let r = oat_swings(&model, &["a", "b"], &[0.0, 0.0], &[-1.0, -1.0], &[1.0, 1.0]).unwrap();
/// assert_eq!(r.swings[0][0].parameter, "b");
/// assert_eq!(r.swings[0][0].swing, 20.0);
/// ```
pub fn oat_swings<E: Evaluator>(
    evaluator: &E,
    names: &[&str],
    base: &[f64],
    low: &[f64],
    high: &[f64],
) -> Result<OatResult> {
    let d = names.len();
    if base.len() != d || low.len() != d || high.len() != d {
        return Err(SensitivityError::InvalidSetting(
            "one-at-a-time: names, base, low and high must have one entry per parameter".into(),
        ));
    }
    let cols = evaluator.n_outputs();
    let points: Vec<Vec<f64>> = std::iter::once(base.to_vec())
        .chain((0..d).flat_map(|i| {
            let mut lo = base.to_vec();
            lo[i] = low[i];
            let mut hi = base.to_vec();
            hi[i] = high[i];
            [lo, hi]
        }))
        .collect();
    let outputs: Vec<Vec<f64>> = points
        .par_iter()
        .enumerate()
        .map_init(
            || evaluator.workspace(),
            |ws, (run, x)| {
                let mut y = vec![0.0; cols];
                let describe = || {
                    names
                        .iter()
                        .zip(x)
                        .map(|(n, v)| format!("{n}={v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                evaluator.evaluate(ws, x, &mut y).map_err(|message| {
                    SensitivityError::RunFailed {
                        run,
                        params: describe(),
                        message,
                    }
                })?;
                if let Some(bad) = y.iter().position(|v| !v.is_finite()) {
                    return Err(SensitivityError::NonFinite {
                        run,
                        output: evaluator.output_name(bad),
                        params: describe(),
                    });
                }
                Ok(y)
            },
        )
        .collect::<Result<_>>()?;
    let swings = (0..cols)
        .map(|c| {
            let mut s: Vec<Swing> = (0..d)
                .map(|i| {
                    let (yl, yh) = (outputs[1 + 2 * i][c], outputs[2 + 2 * i][c]);
                    Swing {
                        parameter: names[i].to_string(),
                        low: low[i],
                        high: high[i],
                        output_at_low: yl,
                        output_at_high: yh,
                        swing: (yh - yl).abs(),
                    }
                })
                .collect();
            s.sort_by(|a, b| b.swing.total_cmp(&a.swing));
            s
        })
        .collect();
    Ok(OatResult {
        base_outputs: outputs[0].clone(),
        swings,
    })
}
