"""Global sensitivity analysis from Python: Pressure's experiments (Sobol', Morris, Monte Carlo
envelopes with PRCC, one at a time) and SALib-style functions, all computed by the engine's
``pressure-sensitivity`` crate.

Two ways in:

- **Experiments** (``run``, or ``sobol`` / ``morris`` / ``montecarlo`` from a SALib-style
  ``problem`` dict): the model runs in parallel inside the engine and the results come back as
  DataFrames. ``run`` takes an experiment file or the same content as a dict; the numbers are
  those ``pressure sensitivity`` writes, byte for byte (``result.files``).
- **Your own sample and outputs** (``sobol_analyze``, ``morris_analyze``, ``prcc``), like
  ``SALib.analyze``: the same sample and outputs give SALib's point estimates (to rounding).

>>> from pressure import sensitivity
>>> problem = {"num_vars": 2, "names": ["contact_infectivity", "duration"],
...            "bounds": [[0.1, 0.6], [2, 10]]}
>>> res = sensitivity.sobol("models/examples/sir.toml", problem, N=256,
...                         outputs=[{"name": "peak", "variable": "infectious", "statistic": "peak"}])
>>> res.indices[["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]]  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _pressure
from ._files import ExperimentLike, experiment_source, read_csv, read_json
from ._pressure import InputError

__all__ = [
    "run",
    "sobol",
    "morris",
    "montecarlo",
    "SensitivityResult",
    "sobol_analyze",
    "morris_analyze",
    "prcc",
    "AnalysisResult",
    "saltelli_sample",
    "morris_sample",
]


#: Per method: its main table and its JSON report (the files `pressure sensitivity` writes).
_RESULT_FILES = {
    "sobol": ("sobol_indices.csv", "sobol_indices.json"),
    "morris": ("morris.csv", "morris.json"),
    "montecarlo": ("summary.csv", "montecarlo.json"),
    "oat": ("tornado.csv", "tornado.json"),
}


@dataclass
class SensitivityResult:
    """The results of a sensitivity experiment.

    ``files`` holds every result file as ``pressure sensitivity`` writes it (name -> bytes;
    without the manifest and figures, which describe a folder). The DataFrames are read from
    them: ``indices`` (``sobol_indices.csv``, ``morris.csv``, ``summary.csv`` or
    ``tornado.csv``: one row per output and parameter, with ``conf`` half-widths and
    ``low``/``high`` bootstrap intervals), ``second_order`` (Sobol' S2), ``over_time``
    (indices of ``[[series]]`` outputs over time), ``prcc`` (Monte Carlo), ``sample`` and
    ``outputs`` (with ``save_sample``), ``failures``; ``report`` is the JSON file as a dict.
    """

    method: str
    seed: int
    runs: int
    failed_runs: int
    files: Dict[str, bytes] = field(repr=False)

    def table(self, name: str) -> Optional[pd.DataFrame]:
        """The result file ``name`` (e.g. ``"sobol_indices.csv"``) as a DataFrame, or None."""
        data = self.files.get(name)
        return None if data is None else read_csv(data)

    @property
    def indices(self) -> pd.DataFrame:
        return self.table(_RESULT_FILES[self.method][0])

    @property
    def second_order(self) -> Optional[pd.DataFrame]:
        return self.table("sobol_second_order.csv")

    @property
    def over_time(self) -> Optional[pd.DataFrame]:
        return self.table("sobol_indices_time.csv")

    @property
    def prcc(self) -> Optional[pd.DataFrame]:
        return self.table("prcc.csv")

    @property
    def sample(self) -> Optional[pd.DataFrame]:
        return self.table("sample.csv")

    @property
    def outputs(self) -> Optional[pd.DataFrame]:
        return self.table("outputs.csv")

    @property
    def failures(self) -> Optional[pd.DataFrame]:
        return self.table("failures.csv")

    @property
    def report(self) -> Dict[str, Any]:
        return read_json(self.files[_RESULT_FILES[self.method][1]])


def run(
    experiment: ExperimentLike,
    *,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    quick: bool = False,
    save_sample: bool = False,
    base: Union[str, "PathLike[str]", None] = None,
) -> SensitivityResult:
    """Runs a sensitivity experiment: a file (``experiments/sensitivity/*.toml``) or a dict of
    the same sections (``{"experiment": {...}, "method": {...}, "parameters": [...],
    "outputs": [...]}``; relative paths in a dict are relative to ``base``, default the working
    directory). ``seed`` overrides the experiment's; ``threads`` defaults to all cores (results
    do not depend on it); ``quick`` and ``save_sample`` as the CLI's ``--quick`` and
    ``--save-sample``. Errors in the experiment raise ``ModelError`` pointing at its line and
    column (for a dict, at the TOML it became).

    >>> res = sensitivity.run("experiments/sensitivity/sir_sobol.toml", quick=True)
    >>> res.indices.columns[:5].tolist()
    ['output', 'variable', 'time', 'parameter', 'S1']
    """
    path, text = experiment_source(experiment, base)
    used_seed, runs, failed, files = _pressure.run_sensitivity_experiment(
        path, text=text, seed=seed, threads=threads, quick=quick, save_sample=save_sample
    )
    files = dict(files)
    method = next(
        m
        for m, f in [("sobol", "sobol_indices.csv"), ("morris", "morris.csv"), ("montecarlo", "summary.csv"), ("oat", "tornado.csv")]
        if f in files
    )
    return SensitivityResult(method=method, seed=used_seed, runs=runs, failed_runs=failed, files=files)


def sobol(
    model: Any,
    problem: Mapping[str, Any],
    outputs: Sequence[Mapping[str, Any]],
    N: int = 1024,
    calc_second_order: bool = False,
    *,
    series: Sequence[Mapping[str, Any]] = (),
    num_resamples: int = 100,
    conf_level: float = 0.95,
    scramble: bool = True,
    seed: int = 0,
    threads: Optional[int] = None,
    scenarios: Sequence[str] = (),
    dt: Optional[float] = None,
    save_sample: bool = False,
) -> SensitivityResult:
    """Sobol' indices (S1, ST and optionally S2, with bootstrap intervals) of a model's
    ``outputs`` over the parameters of a SALib ``problem`` (``names``, ``bounds``: uniform
    ranges; optional ``groups``), from ``N * (D + 2)`` runs (``N * (2D + 2)`` with second
    order) of a scrambled Sobol' design. ``model`` is a ``pressure.Model`` or a model file;
    ``outputs`` are the experiment format's ``[[outputs]]`` (``variable``, ``statistic``:
    ``value_at`` / ``mean`` / ``peak`` / ``min`` / ``first_crossing``, ...), ``series`` its
    ``[[series]]`` (indices over time)."""
    method = {
        "kind": "sobol",
        "n": int(N),
        "second_order": bool(calc_second_order),
        "scramble": bool(scramble),
        "bootstrap": int(num_resamples),
        "confidence": float(conf_level),
    }
    return run(
        _experiment(model, problem, method, outputs, series, seed, scenarios, dt, save_sample),
        threads=threads,
    )


def morris(
    model: Any,
    problem: Mapping[str, Any],
    outputs: Sequence[Mapping[str, Any]],
    N: int = 20,
    num_levels: int = 4,
    *,
    optimal_trajectories: Optional[int] = None,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    seed: int = 0,
    threads: Optional[int] = None,
    scenarios: Sequence[str] = (),
    dt: Optional[float] = None,
    save_sample: bool = False,
) -> SensitivityResult:
    """Morris elementary effects (mu, mu*, with a bootstrap interval, sigma) of ``N``
    trajectories on ``num_levels`` levels over the ``problem``'s ranges. As in SALib,
    ``optimal_trajectories`` picks that many best-spread trajectories out of ``N`` candidates."""
    method: Dict[str, Any] = {
        "kind": "morris",
        "n": int(N if optimal_trajectories is None else optimal_trajectories),
        "levels": int(num_levels),
        "bootstrap": int(num_resamples),
        "confidence": float(conf_level),
    }
    if optimal_trajectories is not None:
        method["candidates"] = int(N)
    return run(_experiment(model, problem, method, outputs, (), seed, scenarios, dt, save_sample), threads=threads)


def montecarlo(
    model: Any,
    problem: Mapping[str, Any],
    outputs: Sequence[Mapping[str, Any]] = (),
    N: int = 1000,
    *,
    series: Sequence[Mapping[str, Any]] = (),
    sampler: str = "lhs",
    quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95),
    seed: int = 0,
    threads: Optional[int] = None,
    scenarios: Sequence[str] = (),
    dt: Optional[float] = None,
    save_sample: bool = False,
) -> SensitivityResult:
    """``N`` runs over the ``problem``'s ranges (``sampler``: ``lhs``, ``random`` or
    ``sobol``): moments and ``quantiles`` of each output (``indices``; the rows of ``series``
    are the envelopes over time) and the PRCC of each parameter with each output (``prcc``)."""
    method = {"kind": "montecarlo", "n": int(N), "sampler": sampler, "quantiles": [float(q) for q in quantiles]}
    return run(_experiment(model, problem, method, outputs, series, seed, scenarios, dt, save_sample), threads=threads)


def _experiment(model, problem, method, outputs, series, seed, scenarios, dt, save_sample) -> Dict[str, Any]:
    """The experiment dict of a SALib ``problem`` on a model."""
    path = model._native.path if hasattr(model, "_native") else model
    names, bounds = _problem(problem)
    header: Dict[str, Any] = {
        "name": "python",
        "model": str(Path(path).resolve()),
        "seed": int(seed),
        "scenarios": [str(Path(s).resolve()) for s in scenarios],
    }
    if dt is not None:
        header["dt"] = float(dt)
    if save_sample:
        method = dict(method, save_sample=True)
    exp: Dict[str, Any] = {
        "experiment": header,
        "method": method,
        "parameters": [{"name": n, "distribution": "uniform", "low": lo, "high": hi} for n, (lo, hi) in zip(names, bounds)],
        "outputs": [dict(o) for o in outputs],
        "series": [dict(s) for s in series],
    }
    groups = problem.get("groups")
    if groups is not None:
        if len(groups) != len(names):
            raise InputError(f"problem['groups'] has {len(groups)} entries for {len(names)} names")
        order = list(dict.fromkeys(groups))
        exp["groups"] = [{"name": str(g), "parameters": [n for n, gg in zip(names, groups) if gg == g]} for g in order]
    return exp


def _problem(problem: Mapping[str, Any]):
    """``names`` and ``bounds`` of a SALib problem dict, checked."""
    if not isinstance(problem, Mapping) or "names" not in problem or "bounds" not in problem:
        raise InputError("a problem is a dict with 'names' and 'bounds' (as SALib's), e.g. "
                         "{'num_vars': 2, 'names': ['a', 'b'], 'bounds': [[0, 1], [0, 1]]}")
    names = [str(n) for n in problem["names"]]
    bounds = np.asarray(problem["bounds"], dtype=np.float64)
    if bounds.shape != (len(names), 2):
        raise InputError(f"problem['bounds'] has shape {bounds.shape}, expected ({len(names)}, 2): one [low, high] per name")
    if "num_vars" in problem and int(problem["num_vars"]) != len(names):
        raise InputError(f"problem['num_vars'] is {problem['num_vars']} but there are {len(names)} names")
    if not np.all(np.isfinite(bounds)) or np.any(bounds[:, 0] >= bounds[:, 1]):
        raise InputError("problem['bounds']: every [low, high] must be finite with low < high")
    dists = problem.get("dists")
    if dists is not None and any(d != "unif" for d in dists):
        raise InputError("only uniform ranges ('unif') are taken from a problem dict; write other "
                         "distributions in an experiment ([[parameters]] distribution = ...)")
    return names, [(float(lo), float(hi)) for lo, hi in bounds]


# --- SALib-style analysis of a sample made elsewhere ---------------------------------------


class AnalysisResult(dict):
    """A dict of numpy arrays keyed as SALib's results (``S1``, ``S1_conf``, ``ST``, ...;
    ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``), plus ``names``. Pressure adds the
    bootstrap percentile intervals (``S1_low``, ``S1_high``, ...). ``to_df()`` returns
    DataFrames indexed by parameter, as SALib's does."""

    def to_df(self):
        names = self["names"]
        if "S1" in self:
            total = pd.DataFrame({"ST": self["ST"], "ST_conf": self["ST_conf"]}, index=names)
            first = pd.DataFrame({"S1": self["S1"], "S1_conf": self["S1_conf"]}, index=names)
            if "S2" not in self:
                return [total, first]
            pairs = [(j, k) for j in range(len(names)) for k in range(j + 1, len(names))]
            second = pd.DataFrame(
                {
                    "S2": [self["S2"][j, k] for j, k in pairs],
                    "S2_conf": [self["S2_conf"][j, k] for j, k in pairs],
                },
                index=[(names[j], names[k]) for j, k in pairs],
            )
            return [total, first, second]
        return pd.DataFrame(
            {k: self[k] for k in ["mu", "mu_star", "sigma", "mu_star_conf"]}, index=pd.Index(names, name="names")
        )


def _names(problem: Mapping[str, Any]) -> List[str]:
    if isinstance(problem, Mapping) and "names" in problem:
        return [str(n) for n in problem["names"]]
    raise InputError("a problem is a dict with 'names' (and 'bounds'), as SALib's")


def _outputs(Y, rows_per_group: int, what: str) -> np.ndarray:
    y = np.ascontiguousarray(np.asarray(Y, dtype=np.float64))
    if y.ndim != 1:
        raise InputError(f"Y must be one output per row (a 1-D array), got shape {y.shape}")
    if y.size == 0 or y.size % rows_per_group != 0:
        raise InputError(f"{what}: Y has {y.size} rows, not a multiple of {rows_per_group}")
    if not np.all(np.isfinite(y)):
        bad = int(np.flatnonzero(~np.isfinite(y))[0])
        raise InputError(f"Y[{bad}] is {y[bad]}: outputs must be finite numbers")
    return y


def sobol_analyze(
    problem: Mapping[str, Any],
    Y,
    calc_second_order: bool = True,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    seed: Optional[int] = None,
) -> AnalysisResult:
    """Sobol' indices of outputs ``Y`` of a Saltelli sample in SALib's row order (from
    ``SALib.sample.sobol.sample`` or ``saltelli_sample``), like
    ``SALib.analyze.sobol.analyze(problem, Y, calc_second_order)``: the same ``S1``, ``ST`` and
    ``S2`` (SALib's estimators, its standardisation included). Intervals come from a Poisson
    bootstrap of ``num_resamples`` replicates seeded by ``seed`` (default 0): ``*_conf`` are
    half-widths like SALib's, ``*_low`` / ``*_high`` percentile bounds. ``S2`` is a D x D
    matrix filled above the diagonal (NaN elsewhere, as SALib's)."""
    names = _names(problem)
    d = len(names)
    if "groups" in problem and problem["groups"] is not None:
        raise InputError("sobol_analyze takes one factor per name; run grouped indices with sensitivity.sobol")
    gs = 2 * d + 2 if calc_second_order else d + 2
    y = _outputs(Y, gs, f"a Saltelli sample over {d} parameters ({'with' if calc_second_order else 'without'} second order) has groups of {gs} rows")
    (s1, st, s2), = _pressure.sobol_analyze(
        y.tobytes(), d, 1, bool(calc_second_order), int(num_resamples), int(seed or 0), float(conf_level)
    )
    out = AnalysisResult(names=names)
    for key, ests in [("S1", s1), ("ST", st)]:
        arr = np.asarray(ests, dtype=np.float64).reshape(d, 4)
        out[key], out[f"{key}_conf"], out[f"{key}_low"], out[f"{key}_high"] = arr.T.copy()
    if calc_second_order:
        mats = {k: np.full((d, d), np.nan) for k in ["S2", "S2_conf", "S2_low", "S2_high"]}
        for j, k, e in s2:
            for key, v in zip(["S2", "S2_conf", "S2_low", "S2_high"], e):
                mats[key][j, k] = v
        out.update(mats)
    return out


def morris_analyze(
    problem: Mapping[str, Any],
    X,
    Y,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    num_levels: int = 4,
    seed: Optional[int] = None,
) -> AnalysisResult:
    """Morris measures of trajectories ``X`` (in the problem's bounds, rows grouped by
    trajectory as ``SALib.sample.morris.sample`` makes them) and outputs ``Y``, like
    ``SALib.analyze.morris.analyze``: the same ``mu``, ``mu_star`` and ``sigma``; ``mu_star``'s
    interval bootstraps trajectories (``num_resamples``, ``seed``)."""
    names = _names(problem)
    d = len(names)
    x = np.asarray(X, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != d:
        raise InputError(f"X must have shape (rows, {d}), got {x.shape}")
    y = _outputs(Y, d + 1, f"a Morris sample over {d} parameters has trajectories of {d + 1} rows")
    if x.shape[0] != y.size:
        raise InputError(f"X has {x.shape[0]} rows but Y has {y.size}")
    bounds = np.asarray(problem["bounds"], dtype=np.float64) if "bounds" in problem else np.array([[0.0, 1.0]] * d)
    unit = np.ascontiguousarray((x - bounds[:, 0]) / (bounds[:, 1] - bounds[:, 0]))
    (mu, mu_star, sigma), = _pressure.morris_analyze(
        unit.tobytes(), y.tobytes(), d, 1, int(num_levels), int(num_resamples), int(seed or 0), float(conf_level)
    )
    arr = np.asarray(mu_star, dtype=np.float64).reshape(d, 4)
    out = AnalysisResult(names=names, mu=np.asarray(mu), sigma=np.asarray(sigma))
    out["mu_star"], out["mu_star_conf"], out["mu_star_low"], out["mu_star_high"] = arr.T.copy()
    return out


def prcc(X, Y, names: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """Partial rank correlation coefficients (Marino et al. 2008) of each column of ``X``
    (runs x parameters) with ``Y``, and their two-sided p-values; indexed by ``names`` (or
    ``X``'s columns when it is a DataFrame)."""
    if isinstance(X, pd.DataFrame):
        names = [str(c) for c in X.columns] if names is None else list(names)
    x = np.ascontiguousarray(np.asarray(X, dtype=np.float64))
    if x.ndim != 2:
        raise InputError(f"X must be a 2-D array (runs x parameters), got shape {x.shape}")
    y = np.ascontiguousarray(np.asarray(Y, dtype=np.float64))
    if y.ndim != 1 or y.size != x.shape[0]:
        raise InputError(f"Y must be one value per row of X ({x.shape[0]}), got shape {y.shape}")
    names = [f"x{j + 1}" for j in range(x.shape[1])] if names is None else [str(n) for n in names]
    if len(names) != x.shape[1]:
        raise InputError(f"{len(names)} names for {x.shape[1]} columns")
    rows = _pressure.prcc_analyze(x.tobytes(), x.shape[1], y.tobytes())
    return pd.DataFrame(rows, columns=["prcc", "p_value"], index=pd.Index(names, name="parameter"))


def _scale(unit: bytes, problem: Mapping[str, Any]) -> np.ndarray:
    names, bounds = _problem(problem)
    b = np.asarray(bounds)
    u = np.frombuffer(unit, dtype=np.float64).reshape(-1, len(names))
    return b[:, 0] + u * (b[:, 1] - b[:, 0])


def saltelli_sample(problem: Mapping[str, Any], N: int, calc_second_order: bool = True, *, scramble: bool = True, seed: int = 0) -> np.ndarray:
    """Pressure's Saltelli design over the ``problem``'s bounds: ``N * (D + 2)`` rows
    (``N * (2D + 2)`` with second order) in SALib's row order, for ``sobol_analyze`` (or for
    running elsewhere). ``N`` is a power of two; the base points are a Sobol' sequence,
    scrambled with ``seed`` unless ``scramble=False``."""
    names, _ = _problem(problem)
    unit = _pressure.saltelli_sample(len(names), int(N), bool(calc_second_order), int(seed) if scramble else None)
    return _scale(unit, problem)


def morris_sample(problem: Mapping[str, Any], N: int, num_levels: int = 4, optimal_trajectories: Optional[int] = None, seed: int = 0) -> np.ndarray:
    """Pressure's Morris design over the ``problem``'s bounds: ``N`` trajectories of ``D + 1``
    rows on ``num_levels`` levels (or the best-spread ``optimal_trajectories`` of ``N``)."""
    names, _ = _problem(problem)
    if optimal_trajectories is None:
        unit = _pressure.morris_sample(len(names), int(N), int(num_levels), int(seed))
    else:
        unit = _pressure.morris_sample(len(names), int(optimal_trajectories), int(num_levels), int(seed), candidates=int(N))
    return _scale(unit, problem)
