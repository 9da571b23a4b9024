//! Per-episode log-likelihoods of posterior draws and leave-one-episode-out cross-validation
//! by Pareto-smoothed importance sampling (PSIS-LOO; Vehtari, Gelman & Gabry 2017, "Practical
//! Bayesian model evaluation using leave-one-out cross-validation and WAIC", Statistics and
//! Computing 27:1413–1432), with [`crate::uncertainty::psis`].
//!
//! The unit left out is an **episode**: all of its observations together (every mapped series
//! of that episode), so `elpd_loo` of an episode is the log predictive density of its whole
//! data set under the posterior fitted to the other four, estimated from the joint posterior's
//! draws reweighted by `1 / p(y_e | θ_s)`. Estimated σ are profiled
//! ([`crate::objective`]): the pointwise log-likelihood of a draw uses that draw's σ̂, which
//! is computed from all episodes' residuals (a shared σ) or from the episode's own (a σ per
//! episode), so σ is not a parameter that leaving an episode out could change — an
//! approximation that favours the episodes with their own σ. The draws are weighted equally
//! (relative efficiency 1 in the tail length), as ArviZ does with `reff = 1`.

use super::paths::evenly_spaced;
use super::report::CalibrationReport;
use super::Experiment;
use crate::error::CalibrateError;
use crate::uncertainty::psis::{psis, Psis};
use pressure_output::CsvTable;
use rayon::prelude::*;

/// The log-likelihood of every episode at every draw.
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodeLogLiks {
    pub episodes: Vec<String>,
    /// Per draw: its chain and index within the chain, as given.
    pub draws: Vec<(usize, usize)>,
    /// `loglik[s][e]`: the log-likelihood of episode `e`'s observations at draw `s`
    /// (`−∞` where the model could not be evaluated).
    pub loglik: Vec<Vec<f64>>,
}

/// One episode's leave-one-out estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodeLoo {
    pub episode: String,
    /// Observations of the episode.
    pub observations: usize,
    /// In-sample log pointwise predictive density, `log mean_s p(y_e | θ_s)`.
    pub lpd: f64,
    /// `log Σ_s w_s p(y_e | θ_s)` with the PSIS weights of `1 / p(y_e | θ_s)`.
    pub elpd_loo: f64,
    /// `lpd − elpd_loo`: the effective number of parameters the episode's fit uses.
    pub p_loo: f64,
    /// Pareto shape of the importance ratios; above [`EpisodeLoo::k_threshold`] (0.7 at most)
    /// the estimate is not reliable.
    pub k_hat: f64,
    pub k_threshold: f64,
}

impl EpisodeLoo {
    pub fn reliable(&self) -> bool {
        self.k_hat <= self.k_threshold
    }
}

impl Experiment {
    /// The log-likelihood of each episode's observations at each draw (`(chain, draw, fitted
    /// values)`), rerunning the model once per draw (in parallel on rayon's threads).
    pub fn episode_log_liks(
        &self,
        draws: &[(usize, usize, Vec<f64>)],
    ) -> Result<EpisodeLogLiks, CalibrateError> {
        let probe = self.calibration()?;
        let n_obs = probe.n_obs();
        // The episode of every data series (series follow the episodes' mappings in order;
        // the normal priors' pseudo-series come after them and belong to none).
        let series_episode: Vec<usize> = self
            .episodes
            .iter()
            .enumerate()
            .flat_map(|(e, ep)| std::iter::repeat_n(e, ep.mappings.len()))
            .collect();
        let n_ep = self.episodes.len();
        let loglik: Vec<Vec<f64>> = draws
            .par_iter()
            .map_init(
                || (probe.clone(), vec![0.0; n_obs]),
                |(cal, raw), (_, _, x)| match cal.raw_residuals_at(x, raw) {
                    Ok(()) => {
                        let terms = cal.neg_log_lik_by_series(raw);
                        let mut ll = vec![0.0; n_ep];
                        for (s, &e) in series_episode.iter().enumerate() {
                            ll[e] -= terms[s];
                        }
                        ll
                    }
                    Err(_) => vec![f64::NEG_INFINITY; n_ep],
                },
            )
            .collect();
        Ok(EpisodeLogLiks {
            episodes: self.episodes.iter().map(|e| e.id.clone()).collect(),
            draws: draws.iter().map(|(c, d, _)| (*c, *d)).collect(),
            loglik,
        })
    }

