"""Figures in Pressure's house style, from Python.

Each figure comes in two calls: ``*_data`` returns the tidy table the figure draws (one row per
point, with units: plot it with matplotlib or seaborn as you like), and the plain call writes
the figure through Pressure's own drawing code (the Rust crate ``pressure-plot``, the same code
as ``pressure plot`` and the figures of ``pressure sensitivity`` / ``calibrate``): one column
wide (85 mm) or two (175 mm), Okabe-Ito colours with dashes, axis titles with units, written as
SVG, PNG (300 dpi) or PDF (font embedded) by the file name's extension. Give several paths to
write several formats of the same figure.

>>> import pressure, pressure.plot
>>> model = pressure.load("models/examples/sir.toml")
>>> df = model.run()
>>> pressure.plot.run(df, ["infectious", "recovered"], "sir.svg")  # doctest: +SKIP
>>> tidy = pressure.plot.run_data(df, ["infectious"])  # scenario, variable, title, time, value, unit, ...
>>> tidy.columns.tolist()[:4]
['scenario', 'variable', 'title', 'time']

Functions: ``run`` / ``run_data`` (a run's DataFrame, a dict of named runs, or a
``BatchResult`` drawn as its median with a percentile band), ``sobol`` / ``sobol_data`` and
``morris`` / ``morris_data`` (``pressure.sensitivity`` results or the dicts of
``sobol_analyze`` / ``morris_analyze``), ``fit`` / ``fit_data`` (a ``pressure.calibrate``
result: model against data per observable).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from os import PathLike, fspath
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from . import BatchResult, InputError
from . import _pressure

__all__ = [
    "Figure",
    "run",
    "run_data",
    "sobol",
    "sobol_data",
    "morris",
    "morris_data",
    "fit",
    "fit_data",
    "readable",
]

PathArg = Union[str, "PathLike[str]"]


@dataclass(frozen=True)
class Figure:
    """A written figure: the ``paths`` written, the tidy ``data`` it draws, and per panel its
    ``title``, ``plot_area`` (left, top, right, bottom in pixels at 300 dpi: the SVG's
    ``viewBox`` units) and the data ranges ``x_range`` / ``y_range`` mapped onto it."""

    paths: List[str]
    data: pd.DataFrame
    panels: List[Dict[str, Any]]


def readable(name: str) -> str:
    """A variable name as a title: underscores as spaces, first letter capitalised
    (``contact_infectivity`` -> ``Contact infectivity``)."""
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


# ----------------------------------------------------------------------------------- runs


def run_data(
    results: Union[pd.DataFrame, Mapping[str, pd.DataFrame], BatchResult],
    vars: Optional[Sequence[str]] = None,
    *,
    band: Tuple[float, float] = (5.0, 95.0),
) -> pd.DataFrame:
    """The tidy table of ``run``: columns ``scenario``, ``variable``, ``title`` (readable name),
    ``time``, ``value``, ``unit``, ``time_unit``, ``lower``, ``upper`` (the band; NaN for single
    runs), one row per saved time of each variable of each run.

    ``results`` is a DataFrame from ``Model.run`` (units from ``df.attrs``), a dict
    ``{scenario name: DataFrame}`` (one line per scenario), or a ``BatchResult`` (the median over
    runs, with the ``band`` percentiles as lower and upper). ``vars`` picks the columns (all
    when ``None``)."""
    if isinstance(results, BatchResult):
        return _batch_data(results, vars, band)
    if isinstance(results, pd.DataFrame):
        runs = {str(results.attrs.get("model", "run")): results}
    elif isinstance(results, Mapping):
        runs = dict(results)
        if not runs:
            raise InputError("no runs to plot: the dict is empty")
    else:
        raise InputError(
            f"run_data takes a DataFrame from Model.run, a dict of them or a BatchResult, not {type(results).__name__}"
        )
    frames = []
    for scenario, df in runs.items():
        if not isinstance(df, pd.DataFrame):
            raise InputError(f"scenario '{scenario}': expected a DataFrame from Model.run, got {type(df).__name__}")
        names = _pick(list(df.columns), vars, f"scenario '{scenario}'")
        units = df.attrs.get("units", {})
        time = np.asarray(df.index, dtype=np.float64)
        for name in names:
            frames.append(
                pd.DataFrame(
                    {
                        "scenario": str(scenario),
                        "variable": name,
                        "title": readable(name),
                        "time": time,
                        "value": df[name].to_numpy(dtype=np.float64),
                        "unit": units.get(name) or "",
                        "time_unit": df.attrs.get("time_units") or "",
                        "lower": np.nan,
                        "upper": np.nan,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _batch_data(res: BatchResult, vars: Optional[Sequence[str]], band: Tuple[float, float]) -> pd.DataFrame:
    lo, hi = band
    if not 0.0 <= lo < hi <= 100.0:
        raise InputError(f"band {band}: give two percentiles 0 <= low < high <= 100")
    names = _pick(list(res.outputs), vars, "the batch")
    frames = []
    for name in names:
        values = res.outputs[name]
        q = np.percentile(values, [50.0, lo, hi], axis=0)
        frames.append(
            pd.DataFrame(
                {
                    "scenario": f"median of {values.shape[0]} runs ({_pct(lo)}-{_pct(hi)}th percentile band)",
                    "variable": name,
                    "title": readable(name),
                    "time": res.time,
                    "value": q[0],
                    "unit": res.units.get(name) or "",
                    "time_unit": res.time_units or "",
                    "lower": q[1],
                    "upper": q[2],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def run(
    results: Union[pd.DataFrame, Mapping[str, pd.DataFrame], BatchResult],
    vars: Optional[Sequence[str]] = None,
    path: Union[PathArg, Sequence[PathArg]] = "run.svg",
    *,
    width: str = "single",
    note: Optional[str] = None,
    band: Tuple[float, float] = (5.0, 95.0),
) -> Figure:
    """Writes runs over time: one panel per variable (titled by its readable name, the y axis
    in its units, the x axis in the model's time units), one line per scenario, the batch's
    band shaded. See ``run_data`` for ``results`` and ``vars``; ``path`` is one file name or a
    list (``.svg``, ``.png``, ``.pdf``); ``width`` ``"single"`` (85 mm) or ``"double"``
    (175 mm); ``note`` a line under the figure (e.g. the data source)."""
    data = run_data(results, vars, band=band)
    table = data.drop(columns=["variable"]).rename(columns={"title": "variable"})
    if data["lower"].isna().all():
        table = table.drop(columns=["lower", "upper"])
    return _draw("scenarios", table, data, path, width=width, note=note)


# --------------------------------------------------------------------------- sensitivity


def sobol_data(result: Any, output: Optional[str] = None) -> pd.DataFrame:
    """The tidy table of ``sobol``: one row per parameter with ``S1``, ``ST`` and their interval
    ``*_low`` / ``*_high``, for one ``output``. ``result`` is a ``pressure.sensitivity`` Sobol'
    result (its ``indices``; ``output`` picks one when it has several) or the dict of
    ``sensitivity.sobol_analyze``."""
    if _is_analysis(result):
        table = pd.DataFrame({"parameter": list(result["names"])})
        for key in ["S1", "ST"]:
            table[key] = np.asarray(result[key], dtype=np.float64)
            table[f"{key}_low"] = np.asarray(result[f"{key}_low"], dtype=np.float64)
            table[f"{key}_high"] = np.asarray(result[f"{key}_high"], dtype=np.float64)
        table["output"] = output or "the output"
        return table
    indices = _indices(result, ["S1", "ST"], "Sobol'")
    indices = _one_output(indices, output)
    cols = ["parameter", "S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high", "output"]
    return indices[cols].reset_index(drop=True)


def sobol(
    result: Any,
    path: Union[PathArg, Sequence[PathArg]] = "sobol.svg",
    output: Optional[str] = None,
    *,
    width: str = "single",
    note: Optional[str] = None,
) -> Figure:
    """Writes first-order (S1) and total (ST) Sobol' indices as grouped bars with their
    intervals, for one output (see ``sobol_data``)."""
    data = sobol_data(result, output)
    return _draw("sobol", data, data, path, width=width, note=note)


def morris_data(result: Any, output: Optional[str] = None, unit: Optional[str] = None) -> pd.DataFrame:
    """The tidy table of ``morris``: one row per parameter with ``mu_star``, its interval
    half-width ``mu_star_conf`` and ``sigma``, for one ``output`` (in ``unit``, which labels
    the axes). ``result`` is a ``pressure.sensitivity`` Morris result or the dict of
    ``sensitivity.morris_analyze``."""
    if _is_analysis(result):
        table = pd.DataFrame(
            {
                "parameter": list(result["names"]),
                "mu_star": np.asarray(result["mu_star"], dtype=np.float64),
                "mu_star_conf": np.asarray(result["mu_star_conf"], dtype=np.float64),
                "sigma": np.asarray(result["sigma"], dtype=np.float64),
            }
        )
        table["output"] = output or "the output"
    else:
        indices = _one_output(_indices(result, ["mu_star", "sigma"], "Morris"), output)
        table = indices[["parameter", "mu_star", "mu_star_conf", "sigma", "output"]].reset_index(drop=True)
    table["unit"] = unit or ""
    return table


def morris(
    result: Any,
    path: Union[PathArg, Sequence[PathArg]] = "morris.svg",
    output: Optional[str] = None,
    *,
    unit: Optional[str] = None,
    width: str = "single",
    note: Optional[str] = None,
) -> Figure:
    """Writes the Morris mu*-sigma plane (labelled points, mu* intervals, the line
    sigma = mu*) for one output (see ``morris_data``)."""
    data = morris_data(result, output, unit)
    return _draw("morris", data, data, path, width=width, note=note)


# --------------------------------------------------------------------------- calibration


def fit_data(result: Any) -> pd.DataFrame:
    """The tidy table of ``fit``: a ``pressure.calibrate`` result's ``fit`` table (episode,
    series, variable, unit, date or time, observed, model, residual), as ``fit.csv``."""
    table = getattr(result, "fit", result)
    if not isinstance(table, pd.DataFrame):
        raise InputError("fit_data takes a pressure.calibrate result (with a `fit` table) or that table")
    return table.reset_index(drop=True)


def fit(
    result: Any,
    path: Union[PathArg, Sequence[PathArg]] = "fit.svg",
    *,
    width: str = "double",
    note: Optional[str] = None,
) -> Figure:
    """Writes the calibrated model against the data, one panel per observable (and episode),
    the data as black points (see ``fit_data``)."""
    data = fit_data(result)
    return _draw("fit-grid", data, data, path, width=width, note=note)


# ------------------------------------------------------------------------------- helpers


def _draw(kind: str, table: pd.DataFrame, data: pd.DataFrame, path, *, width: str, note: Optional[str]) -> Figure:
    paths = [fspath(path)] if isinstance(path, (str, PathLike)) else [fspath(p) for p in path]
    buf = io.StringIO()
    # repr-exact floats (17 significant digits) so the figure draws the numbers of `data`.
    table.to_csv(buf, index=False, float_format="%.17g")
    panels = _pressure.plot_csv(
        kind, buf.getvalue().encode(), f"<pressure.plot.{kind.replace('-', '_')} data>", paths, width=width, note=note
    )
    return Figure(
        paths=paths,
        data=data,
        panels=[
            {"title": t, "plot_area": area, "x_range": xr, "y_range": yr} for t, area, xr, yr in panels
        ],
    )


def _pick(columns: List[str], vars: Optional[Sequence[str]], where: str) -> List[str]:
    if vars is None:
        return columns
    if isinstance(vars, str):
        vars = [vars]
    missing = [v for v in vars if v not in columns]
    if missing:
        raise InputError(f"{where} has no column {missing}; it has {columns}")
    return list(vars)


def _is_analysis(result: Any) -> bool:
    return isinstance(result, Mapping) and "names" in result


def _indices(result: Any, needed: Sequence[str], what: str) -> pd.DataFrame:
    indices = getattr(result, "indices", result)
    if not isinstance(indices, pd.DataFrame) or not set(needed) <= set(indices.columns):
        raise InputError(f"expected a {what} result of pressure.sensitivity (its indices have {list(needed)})")
    # Scalar outputs only: rows with a time belong to indices over time.
    if "time" in indices.columns:
        indices = indices[indices["time"].isna()]
    return indices


def _one_output(indices: pd.DataFrame, output: Optional[str]) -> pd.DataFrame:
    outputs = list(dict.fromkeys(indices["output"].astype(str)))
    if output is None:
        if len(outputs) != 1:
            raise InputError(f"the result has {len(outputs)} outputs {outputs}: pick one with output=")
        output = outputs[0]
    if output not in outputs:
        raise InputError(f"no output '{output}'; the result has {outputs}")
    return indices[indices["output"].astype(str) == output]


def _pct(p: float) -> str:
    return f"{p:g}"
