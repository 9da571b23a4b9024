//! Synthetic control with placebo-in-space inference (`synth`).

use super::context::{Ctx, Fit, Used};
use super::{num_s, ModelReport};
use crate::error::Result;
use crate::inference::{CoefTable, Reference};
use crate::spec::formula::{Formula, Lhs};
use crate::spec::frame::codes;
use crate::spec::render::ExtraTable;
use crate::spec::Estimator;
use crate::synth::{synthetic_control, SynthData, SynthOptions};
use faer::Mat;

impl Ctx<'_> {
    /// Builds the synthetic control of the `treated` unit with placebos in space (`synth`).
    pub(super) fn synth(&self, f: &Formula) -> Result<ModelReport> {
        let Lhs::Outcome(lhs) = &f.lhs else {
            return Err(self.err("synthetic control needs an outcome"));
        };
        let (view, keys) = self.panel_keys()?;
        let (unit_codes, times) = (view.unit, view.time);
        let treated = self
            .model
            .treated
            .as_ref()
            .ok_or_else(|| self.err("estimator synth needs `treated = \"unit\"`"))?;
        let t0 = self
            .model
            .treatment_time
            .ok_or_else(|| self.err("estimator synth needs `treatment_time`"))?;
        let (_, levels) = codes(self.frame.table, &keys.unit)?;
        let y_all = self.frame.atom(lhs)?.remove(0).1;
        let rows: Vec<usize> = (0..self.mask.len())
            .filter(|&i| self.mask[i] && unit_codes[i].is_some() && times[i].is_some())
            .collect();
        let mut grid: Vec<i64> = rows.iter().map(|&i| times[i].unwrap_or(0)).collect();
        grid.sort_unstable();
        grid.dedup();
        let mut units: Vec<u32> = rows.iter().filter_map(|&i| unit_codes[i]).collect();
        units.sort_unstable();
        units.dedup();
        if let Some(d) = &self.model.donors {
            units.retain(|&u| d.contains(&levels[u as usize]) || levels[u as usize] == *treated);
        }
        let covs = self.model.covariates.clone().unwrap_or_default();
        let cov_cols: Vec<Vec<f64>> = covs
            .iter()
            .map(|c| self.frame.numeric(c))
            .collect::<Result<_>>()?;
        let mut names = vec![];
        let mut outcomes = vec![];
        let mut cov_values = vec![];
        let mut incomplete = vec![];
        for &u in &units {
            let mut path = vec![f64::NAN; grid.len()];
            let mut sums = vec![(0.0, 0usize); covs.len()];
            for &i in rows.iter().filter(|&&i| unit_codes[i] == Some(u)) {
                let t = times[i].unwrap_or(0);
                let k = grid.partition_point(|&g| g < t);
                path[k] = y_all[i];
                if (t as f64) < t0 {
                    for (c, col) in cov_cols.iter().enumerate() {
                        if col[i].is_finite() {
                            sums[c].0 += col[i];
                            sums[c].1 += 1;
                        }
                    }
                }
            }
            let label = levels[u as usize].clone();
            let cov_avg: Vec<f64> = sums
                .iter()
                .map(|(s, n)| if *n > 0 { s / *n as f64 } else { f64::NAN })
                .collect();
            if path.iter().any(|v| !v.is_finite()) || cov_avg.iter().any(|v| !v.is_finite()) {
                if label == *treated {
                    return Err(self.err(format!(
                        "treated unit `{treated}` has missing outcomes or covariates in the sample period"
                    )));
                }
                incomplete.push(label);
                continue;
            }
            names.push(label);
            outcomes.push(path);
            cov_values.push(cov_avg);
        }
        let treated_idx = names
            .iter()
            .position(|n| n == treated)
            .ok_or_else(|| self.err(format!("treated unit `{treated}` is not in the sample")))?;
        let times_f: Vec<f64> = grid.iter().map(|&t| t as f64).collect();
        let data = SynthData {
            units: &names,
            times: &times_f,
            outcomes: &outcomes,
            treated: treated_idx,
            treatment_time: t0,
            covariates: if covs.is_empty() {
                None
            } else {
                Some((&covs, &cov_values))
            },
        };
        let outcome_predictor_periods = match &self.model.predictor_years {
            None => None,
            Some(years) => Some(
                years
                    .iter()
                    .map(|y| {
                        grid.iter()
                            .position(|g| g == y)
                            .filter(|_| (*y as f64) < t0)
                            .ok_or_else(|| {
                                self.err(format!(
                                    "predictor year {y} is not a pre-treatment year of the sample \
                                     ({}-{}, treatment in {t0})",
                                    grid[0],
                                    grid[grid.len() - 1]
                                ))
                            })
                    })
                    .collect::<Result<Vec<usize>>>()?,
            ),
        };
        let opts = SynthOptions {
            weights: self.model.predictor_weights.unwrap_or_default(),
            outcome_predictor_periods,
            placebo: self.model.placebo.unwrap_or(true),
        };
        let r = synthetic_control(&data, &opts).map_err(|e| self.err(e.to_string()))?;
        let post: Vec<usize> = (0..grid.len()).filter(|&k| times_f[k] >= t0).collect();
        let mut terms = vec!["average_effect".to_string()];
        let mut est = vec![r.average_effect];
        for &k in &post {
            terms.push(format!("gap[{}]", grid[k]));
            est.push(r.gap[k]);
        }
        let k = terms.len();
        let mut coefficients = CoefTable::new(
            terms,
            est,
            &Mat::from_fn(k, k, |_, _| f64::NAN),
            Reference::Normal,
            self.level,
        );
        coefficients.p_value[0] = r.p_value.unwrap_or(f64::NAN);
        // Placebo band: the range of the placebo gaps of donors whose pre-treatment fit is
        // at most five times worse (in RMSPE) than the treated unit's (ADH 2010, fig. 5).
        let band_units: Vec<&crate::synth::PlaceboRun> = r
            .placebos
            .iter()
            .skip(1)
            .filter(|p| p.pre_rmspe <= 5.0 * r.pre_rmspe)
            .collect();
        let band = |t: usize, f: fn(f64, f64) -> f64, init: f64| {
            if band_units.is_empty() {
                f64::NAN
            } else {
                band_units.iter().map(|p| p.gap[t]).fold(init, f)
            }
        };
        // The same band in percent of each placebo's own synthetic control.
        let band_pct = |t: usize, f: fn(f64, f64) -> f64, init: f64| {
            if band_units.is_empty() {
                return f64::NAN;
            }
            band_units
                .iter()
                .map(|p| {
                    let u = names.iter().position(|n| *n == p.unit).unwrap_or(0);
                    100.0 * p.gap[t] / (outcomes[u][t] - p.gap[t])
                })
                .fold(init, f)
        };
        let own_ratio = r.placebos.first().map_or(f64::NAN, |p| p.ratio);
        let mut path = ExtraTable::new(
            "synth_path",
            &[
                "time",
                "treated",
                "synthetic",
                "gap",
                "gap_pct",
                "placebo_gap_min",
                "placebo_gap_max",
                "placebo_gap_pct_min",
                "placebo_gap_pct_max",
            ],
        );
        let mut episode = ExtraTable::new(
            "synth_episode",
            &[
                "treated",
                "treatment_time",
                "time",
                "treated_value",
                "synthetic_value",
                "gap",
                "gap_pct",
                "placebo_gap_min",
                "placebo_gap_max",
                "placebo_gap_pct_min",
                "placebo_gap_pct_max",
                "placebo_p_value",
                "rmspe_ratio",
                "pre_rmspe",
                "post_rmspe",
                "donors",
                "placebos_in_band",
            ],
        );
        for t in 0..grid.len() {
            let pct = 100.0 * r.gap[t] / r.synthetic_path[t];
            let (lo, hi) = (
                band(t, f64::min, f64::INFINITY),
                band(t, f64::max, f64::NEG_INFINITY),
            );
            let (lo_pct, hi_pct) = (
                band_pct(t, f64::min, f64::INFINITY),
                band_pct(t, f64::max, f64::NEG_INFINITY),
            );
            path.push(vec![
                grid[t].to_string(),
                num_s(r.treated_path[t]),
                num_s(r.synthetic_path[t]),
                num_s(r.gap[t]),
                num_s(pct),
                num_s(lo),
                num_s(hi),
                num_s(lo_pct),
                num_s(hi_pct),
            ]);
            episode.push(vec![
                treated.clone(),
                num_s(t0),
                grid[t].to_string(),
                num_s(r.treated_path[t]),
                num_s(r.synthetic_path[t]),
                num_s(r.gap[t]),
                num_s(pct),
                num_s(lo),
                num_s(hi),
                num_s(lo_pct),
                num_s(hi_pct),
                num_s(r.p_value.unwrap_or(f64::NAN)),
                num_s(own_ratio),
                num_s(r.pre_rmspe),
                num_s(r.post_rmspe),
                (names.len() - 1).to_string(),
                band_units.len().to_string(),
            ]);
        }
        let mut weights = ExtraTable::new("synth_weights", &["unit", "weight"]);
        for (u, w) in &r.weights {
            weights.push(vec![u.clone(), num_s(*w)]);
        }
        let mut placebo = ExtraTable::new(
            "synth_placebo",
            &["unit", "pre_rmspe", "post_rmspe", "ratio"],
        );
        for p in &r.placebos {
            placebo.push(vec![
                p.unit.clone(),
                num_s(p.pre_rmspe),
                num_s(p.post_rmspe),
                num_s(p.ratio),
            ]);
        }
        let mut summary = vec![
            ("Donors".into(), (names.len() - 1).to_string()),
            ("Pre-treatment RMSPE".into(), format!("{:.3}", r.pre_rmspe)),
        ];
        if let Some(p) = r.p_value {
            summary.push(("Placebo p-value".into(), format!("{p:.3}")));
        }
        if !incomplete.is_empty() {
            summary.push((
                "Units dropped (incomplete)".into(),
                incomplete.len().to_string(),
            ));
        }
        let details = serde_json::to_value(&r).unwrap_or_default();
        let fit = Fit {
            coefficients,
            n_obs: names.len() * grid.len(),
            clusters: vec![],
            dropped: incomplete,
            vcov_type: "placebo in space".into(),
            summary,
            details,
            extra: vec![path, weights, placebo, episode],
        };
        let used = Used {
            after_filter: rows.len(),
            missing: 0,
            n_units: Some(names.len()),
        };
        Ok(self.report(Estimator::Synth, fit, used))
    }
}
