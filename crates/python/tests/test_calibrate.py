"""pressure.calibrate: an experiment run from Python writes what `pressure calibrate` writes,
byte for byte; a dict equals its file; the fit recovers the synthetic truth."""

import json
import subprocess

import numpy as np
import pandas as pd
import pytest

import pressure
from pressure._files import read_csv
from pressure import _pressure, calibrate
from conftest import ROOT

CALIBRATE = ROOT / "experiments" / "calibrate"
# experiments/calibrate/logistic_synthetic.csv was simulated from these values (see its experiment).
TRUTH = {"growth_rate": 0.45, "carrying_capacity": 800.0, "initial_population": 40.0}


def logistic_spec(mcmc=False):
    """The logistic_synthetic experiment, made smaller for a test (fewer starts and resamples),
    with absolute paths so that it runs from anywhere."""
    spec = {
        "experiment": {
            "name": "logistic_python_test",
            "model": str(CALIBRATE / "logistic_model.toml"),
            "seed": 1,
        },
        "episode": [
            {
                "id": "synthetic",
                "table": str(CALIBRATE / "logistic_synthetic.csv"),
                "origin": 2000.0,
                "window": {"start": "2001", "end": "2019"},
            }
        ],
        "parameter": [
            {"name": "growth_rate", "start": 0.3, "lower": 0.01, "upper": 3.0,
             "prior": {"distribution": "lognormal", "meanlog": -1.0, "sdlog": 1.0}},
            {"name": "carrying_capacity", "start": 1200, "lower": 10},
            {"name": "initial_population", "start": 20, "lower": 0.1, "upper": 500},
        ],
        "mapping": [
            {"series": "population", "variable": "population", "variable_is": "level",
             "aggregate": "mean", "unit": "persons", "error": {"kind": "log_normal"}},
            {"series": "net_growth", "variable": "net_growth", "variable_is": "level",
             "aggregate": "integral", "unit": "persons", "error": {"kind": "normal"}},
        ],
        "estimation": {"method": "lm", "multistart": 3},
        "uncertainty": {"level": 0.95, "profile": True, "bootstrap": 20},
    }
    if mcmc:
        spec["uncertainty"]["mcmc"] = {"chains": 3, "iterations": 400}
    return spec


@pytest.fixture(scope="module")
def experiment_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("calib") / "logistic.toml"
    path.write_text(_pressure.json_to_toml(json.dumps(logistic_spec())))
    return path


def test_calibration_equals_the_cli_byte_for_byte(cli, experiment_file, tmp_path):
    out = tmp_path / "cli"
    subprocess.run([cli, "calibrate", str(experiment_file), "--out", str(out), "--seed", "5"], check=True, capture_output=True)
    fit = calibrate.run(experiment_file, seed=5, threads=2)
    assert fit.seed == 5 and fit.converged
    assert set(fit.files) >= {"params.csv", "fit.csv", "stats.json", "profiles.csv", "validation.csv"}
    for name, text in fit.files.items():
        if name == "stats.json":
            continue
        assert (out / name).read_text() == text, name
    # stats.json differs only in the wall times it records.
    ours, cli_stats = fit.stats, json.loads((out / "stats.json").read_text())
    ours.pop("timings_seconds"), cli_stats.pop("timings_seconds")
    assert ours == cli_stats
    pd.testing.assert_frame_equal(fit.params, read_csv(out / "params.csv"), check_exact=True)


def test_the_fit_recovers_the_synthetic_truth(experiment_file):
    fit = calibrate.run(experiment_file)
    assert fit.seed == 1  # the experiment's
    assert list(fit.estimates) == list(TRUTH)
    for name, truth in TRUTH.items():
        assert fit.estimates[name] == pytest.approx(truth, rel=0.1), name
    params = fit.params.set_index("parameter")
    for name, value in fit.estimates.items():
        assert params.loc[name, "estimate"] == value
        assert params.loc[name, "wald_low"] < value < params.loc[name, "wald_high"]
    table = fit.fit
    assert set(table["series"]) == {"population", "net_growth"}
    np.testing.assert_allclose(table["residual"], table["observed"] - table["model"], rtol=0, atol=1e-9 * table["observed"].abs().max())
    assert fit.draws is None and fit.profiles is not None


def test_a_dict_equals_its_file(experiment_file):
    a = calibrate.run(experiment_file, seed=2)
    b = calibrate.run(logistic_spec(), seed=2)
    for name in ["params.csv", "fit.csv", "profiles.csv", "prior_posterior.csv", "validation.csv"]:
        assert a.files[name] == b.files[name], name
    assert a.estimates == b.estimates


def test_mcmc_draws_come_back_as_a_dataframe():
    fit = calibrate.run(logistic_spec(mcmc=True), seed=3)
    draws = fit.draws
    assert list(draws.columns[:2]) == ["chain", "draw"] and set(TRUTH) <= set(draws.columns)
    assert draws["chain"].nunique() == 3
    assert draws["growth_rate"].mean() == pytest.approx(TRUTH["growth_rate"], rel=0.2)


def test_bad_experiments_raise_input_errors(tmp_path):
    spec = logistic_spec()
    spec["mapping"][0]["variable"] = "no_such_variable"
    with pytest.raises(pressure.InputError, match="no_such_variable"):
        calibrate.run(spec)
    with pytest.raises(pressure.InputError, match="cannot read"):
        calibrate.run(tmp_path / "missing.toml")
    spec = logistic_spec()
    del spec["episode"]
    with pytest.raises(pressure.InputError, match="episode"):
        calibrate.run(spec)