    /// Observations per episode (all its mapped series).
    pub fn episode_observations(&self) -> Vec<usize> {
        self.episodes
            .iter()
            .map(|e| e.mappings.iter().map(|m| m.observed.len()).sum())
            .collect()
    }
}

/// The per-episode log-likelihoods of a run's posterior draws and its leave-one-episode-out
/// table, as `pressure calibrate` writes them (`loglik_by_episode.csv`, `loo_episodes.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodeLooReport {
    pub loglik: EpisodeLogLiks,
    pub loo: Vec<Option<EpisodeLoo>>,
}

impl EpisodeLooReport {
    /// `loo_episodes.csv` (see [`loo_csv`]).
    pub fn csv(&self) -> String {
        loo_csv(&self.loglik.episodes, &self.loo)
    }

    /// The episodes whose estimate is missing or unreliable (k̂ above its threshold).
    pub fn unreliable(&self) -> Vec<&str> {
        self.loglik
            .episodes
            .iter()
            .zip(&self.loo)
            .filter(|(_, l)| !l.as_ref().is_some_and(EpisodeLoo::reliable))
            .map(|(e, _)| e.as_str())
            .collect()
    }
}

impl Experiment {
    /// Per-episode log-likelihoods at up to `max_draws` MCMC draws of `report` (evenly spaced
    /// over the pooled chains, as the counterfactuals take them; the model rerun once per
    /// draw) and PSIS leave-one-episode-out. `None` without MCMC draws or with fewer than two
    /// episodes (leaving out the only episode leaves the prior).
    pub fn episode_loo(
        &self,
        report: &CalibrationReport,
        max_draws: usize,
    ) -> Result<Option<EpisodeLooReport>, CalibrateError> {
        let Some(m) = &report.mcmc else {
            return Ok(None);
        };
        if self.episodes.len() < 2 {
            return Ok(None);
        }
        let pooled: Vec<(usize, usize, &Vec<f64>)> = m
            .draws
            .iter()
            .enumerate()
            .flat_map(|(c, d)| d.iter().enumerate().map(move |(k, x)| (c, k, x)))
            .collect();
        if pooled.is_empty() {
            return Ok(None);
        }
        let draws: Vec<(usize, usize, Vec<f64>)> = evenly_spaced(pooled.len(), max_draws)
            .map(|i| (pooled[i].0, pooled[i].1, pooled[i].2.clone()))
            .collect();
        let loglik = self.episode_log_liks(&draws)?;
        let loo = loglik.loo(&self.episode_observations());
        Ok(Some(EpisodeLooReport { loglik, loo }))
    }
}

impl EpisodeLogLiks {
    /// `loglik_by_episode.csv`: `chain,draw,<episode>...`.
    pub fn csv(&self) -> String {
        let mut header = vec!["chain".to_string(), "draw".to_string()];
        header.extend(self.episodes.iter().cloned());
        let mut t = CsvTable::with_header(header);
        for ((c, d), ll) in self.draws.iter().zip(&self.loglik) {
            let mut row = vec![c.to_string(), d.to_string()];
            row.extend(ll.iter().map(|v| format!("{v}")));
            t.row(row);
        }
        t.into_string()
    }

    /// PSIS leave-one-episode-out, per episode (`observations` from
    /// [`Experiment::episode_observations`]). `None` for an episode whose log-likelihood is
    /// not finite at some draw (the importance ratios are then undefined).
    pub fn loo(&self, observations: &[usize]) -> Vec<Option<EpisodeLoo>> {
        let s = self.loglik.len();
        (0..self.episodes.len())
            .map(|e| {
                let ll: Vec<f64> = self.loglik.iter().map(|r| r[e]).collect();
                if ll.iter().any(|v| !v.is_finite()) {
                    return None;
                }
                let neg: Vec<f64> = ll.iter().map(|v| -v).collect();
                let Psis {
                    log_weights, k_hat, ..
                } = psis(&neg)?;
                let elpd_loo = log_sum_exp(log_weights.iter().zip(&ll).map(|(w, l)| w + l));
                let lpd = log_sum_exp(ll.iter().copied()) - (s as f64).ln();
                Some(EpisodeLoo {
                    episode: self.episodes[e].clone(),
                    observations: observations[e],
                    lpd,
                    elpd_loo,
                    p_loo: lpd - elpd_loo,
                    k_hat,
                    k_threshold: Psis::k_threshold(s),
                })
            })
            .collect()
    }
}

