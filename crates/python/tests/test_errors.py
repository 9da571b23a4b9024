"""Bad input from Python raises a clear exception with the engine's message, never a crash."""

import numpy as np
import pytest

import pressure
from conftest import EXAMPLES


@pytest.fixture(scope="module")
def teacup():
    return pressure.load(EXAMPLES / "teacup.toml")


def test_unknown_parameter_names_it_and_suggests(teacup):
    with pytest.raises(pressure.InputError, match=r"unknown parameter 'room_temprature' \(did you mean 'room_temperature'\?\)"):
        teacup.run(params={"room_temprature": 60})
    with pytest.raises(pressure.InputError, match="unknown parameter 'nope'"):
        teacup.run_batch(np.ones((2, 1)), names=["nope"])


def test_unknown_variable_and_method(teacup):
    with pytest.raises(pressure.InputError, match="unknown variable 'teacup_temp'"):
        teacup.run(vars=["teacup_temp"])
    with pytest.raises(pressure.InputError, match="unknown method 'rk5'"):
        teacup.run(method="rk5")
    with pytest.raises(pressure.InputError):
        teacup.run(dt=-1.0)


def test_non_finite_parameters_are_refused(teacup):
    with pytest.raises(pressure.InputError, match="room_temperature.*must be finite"):
        teacup.run(params={"room_temperature": float("nan")})
    X = np.array([[70.0, 10.0], [np.inf, 10.0]])
    with pytest.raises(pressure.InputError, match=r"parameter set 1, column 0 \('room_temperature'\) is inf"):
        teacup.run_batch(X)


def test_wrong_shapes(teacup):
    with pytest.raises(pressure.InputError, match="3 columns but there are 2 model parameters"):
        teacup.run_batch(np.ones((4, 3)))
    with pytest.raises(pressure.InputError, match="2-D array"):
        teacup.run_batch(np.ones((2, 2, 2)))
    with pytest.raises(pressure.InputError, match="0 rows"):
        teacup.run_batch(np.ones((0, 2)))
    with pytest.raises(pressure.InputError, match="threads must be at least 1"):
        teacup.run_batch(np.ones((1, 2)), threads=0)


def test_missing_file_raises_model_error_naming_it(tmp_path):
    missing = tmp_path / "absent.toml"
    with pytest.raises(pressure.ModelError, match="absent.toml") as e:
        pressure.load(missing)
    assert e.value.diagnostics[0]["file"].endswith("absent.toml")


def test_bad_model_file_points_at_line_and_column(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        "[settings]\nstop = 10\ndt = 1\n"
        "[stocks.x]\ninitial = \"1\"\ninflows = [\"f\"]\n"
        "[flows.f]\nequation = \"x * rate_typo\"\n"
        "[constants.rate]\nvalue = 0.1\n"
    )
    with pytest.raises(pressure.ModelError) as e:
        pressure.load(bad)
    msg = str(e.value)
    assert "bad.toml:8:" in msg and "rate_typo" in msg
    d = e.value.diagnostics[0]
    assert d["file"].endswith("bad.toml") and d["line"] == 8 and d["column"] > 1
    assert isinstance(e.value, pressure.PressureError)


def test_a_run_that_blows_up_names_the_variable_and_time(tmp_path):
    m = tmp_path / "blow.toml"
    m.write_text(
        "[settings]\nstop = 10\ndt = 1\n"
        "[stocks.x]\ninitial = \"1\"\ninflows = [\"f\"]\n"
        "[flows.f]\nequation = \"1 / (TIME - 3)\"\n"
    )
    model = pressure.load(m)
    with pytest.raises(pressure.RunError, match=r"became (inf|NaN) at time"):
        model.run()
    with pytest.raises(pressure.RunError, match=r"parameter set 0: .* became (inf|NaN) at time"):
        model.run_batch(np.zeros((1, 0)))
