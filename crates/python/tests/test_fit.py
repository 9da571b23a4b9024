"""Model.fit: Pressure's estimator on model-time data recovers the parameters of synthetic data,
and refuses bad data clearly."""

import numpy as np
import pandas as pd
import pytest

import pressure
from conftest import EXAMPLES

TRUTH = {"contact_infectivity": 0.42, "duration": 4.0}
BOUNDS = {"contact_infectivity": (0.1, 0.6), "duration": (2.0, 10.0)}


@pytest.fixture(scope="module")
def sir():
    return pressure.load(EXAMPLES / "sir.toml")


def daily(model, params):
    df = model.run(params=params, vars=["infectious"])
    return df.loc[np.arange(0.0, 101.0, 2.0), ["infectious"]]


def test_noise_free_data_give_back_the_truth(sir):
    data = daily(sir, TRUTH)
    fit = sir.fit(data, BOUNDS)
    assert fit.converged
    for name, truth in TRUTH.items():
        assert fit.estimates[name] == pytest.approx(truth, rel=1e-6), name
    assert fit.sigma["infectious"] < 1e-6
    assert fit.model_runs > 0


def test_noisy_data_intervals_cover_the_truth(sir):
    rng = np.random.default_rng(12)
    data = daily(sir, TRUTH)
    data["infectious"] *= np.exp(rng.normal(0.0, 0.1, len(data)))
    data.iloc[3, 0] = np.nan  # a missing observation is left out
    fit = sir.fit(data, {"contact_infectivity": (0.3, 0.1, 0.6), "duration": (2.0, 10.0)}, error="log_normal")
    assert fit.converged
    t = fit.params
    for name, truth in TRUTH.items():
        assert t.loc[name, "low"] < truth < t.loc[name, "high"], (name, t.loc[name].to_dict())
        assert t.loc[name, "se"] > 0
        assert fit.estimates[name] == pytest.approx(truth, rel=0.05)
    assert fit.sigma["infectious"] == pytest.approx(0.1, rel=0.35)
    # A fixed sigma is used as given.
    fixed = sir.fit(data, BOUNDS, error="log_normal", sigma={"infectious": 0.1})
    assert fixed.sigma["infectious"] == 0.1


def test_bad_fits_raise_clear_errors(sir):
    data = daily(sir, TRUTH)
    with pytest.raises(pressure.InputError, match="not a saved time"):
        sir.fit(data.set_axis(data.index + 0.01), BOUNDS)
    with pytest.raises(pressure.InputError, match="no_such_parameter"):
        sir.fit(data, {"no_such_parameter": (0, 1)})
    with pytest.raises(pressure.InputError, match="no_such_variable"):
        sir.fit(data.rename(columns={"infectious": "no_such_variable"}), BOUNDS)
    with pytest.raises(pressure.InputError, match="error 'poisson'"):
        sir.fit(data, BOUNDS, error="poisson")
    with pytest.raises(pressure.InputError, match="lower|upper|bound"):
        sir.fit(data, {"duration": (5.0, 10.0, 2.0)})
