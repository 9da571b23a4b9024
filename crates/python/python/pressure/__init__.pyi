"""Type stubs of the Pressure Python package (see __init__.py for the docstrings)."""

from os import PathLike
from typing import Dict, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import calibrate as calibrate
from . import plot as plot
from . import sensitivity as sensitivity

__version__: str

ParamValue = Union[float, Sequence[float]]

class PressureError(Exception): ...

class ModelError(PressureError):
    diagnostics: list[dict[str, object]]

class InputError(PressureError): ...
class RunError(PressureError): ...

def load(path: Union[str, PathLike[str]]) -> Model: ...

class BatchResult:
    time: np.ndarray
    outputs: Dict[str, np.ndarray]
    units: Dict[str, Optional[str]]
    time_units: Optional[str]
    def __getitem__(self, name: str) -> np.ndarray: ...
    def final(self) -> pd.DataFrame: ...

class FitResult:
    estimates: Dict[str, float]
    params: pd.DataFrame
    sigma: Dict[str, float]
    level: float
    converged: bool
    message: str
    model_runs: int
    covariance_error: Optional[str]

class Model:
    @property
    def name(self) -> str: ...
    @property
    def time_units(self) -> Optional[str]: ...
    @property
    def settings(self) -> Dict[str, object]: ...
    @property
    def parameters(self) -> pd.DataFrame: ...
    @property
    def outputs(self) -> pd.DataFrame: ...
    @property
    def stocks(self) -> list[str]: ...
    def loops(
        self,
        at: Optional[float] = None,
        *,
        params: Optional[Mapping[str, ParamValue]] = None,
        max_loops: int = 1000,
        independent: bool = False,
    ) -> pd.DataFrame: ...
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
    ) -> FitResult: ...
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
    ) -> pd.DataFrame: ...
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
    ) -> BatchResult: ...
