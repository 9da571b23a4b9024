"""model.run_batch: equal to one-at-a-time runs, independent of the thread count."""

import numpy as np
import pandas as pd
import pytest

import pressure
from conftest import EXAMPLES


def sir_sets(n=64, seed=7):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(0.1, 0.6, n), rng.uniform(2.0, 8.0, n)])


NAMES = ["contact_infectivity", "duration"]


def test_batch_equals_single_runs():
    model = pressure.load(EXAMPLES / "sir.toml")
    X = sir_sets()
    res = model.run_batch(X, names=NAMES, outputs=["infectious", "recovered"], threads=2, method="rk4")
    assert list(res.outputs) == ["infectious", "recovered"]
    assert res["infectious"].shape == (len(X), len(res.time))
    for i in range(len(X)):
        df = model.run(params=dict(zip(NAMES, X[i])), method="rk4", vars=["infectious", "recovered"])
        assert np.array_equal(df.index.to_numpy(), res.time)
        assert np.array_equal(df["infectious"].to_numpy(), res["infectious"][i])
        assert np.array_equal(df["recovered"].to_numpy(), res["recovered"][i])
    # Different parameter sets give different runs (the columns really were applied).
    assert len({float(v) for v in res["infectious"][:, -1]}) == len(X)


def test_batch_does_not_depend_on_the_thread_count():
    model = pressure.load(EXAMPLES / "sir.toml")
    X = sir_sets(200, seed=3)
    runs = [model.run_batch(X, names=NAMES, outputs=["infectious"], threads=t) for t in (1, 2, 3, None)]
    for r in runs[1:]:
        assert r["infectious"].tobytes() == runs[0]["infectious"].tobytes()


def test_dataframe_input_and_full_parameter_arrays():
    model = pressure.load(EXAMPLES / "teacup.toml")
    frame = pd.DataFrame({"characteristic_time": [5.0, 10.0, 20.0]})
    res = model.run_batch(frame, outputs=["teacup_temperature"])
    assert res.units == {"teacup_temperature": "degF"}
    default = model.run(vars=["teacup_temperature"])["teacup_temperature"].to_numpy()
    assert np.array_equal(res["teacup_temperature"][1], default)
    # Faster cooling ends colder.
    final = res.final()["teacup_temperature"]
    assert final[0] < final[1] < final[2]
    # Without names an array holds every parameter in model order.
    full = np.array([[70.0, 10.0], [75.0, 10.0]])
    res2 = model.run_batch(full, outputs=["teacup_temperature"])
    assert np.array_equal(res2["teacup_temperature"][0], default)
    assert res2["teacup_temperature"][1, -1] > default[-1]