/// `loo_episodes.csv`: one row per episode (empty values where the estimate is undefined).
pub fn loo_csv(episodes: &[String], loo: &[Option<EpisodeLoo>]) -> String {
    let mut t = CsvTable::with_header([
        "episode",
        "observations",
        "lpd",
        "elpd_loo",
        "p_loo",
        "k_hat",
        "k_threshold",
        "reliable",
    ]);
    for (name, l) in episodes.iter().zip(loo) {
        match l {
            Some(l) => t.row([
                l.episode.clone(),
                l.observations.to_string(),
                format!("{}", l.lpd),
                format!("{}", l.elpd_loo),
                format!("{}", l.p_loo),
                format!("{}", l.k_hat),
                format!("{}", l.k_threshold),
                l.reliable().to_string(),
            ]),
            None => t.row([
                name.clone(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                "false".into(),
            ]),
        };
    }
    t.into_string()
}

fn log_sum_exp(x: impl Iterator<Item = f64> + Clone) -> f64 {
    let max = x.clone().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    max + x.map(|v| (v - max).exp()).sum::<f64>().ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With identical log-likelihoods at every draw, the importance weights are equal and
    /// leaving an episode out changes nothing: elpd_loo = lpd = the common value, p_loo = 0.
    #[test]
    fn constant_log_likelihoods_give_no_loo_penalty() {
        let l = EpisodeLogLiks {
            episodes: vec!["a".into()],
            draws: (0..200).map(|d| (0, d)).collect(),
            loglik: vec![vec![-3.5]; 200],
        };
        let loo = l.loo(&[4])[0].clone().unwrap();
        assert!((loo.elpd_loo + 3.5).abs() < 1e-12);
        assert!((loo.lpd + 3.5).abs() < 1e-12);
        assert!(loo.p_loo.abs() < 1e-12);
    }

    /// A conjugate normal model with a known leave-one-out answer: y ~ N(θ, 1), one
    /// observation y_e = 1 "episode" among others, posterior θ ~ N(m, v). Exact draws from the
    /// posterior (quantiles): elpd_loo of y_e is log N(y_e; m_{-e}, 1 + v_{-e}) with the
    /// posterior without y_e, m_{-e} = (m/v − y_e)/(1/v − 1), v_{-e} = 1/(1/v − 1).
    #[test]
    fn matches_the_exact_leave_one_out_density_of_a_normal_model() {
        let (m, v, y) = (0.4f64, 0.2f64, 1.0f64);
        let s = 4000;
        let normal_q = |p: f64| statrs_quantile(p);
        let theta: Vec<f64> = (0..s)
            .map(|i| m + v.sqrt() * normal_q((i as f64 + 0.5) / s as f64))
            .collect();
        let ll: Vec<Vec<f64>> = theta
            .iter()
            .map(|t| vec![-0.5 * (2.0 * std::f64::consts::PI).ln() - 0.5 * (y - t).powi(2)])
            .collect();
        let l = EpisodeLogLiks {
            episodes: vec!["e".into()],
            draws: (0..s).map(|d| (0, d)).collect(),
            loglik: ll,
        };
        let loo = l.loo(&[1])[0].clone().unwrap();
        let vm = 1.0 / (1.0 / v - 1.0);
        let mm = (m / v - y) * vm;
        let var = 1.0 + vm;
        let exact = -0.5 * (2.0 * std::f64::consts::PI * var).ln() - 0.5 * (y - mm).powi(2) / var;
        assert!(
            (loo.elpd_loo - exact).abs() < 0.01,
            "{} vs {exact}",
            loo.elpd_loo
        );
        assert!(loo.reliable(), "k̂ {}", loo.k_hat);
    }

    fn statrs_quantile(p: f64) -> f64 {
        use statrs::distribution::{ContinuousCDF, Normal};
        Normal::new(0.0, 1.0).unwrap().inverse_cdf(p)
    }
}
