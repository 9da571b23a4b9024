"""model.run against the command line's CSV, to the bit, and the DataFrame's shape and attrs."""

import csv
import io
import struct
import subprocess

import numpy as np
import pytest

import pressure
from conftest import EXAMPLES


def cli_csv(cli, model, *args):
    """`pressure run MODEL ARGS` parsed exactly: (names, units, time, {name: values})."""
    out = subprocess.run(
        [cli, "run", str(model), *args], check=True, capture_output=True, text=True
    ).stdout
    rows = list(csv.reader(io.StringIO(out)))
    names, units, body = rows[0], rows[1], rows[2:]
    # float() of the shortest round-trip text the CLI writes is the engine's exact double.
    values = np.array([[float(x) for x in r] for r in body])
    return names, units, values


def bits(a):
    return [struct.pack("<d", float(x)) for x in np.asarray(a).ravel()]


CASES = [
    ("teacup.toml", {}, {}),
    ("teacup.toml", {"room_temperature": 75.5, "characteristic_time": 7.25}, {"method": "rk4", "dt": 0.0625}),
    ("sir.toml", {"contact_infectivity": 0.37}, {"method": "rk2"}),
    ("sir.toml", {}, {"method": "dopri5"}),
    ("chain10.toml", {}, {"method": "rk4"}),
]


@pytest.mark.parametrize("file,params,settings", CASES)
def test_run_equals_the_cli_bit_for_bit(cli, file, params, settings):
    model = pressure.load(EXAMPLES / file)
    df = model.run(params=params, **settings)
    args = [f"--set={k}={v!r}" for k, v in params.items()]
    if "method" in settings:
        args += ["--method", settings["method"]]
    if "dt" in settings:
        args += ["--dt", repr(settings["dt"])]
    names, units, values = cli_csv(cli, EXAMPLES / file, *args)
    assert names[0] == "time"
    assert list(df.columns) == names[1:]
    assert df.shape == (values.shape[0], values.shape[1] - 1)
    assert bits(df.index.to_numpy()) == bits(values[:, 0])
    for j, name in enumerate(names[1:], start=1):
        assert bits(df[name].to_numpy()) == bits(values[:, j]), name
    assert [df.attrs["units"][n] or "" for n in names[1:]] == units[1:]
    # The run really used the parameters (not the defaults) when some were given.
    if params:
        default = model.run(**settings)
        assert not np.array_equal(default.to_numpy(), df.to_numpy())


def test_vars_selects_columns_in_order_and_matches_the_cli(cli):
    model = pressure.load(EXAMPLES / "sir.toml")
    df = model.run(vars=["recovered", "infectious"])
    names, _, values = cli_csv(cli, EXAMPLES / "sir.toml", "--vars", "recovered,infectious")
    assert list(df.columns) == ["recovered", "infectious"] == names[1:]
    assert bits(df.to_numpy()) == bits(values[:, 1:])


def test_teacup_euler_matches_the_analytic_step_and_attrs():
    model = pressure.load(EXAMPLES / "teacup.toml")
    df = model.run()
    assert df.index.name == "time"
    assert len(df) == 241 and df.index[0] == 0.0 and df.index[-1] == 30.0
    # Euler: T(dt) = T0 - dt (T0 - room) / tau.
    assert df["teacup_temperature"].iloc[1] == 180.0 - 0.125 * (180.0 - 70.0) / 10.0
    assert df.attrs["units"]["teacup_temperature"] == "degF"
    assert df.attrs["time_units"] == "minute"
    assert df.attrs["method"] == "euler" and df.attrs["dt"] == 0.125
    # The frame owns writable data (a script may modify it).
    df.iloc[0, 0] = -1.0
    assert df.iloc[0, 0] == -1.0


def test_parameters_and_stocks_come_from_the_model_file():
    model = pressure.load(EXAMPLES / "teacup.toml")
    p = model.parameters
    assert list(p.index) == ["room_temperature", "characteristic_time"]
    assert p.loc["room_temperature", "default"] == 70
    assert (p.loc["room_temperature", "low"], p.loc["room_temperature", "high"]) == (60, 80)
    assert p.loc["characteristic_time", "units"] == "minute"
    assert p.loc["characteristic_time", "doc"].startswith("How long the tea takes")
    assert p.loc["room_temperature", "source"] == "SDXorg test-models samples/teacup"
    assert model.stocks == ["teacup_temperature"]
    assert pressure.load(EXAMPLES / "sir.toml").stocks == ["susceptible", "infectious", "recovered"]
    assert model.outputs.loc["heat_loss_to_room", "kind"] == "flow"
    assert model.settings == {"start": 0.0, "stop": 30.0, "dt": 0.125, "save_every": 0.125, "method": "euler"}


def test_dataframes_share_no_index_object():
    """run() reuses its time and column indexes between calls (most of a DataFrame's cost); a
    script renaming or editing one DataFrame must not change another."""
    model = pressure.load(EXAMPLES / "sir.toml")
    a, b = model.run(), model.run()
    a.index.name = "t"
    a.columns.name = "variable"
    a.columns = [("I" if c == "infectious" else c) for c in a.columns]
    a["infectious_x2"] = 2.0
    c = model.run()
    for df in (b, c):
        assert df.index.name == "time" and df.columns.name is None
        assert "infectious" in df.columns and "infectious_x2" not in df.columns
    assert b.equals(c)
    # Another time grid gets its own index.
    d = model.run(dt=0.25)
    assert len(d) == 401 and d.index[1] == 0.25
