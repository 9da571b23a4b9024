"""Calibration from Python: fit a model to data as a calibration experiment describes (file or
dict: episodes, observation equations, parameters with bounds and priors, estimation and
uncertainty), computed by the engine's ``pressure-calibrate`` crate, results as DataFrames.

The files are those ``pressure calibrate`` writes, byte for byte (``result.files``; the CLI
also writes checkpoints, a manifest and figures).

>>> from pressure import calibrate
>>> fit = calibrate.run("experiments/calibrate/logistic_synthetic.toml")
>>> fit.estimates  # doctest: +SKIP
{'growth_rate': 0.45..., 'carrying_capacity': 80..., 'initial_population': 4...}
>>> fit.params[["parameter", "estimate", "wald_low", "wald_high"]]  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Dict, List, Optional, Union

import pandas as pd

from . import _pressure
from ._files import ExperimentLike, experiment_source, read_csv, read_json

__all__ = ["run", "CalibrationResult"]


@dataclass
class CalibrationResult:
    """A finished calibration.

    ``estimates`` maps each fitted parameter to its estimate; ``converged`` and ``message``
    report the optimiser; ``model_runs`` counts the estimation's runs; ``notes`` are the CLI's
    summary lines. ``files`` holds every result file (name -> text); the properties read them:
    ``params`` (estimates with standard errors and Wald, profile, bootstrap and posterior
    intervals), ``fit`` (observed vs model per episode, series and date, with residuals),
    ``stats`` (``stats.json`` as a dict), ``prior_posterior``, ``validation``, and when the
    experiment computes them ``profiles``, ``draws`` (MCMC), ``holdout``, ``counterfactual``
    and ``benchmarks`` (None otherwise).
    """

    seed: int
    estimates: Dict[str, float]
    converged: bool
    message: str
    model_runs: int
    notes: List[str]
    files: Dict[str, str] = field(repr=False)

    def table(self, name: str) -> Optional[pd.DataFrame]:
        """The result file ``name`` (e.g. ``"fit.csv"``) as a DataFrame, or None."""
        text = self.files.get(name)
        return None if text is None else read_csv(text)

    @property
    def params(self) -> pd.DataFrame:
        return self.table("params.csv")

    @property
    def fit(self) -> pd.DataFrame:
        return self.table("fit.csv")

    @property
    def stats(self) -> Dict[str, Any]:
        return read_json(self.files["stats.json"])

    @property
    def prior_posterior(self) -> pd.DataFrame:
        return self.table("prior_posterior.csv")

    @property
    def validation(self) -> pd.DataFrame:
        return self.table("validation.csv")

    @property
    def profiles(self) -> Optional[pd.DataFrame]:
        return self.table("profiles.csv")

    @property
    def draws(self) -> Optional[pd.DataFrame]:
        return self.table("draws.csv")

    @property
    def holdout(self) -> Optional[pd.DataFrame]:
        return self.table("holdout.csv")

    @property
    def counterfactual(self) -> Optional[pd.DataFrame]:
        return self.table("counterfactual.csv")

    @property
    def benchmarks(self) -> Optional[pd.DataFrame]:
        return self.table("benchmarks.csv")


def run(
    experiment: ExperimentLike,
    *,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    base: Union[str, "PathLike[str]", None] = None,
) -> CalibrationResult:
    """Runs a calibration experiment: a file (``experiments/calibrate/*.toml``) or a dict of
    the same sections (``{"experiment": {...}, "episode": [...], "parameter": [...],
    "mapping": [...], "estimation": {...}, "uncertainty": {...}}``; relative paths in a dict
    are relative to ``base``, default the working directory). ``seed`` overrides the
    experiment's (multi-start, bootstrap, MCMC); ``threads`` defaults to all cores (results do
    not depend on it). Bad input raises ``InputError`` naming the file and the problem; a run
    that fails raises ``RunError``."""
    path, text = experiment_source(experiment, base)
    used_seed, estimates, converged, message, model_runs, files, notes = _pressure.run_calibration_experiment(
        path, text=text, seed=seed, threads=threads
    )
    return CalibrationResult(
        seed=used_seed,
        estimates=dict(estimates),
        converged=converged,
        message=message,
        model_runs=model_runs,
        notes=list(notes),
        files=dict(files),
    )
