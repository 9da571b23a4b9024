"""Pressure from Python: load a system-dynamics model, run it into a pandas DataFrame, run
many parameter sets in parallel into numpy arrays, list its feedback loops, and run
sensitivity analyses (``pressure.sensitivity``) and calibrations (``pressure.calibrate``), and
draw figures in the house style (``pressure.plot``).

The engine is Pressure's Rust library (the same code as the ``pressure`` command line); this
package only converts between Python values and the engine's. Errors are Python exceptions that
carry the engine's message, with file, line and column for model files.

>>> import pressure
>>> model = pressure.load("models/examples/teacup.toml")
>>> df = model.run(params={"room_temperature": 75})
>>> df["teacup_temperature"].iloc[-1]  # doctest: +SKIP
75.16...
>>> df.attrs["units"]["teacup_temperature"]
'degF'
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from typing import Dict, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from ._pressure import InputError, ModelError, PressureError, RunError, __version__
from ._pressure import Model as _NativeModel

__all__ = [
    "load",
    "sensitivity",
    "calibrate",
    "plot",
    "Model",
    "BatchResult",
    "FitResult",
    "PressureError",
    "ModelError",
    "InputError",
    "RunError",
    "__version__",
]

ParamValue = Union[float, Sequence[float]]


def load(path: Union[str, "PathLike[str]"]) -> "Model":
    """Loads and compiles a model file: Pressure's ``.toml``, a Vensim ``.mdl`` or an XMILE
    ``.xmile`` / ``.xml`` / ``.stmx`` (read as ``pressure run`` reads them; variable names keep
    their spelling with spaces as underscores).

    Raises ``ModelError`` (message ``path:line:column: problem``, plus ``diagnostics``, a list
    of dicts with ``file``, ``line``, ``column``, ``message`` and ``help``) when the file has
    problems, or cannot be read.

    >>> model = pressure.load("models/examples/sir.toml")
    >>> model.stocks
    ['susceptible', 'infectious', 'recovered']
    >>> pressure.load("missing.toml")  # raises pressure.ModelError naming the file
    """
    return Model(_NativeModel.load(str(path)))


@dataclass(frozen=True)
class BatchResult:
    """The outputs of ``Model.run_batch``: ``time`` (saved times, shape ``(T,)``) and, per
    recorded column, an array of shape ``(runs, T)`` (``result["x"][i, t]`` is ``x`` in run
    ``i`` at ``time[t]``). ``units`` maps each column to its units (or ``None``);
    ``time_units`` are the model's."""

    time: np.ndarray
    outputs: Dict[str, np.ndarray]
    units: Dict[str, Optional[str]]
    time_units: Optional[str] = None

    def __getitem__(self, name: str) -> np.ndarray:
        return self.outputs[name]

    def final(self) -> pd.DataFrame:
        """Each run's values at the last saved time: one row per run, one column per output."""
        return pd.DataFrame({k: v[:, -1] for k, v in self.outputs.items()})


@dataclass(frozen=True)
class FitResult:
    """The result of ``Model.fit``: ``estimates`` (name -> value), ``params`` (DataFrame of
    ``estimate``, ``se``, and the Wald interval ``low``/``high`` at ``level``; NaN when the
    covariance failed, see ``covariance_error``), ``sigma`` (estimated or given error scale
    per column), whether the optimiser ``converged``, its ``message``, and ``model_runs``."""

    estimates: Dict[str, float]
    params: pd.DataFrame
    sigma: Dict[str, float]
    level: float
    converged: bool
    message: str
    model_runs: int
    covariance_error: Optional[str]


