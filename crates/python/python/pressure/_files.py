"""Result files of the engine (the bytes `pressure sensitivity` and `pressure calibrate` write)
as pandas and Python values, and experiments given as dicts as the TOML the engine reads."""

from __future__ import annotations

import io
import json
import math
from os import PathLike
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple, Union

import pandas as pd

from ._pressure import InputError, json_to_toml

ExperimentLike = Union[str, "PathLike[str]", Mapping[str, Any]]


# pandas 3 parses floats exactly by default (and deprecates the option); before it,
# "round_trip" is the exact parser.
_EXACT = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}


def read_csv(data: Union[bytes, str, "PathLike[str]"]) -> pd.DataFrame:
    """A result CSV (its bytes, text or path) as a DataFrame, every number parsed to the same
    double the engine wrote (Rust prints the shortest round-trip form)."""
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    if isinstance(data, str):
        data = io.StringIO(data)
    return pd.read_csv(data, **_EXACT)


def read_json(data: Union[bytes, str]) -> Any:
    return json.loads(data)


def experiment_source(experiment: ExperimentLike, base: Union[str, "PathLike[str]", None]) -> Tuple[str, Optional[str]]:
    """``(path, text)`` for the engine: a file is passed by path (``text`` None); a dict becomes
    TOML text, anchored at ``base`` (default: the working directory), so its relative paths
    (model, tables, scenarios) are relative to ``base``."""
    if isinstance(experiment, Mapping):
        anchor = Path(base) if base is not None else Path.cwd()
        return str(anchor / "<experiment dict>.toml"), json_to_toml(json.dumps(_plain(experiment), allow_nan=False))
    if base is not None:
        raise InputError("base is only for experiments given as dicts; a file's paths are relative to the file")
    if not isinstance(experiment, (str, PathLike)):
        raise InputError(f"an experiment is a file path or a dict, not {type(experiment).__name__}")
    return str(experiment), None


def _plain(value: Any) -> Any:
    """Dicts, lists, numbers and strings as JSON takes them (numpy scalars and arrays, tuples
    and paths included; a key set to None is left out, as absent from a file); NaN or
    infinity is an error."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, PathLike):
        return str(value)
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return _plain(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"experiment dict: {value} is not a number an experiment file can hold")
    return value