class Model:
    """A compiled model. Create it with ``pressure.load(path)``."""

    def __init__(self, native: _NativeModel):
        self._native = native
        self._parameters: Optional[pd.DataFrame] = None
        # pandas Index objects of run(): built once per time grid and per column list (building
        # them is most of a DataFrame's cost: ~80 us of a teacup run's ~100); each DataFrame
        # gets its own cheap view, so renaming one DataFrame's index touches no other.
        self._indexes: Dict[object, pd.Index] = {}

    def __repr__(self) -> str:
        return f"<pressure.Model {self.name!r} from {str(self._native.path)!r}>"

    @property
    def name(self) -> str:
        """The model's name."""
        return self._native.name

    @property
    def time_units(self) -> Optional[str]:
        """Units of the time axis from the model file (e.g. ``'minute'``), or ``None``."""
        return self._native.time_units

    @property
    def settings(self) -> Dict[str, object]:
        """The run settings of the model file: ``start``, ``stop``, ``dt``, ``save_every``,
        ``method``."""
        start, stop, dt, save_every, method = self._native.default_settings()
        return {"start": start, "stop": stop, "dt": dt, "save_every": save_every, "method": method}

    @property
    def parameters(self) -> pd.DataFrame:
        """Every parameter (one row per element of an arrayed constant), indexed by name, with
        columns ``variable``, ``default``, ``low``, ``high`` (the plausible range from the model
        file, NaN when none), ``units``, ``doc`` and ``source`` (the citation).

        >>> model.parameters.loc["contact_infectivity", ["default", "low", "high", "units"]]
        """
        if self._parameters is None:
            rows = self._native.parameters()
            self._parameters = pd.DataFrame(
                {
                    "variable": [r[1] for r in rows],
                    "default": [r[2] for r in rows],
                    "low": [r[4][0] if r[4] else np.nan for r in rows],
                    "high": [r[4][1] if r[4] else np.nan for r in rows],
                    "units": [r[3] for r in rows],
                    "doc": [r[5] for r in rows],
                    "source": [r[6] for r in rows],
                },
                index=pd.Index([r[0] for r in rows], name="name"),
            )
        return self._parameters.copy()

    @property
    def outputs(self) -> pd.DataFrame:
        """Every column a run can record, indexed by name, with ``variable``, ``kind``
        (``stock``, ``flow``, ``aux``, ``constant`` or ``exogenous``) and ``units``."""
        rows = self._native.outputs()
        return pd.DataFrame(
            {
                "variable": [r[1] for r in rows],
                "kind": [r[2] for r in rows],
                "units": [r[3] for r in rows],
            },
            index=pd.Index([r[0] for r in rows], name="name"),
        )

    @property
    def stocks(self) -> list:
        """Names of the stock columns (``x[element]`` for arrayed stocks), in model order."""
        return [r[0] for r in self._native.outputs() if r[2] == "stock"]

    def fit(
        self,
        data: pd.DataFrame,
        params: Mapping[str, Sequence[float]],
        error: Union[str, Mapping[str, str]] = "normal",
        *,
        sigma: Optional[Mapping[str, float]] = None,
        level: float = 0.95,
        method: Optional[str] = None,
        dt: Optional[float] = None,
        save_every: Optional[float] = None,
        rtol: Optional[float] = None,
        atol: Optional[float] = None,
    ) -> "FitResult":
        """Fits constants to data by maximum likelihood: Pressure's calibration estimator
        (Levenberg-Marquardt with the error scales estimated) and its Jacobian standard errors
        and Wald intervals (``pressure_calibrate``), the model running in the engine.

        ``data`` is indexed by time (saved times of the run: the model's ``save_every`` grid
        unless ``save_every`` is given), one column per observed model variable; missing
        values (NaN) are left out. ``params`` maps each constant to fit to ``(low, high)``
        (starting at the model's value) or ``(start, low, high)``; bounds may be infinite.
        ``error`` is ``"normal"`` or ``"log_normal"`` (for all columns, or a dict per column);
        ``sigma`` fixes a column's error scale instead of estimating it. For calibration
        against dated episode data with observation equations, priors, profiles, bootstrap or
        MCMC, use ``pressure.calibrate.run`` with an experiment.

        >>> data = pd.DataFrame({"infectious": observed}, index=days)  # doctest: +SKIP
        >>> fit = model.fit(data, {"contact_infectivity": (0.1, 0.6), "duration": (2, 10)},
        ...                 error="log_normal")  # doctest: +SKIP
        >>> fit.params  # estimate, se, low, high  # doctest: +SKIP
        """
        if not isinstance(data, pd.DataFrame):
            raise InputError(f"data must be a DataFrame indexed by time, not {type(data).__name__}")
        if not isinstance(params, Mapping) or not params:
            raise InputError("params must be a non-empty dict: name -> (low, high) or (start, low, high)")
        defaults = self.parameters["default"]
        specs = []
        for name, spec in params.items():
            spec = [float(v) for v in spec]
            if len(spec) == 2:
                if name not in defaults.index:
                    # Let the engine name the unknown parameter (with its suggestion).
                    start = 0.5 * (spec[0] + spec[1]) if all(np.isfinite(spec)) else 0.0
                else:
                    start = float(defaults[name])
                spec = [start, *spec]
            if len(spec) != 3:
                raise InputError(f"params['{name}'] must be (low, high) or (start, low, high), got {params[name]!r}")
            specs.append((str(name), *spec))
        time = np.asarray(data.index, dtype=np.float64)
        series = []
        for col in data.columns:
            values = np.asarray(data[col], dtype=np.float64)
            keep = ~np.isnan(values)
            kind = error.get(col, "normal") if isinstance(error, Mapping) else error
            given = None if sigma is None or col not in sigma else float(sigma[col])
            series.append((str(col), time[keep].tolist(), values[keep].tolist(), str(kind), given))
        x, se, interval, sig, converged, message, runs, cov_error = self._native.fit(
            specs,
            series,
            level=float(level),
            method=method,
            dt=dt,
            save_every=save_every,
            rtol=rtol,
            atol=atol,
        )
        names = [s[0] for s in specs]
        table = pd.DataFrame(
            {
                "estimate": x,
                "se": se,
                "low": [i[0] for i in interval],
                "high": [i[1] for i in interval],
            },
            index=pd.Index(names, name="parameter"),
        )
        return FitResult(
            estimates=dict(zip(names, x)),
            params=table,
            sigma=dict(zip([s[0] for s in series], sig)),
            level=float(level),
            converged=converged,
            message=message,
            model_runs=runs,
            covariance_error=cov_error,
        )

    def loops(
        self,
        at: Optional[float] = None,
        *,
        params: Optional[Mapping[str, ParamValue]] = None,
        max_loops: int = 1000,
        independent: bool = False,
    ) -> pd.DataFrame:
        """The model's feedback loops, as ``pressure loops`` lists them: one row per loop,
        indexed by id (``L1``, ``L2``, ... shortest first), with ``name`` and ``doc`` (from the
        model's ``[loops.NAME]``), ``polarity`` (``reinforcing``, ``balancing``, ``inactive``
        or ``undetermined``: the sign of the product of the link gains at time ``at`` of a run
        with ``params``, default the initial time and the model's values), ``length``,
        ``variables`` (the loop's variables in order, each influencing the next) and ``signs``
        (``+``/``-``/... of each link). ``df.attrs`` holds ``time``, ``enumeration``
        (``all`` or ``shortest_independent_loop_set``, used beyond ``max_loops`` loops or with
        ``independent``), ``complete``, ``note`` and ``warnings``.

        >>> model.loops()[["polarity", "length", "variables"]]  # doctest: +SKIP
        """
        time, enumeration, complete, note, warnings, rows = self._native.loops(
            _param_list(params), at=None if at is None else float(at), max_loops=int(max_loops), independent=bool(independent)
        )
        df = pd.DataFrame(
            {
                "name": [r[1] for r in rows],
                "doc": [r[2] for r in rows],
                "polarity": [r[3] for r in rows],
                "length": [len(r[4]) for r in rows],
                "variables": [list(r[4]) for r in rows],
                "signs": [list(r[5]) for r in rows],
            },
            index=pd.Index([r[0] for r in rows], name="id"),
        )
        df.attrs.update(time=time, enumeration=enumeration, complete=complete, note=note, warnings=list(warnings))
        return df

    def run(
        self,
        params: Optional[Mapping[str, ParamValue]] = None,
        method: Optional[str] = None,
        dt: Optional[float] = None,
        vars: Optional[Sequence[str]] = None,
        *,
        save_every: Optional[float] = None,
        rtol: Optional[float] = None,
        atol: Optional[float] = None,
        seed: int = 0,
    ) -> pd.DataFrame:
        """Runs the model once and returns a DataFrame indexed by time, one column per variable
        (``x[element]`` for arrays).

        ``params`` maps parameter names to values (``x[e]`` for one element; a list of values,
        or one value for all, for an arrayed constant); the others keep the model's defaults.
        ``method`` is ``euler``, ``rk2``, ``rk4``, ``dopri5`` or ``dop853``; ``dt`` the time step
        (``save_every`` follows it unless set); ``vars`` restricts the columns. ``df.attrs``
        holds ``units`` (column -> units), ``time_units``, ``model``, ``method`` and ``dt``.

        The values are the command line's to the bit: ``pressure run MODEL --set n=v`` writes
        the same numbers.

        >>> df = model.run(params={"contact_infectivity": 0.4}, method="rk4", dt=0.125,
        ...                vars=["infectious"])
        >>> df.index.name
        'time'
        """
        settings = self.settings
        chosen_method = method or settings["method"]
        time, names, units, values = self._native.run(
            _param_list(params),
            method=method,
            dt=dt,
            save_every=save_every,
            rtol=rtol,
            atol=atol,
            seed=seed,
            vars=None if vars is None else [str(v) for v in vars],
        )
        n_time = len(time) // 8
        # Column-major values: a Fortran-ordered (T, columns) view, one block for pandas.
        data = np.frombuffer(values, dtype=np.float64).reshape((len(names), n_time)).T
        index = self._index(bytes(time), lambda: pd.Index(np.frombuffer(time, dtype=np.float64), name="time"))
        columns = self._index(tuple(names), lambda: pd.Index(list(names)))
        df = pd.DataFrame(data, index=index, columns=columns, copy=False)
        df.attrs["units"] = dict(zip(names, units))
        df.attrs["time_units"] = self.time_units
        df.attrs["model"] = self.name
        df.attrs["method"] = chosen_method
        df.attrs["dt"] = settings["dt"] if dt is None else float(dt)
        return df

    def _index(self, key, make) -> pd.Index:
        """A view of the cached Index for ``key`` (made by ``make()`` the first time)."""
        cached = self._indexes.get(key)
        if cached is None:
            if len(self._indexes) >= 64:  # many grids or column lists: start again
                self._indexes.clear()
            cached = self._indexes[key] = make()
        return cached.view()

    def run_batch(
        self,
        params: Union[pd.DataFrame, np.ndarray],
        outputs: Optional[Sequence[str]] = None,
        threads: Optional[int] = None,
        *,
        names: Optional[Sequence[str]] = None,
        method: Optional[str] = None,
        dt: Optional[float] = None,
        save_every: Optional[float] = None,
        rtol: Optional[float] = None,
        atol: Optional[float] = None,
        seed: int = 0,
    ) -> BatchResult:
        """Runs many parameter sets in parallel (the GIL released) and returns their outputs.

        ``params`` is a DataFrame whose columns are parameter names (one row per run), or a 2-D
        array of shape ``(runs, k)`` with ``names`` giving the ``k`` parameters (as SALib's
        ``problem["names"]``); without ``names`` the array must hold every parameter in
        ``model.parameters`` order. Parameters not named keep their defaults. ``outputs``
        chooses the recorded variables (all when ``None``); ``threads`` the number of worker
        threads (all cores when ``None``). The results do not depend on ``threads``. Ctrl-C
        (``KeyboardInterrupt``) stops the batch within about a tenth of a second: it runs in
        chunks and checks for signals between them; the model stays usable.

        >>> X = np.array([[0.3, 4.0], [0.5, 6.0]])
        >>> res = model.run_batch(X, names=["contact_infectivity", "duration"],
        ...                       outputs=["infectious"], threads=2)
        >>> res["infectious"].shape  # (runs, saved times)
        """
        if isinstance(params, pd.DataFrame):
            if names is not None:
                raise InputError("give names only with an array; a DataFrame's columns name the parameters")
            columns = [str(c) for c in params.columns]
            matrix = params.to_numpy(dtype=np.float64)
        else:
            matrix = np.asarray(params, dtype=np.float64)
            if matrix.ndim == 1 and names is not None and len(names) == 1:
                matrix = matrix.reshape(-1, 1)
            if matrix.ndim != 2:
                raise InputError(
                    f"parameter sets must be a 2-D array (runs x parameters), got shape {matrix.shape}"
                )
            if names is None:
                columns = [r[0] for r in self._native.parameters()]
            else:
                columns = [str(n) for n in names]
            if matrix.shape[1] != len(columns):
                what = "names" if names is not None else "model parameters"
                raise InputError(
                    f"parameter sets have {matrix.shape[1]} columns but there are {len(columns)} {what}"
                )
        matrix = np.ascontiguousarray(matrix, dtype=np.float64)
        time, out_names, units, values = self._native.run_batch(
            matrix.tobytes(),
            matrix.shape[0],
            columns,
            outputs=None if outputs is None else [str(o) for o in outputs],
            threads=threads,
            method=method,
            dt=dt,
            save_every=save_every,
            rtol=rtol,
            atol=atol,
            seed=seed,
        )
        t = np.frombuffer(time, dtype=np.float64)
        cube = np.frombuffer(values, dtype=np.float64).reshape((len(out_names), matrix.shape[0], len(t)))
        return BatchResult(
            time=t,
            outputs={n: cube[i] for i, n in enumerate(out_names)},
            units=dict(zip(out_names, units)),
            time_units=self.time_units,
        )


from . import calibrate, plot, sensitivity  # noqa: E402  (submodules use the names above)


def _param_list(params: Optional[Mapping[str, ParamValue]]) -> list:
    """``{name: value or values}`` as the engine's list of ``(name, [values])``."""
    if params is None:
        return []
    if not isinstance(params, Mapping):
        raise InputError(f"params must be a dict of name -> value, not {type(params).__name__}")
    out = []
    for name, value in params.items():
        if np.ndim(value) == 0:
            out.append((str(name), [float(value)]))
        else:
            out.append((str(name), [float(v) for v in np.asarray(value, dtype=np.float64).ravel()]))
    return out
