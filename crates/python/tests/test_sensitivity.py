"""pressure.sensitivity: SALib parity on SALib's own samples (shared/reference/gsa), the
experiment runs equal to `pressure sensitivity` byte for byte, and the SALib-style entry
points consistent with the experiments they build."""

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pressure
from pressure._files import read_csv
from pressure import sensitivity
from conftest import EXAMPLES, ROOT

GSA = ROOT.parent / "shared" / "reference" / "gsa"
SIR_SOBOL = ROOT / "experiments" / "sensitivity" / "sir_sobol.toml"
SIR_PROBLEM = {"num_vars": 2, "names": ["contact_infectivity", "duration"], "bounds": [[0.1, 0.6], [2.0, 10.0]]}
PEAK = [{"name": "peak", "variable": "infectious", "statistic": "peak"}]


@pytest.fixture(scope="module")
def salib():
    if not (GSA / "salib_results.json").exists():
        pytest.skip(f"SALib reference not found at {GSA} (the shared folder beside the repository)")
    return json.loads((GSA / "salib_results.json").read_text())


def test_sobol_analyze_reproduces_salib_on_its_own_sample(salib):
    ref = salib["ishigami"]["fixed_sample_point_estimates"]
    data = read_csv(GSA / "ishigami_sobol_N1024_2nd_seed12345.csv")
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    Si = sensitivity.sobol_analyze(problem, data.iloc[:, 3].to_numpy(), calc_second_order=True, num_resamples=50, seed=1)
    np.testing.assert_allclose(Si["S1"], ref["S1"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(Si["ST"], ref["ST"], rtol=0, atol=1e-12)
    for j in range(3):
        for k in range(j + 1, 3):
            assert abs(Si["S2"][j, k] - ref["S2"][j][k]) <= 1e-12
    assert np.isnan(Si["S2"][1, 0]) and np.isnan(Si["S2"][0, 0])
    # Intervals: positive half-widths, percentile bounds around the estimate.
    assert np.all(Si["S1_conf"] > 0) and np.all(Si["S1_low"] <= Si["S1_high"])
    total, first, second = Si.to_df()
    assert list(first.index) == ["x1", "x2", "x3"] and first.loc["x2", "S1"] == Si["S1"][1]
    assert second.loc[[("x1", "x3")], "S2"].iloc[0] == Si["S2"][0, 2]


def test_morris_analyze_reproduces_salib_on_its_own_sample(salib):
    ref = salib["gfun"]["fixed_sample_point_estimates"]
    data = read_csv(GSA / "gfun_morris_r20_seed12345.csv")
    X, Y = data.iloc[:, :8].to_numpy(), data.iloc[:, 8].to_numpy()
    problem = {"num_vars": 8, "names": [f"x{i}" for i in range(1, 9)], "bounds": [[0, 1]] * 8}
    Si = sensitivity.morris_analyze(problem, X, Y, num_levels=4, seed=3)
    np.testing.assert_allclose(Si["mu"], ref["mu"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(Si["mu_star"], ref["mu_star"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(Si["sigma"], ref["sigma"], rtol=0, atol=1e-12)
    # The same trajectories on other bounds (X rescaled) give the same measures.
    wide = dict(problem, bounds=[[-2.0, 6.0]] * 8)
    again = sensitivity.morris_analyze(wide, -2.0 + 8.0 * X, Y, num_levels=4, seed=3)
    np.testing.assert_array_equal(again["mu_star"], Si["mu_star"])


def test_analysis_input_errors():
    problem = {"names": ["a", "b"], "bounds": [[0, 1], [0, 1]]}
    with pytest.raises(pressure.InputError, match="groups of 6 rows"):
        sensitivity.sobol_analyze(problem, np.ones(7))
    with pytest.raises(pressure.InputError, match="finite"):
        sensitivity.sobol_analyze(problem, np.r_[np.ones(5), np.nan])
    with pytest.raises(pressure.InputError, match="shape"):
        sensitivity.morris_analyze(problem, np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(pressure.InputError, match="exactly one"):
        sensitivity.morris_analyze(problem, np.array([[0, 0], [1, 1], [1, 0]]), np.zeros(3))
    with pytest.raises(pressure.InputError, match="bounds"):
        sensitivity.saltelli_sample({"names": ["a"], "bounds": [[1, 0]]}, 8)


def test_saltelli_sample_and_analysis_recover_the_ishigami_indices():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    X = sensitivity.saltelli_sample(problem, 4096, calc_second_order=False, seed=5)
    assert X.shape == (4096 * 5, 3) and X.min() >= -np.pi and X.max() <= np.pi
    Y = np.sin(X[:, 0]) + 7 * np.sin(X[:, 1]) ** 2 + 0.1 * X[:, 2] ** 4 * np.sin(X[:, 0])
    Si = sensitivity.sobol_analyze(problem, Y, calc_second_order=False, num_resamples=0)
    # Analytic values (Ishigami & Homma 1990) within SALib's spread at this N.
    np.testing.assert_allclose(Si["S1"], [0.3139, 0.4424, 0.0], atol=0.03)
    np.testing.assert_allclose(Si["ST"], [0.5576, 0.4424, 0.2437], atol=0.03)


def test_prcc_of_a_monotone_and_a_null_parameter():
    rng = np.random.default_rng(4)
    X = rng.uniform(size=(500, 2))
    Y = np.exp(3 * X[:, 0]) + 0.01 * rng.normal(size=500)
    table = sensitivity.prcc(pd.DataFrame(X, columns=["strong", "null"]), Y)
    assert table.loc["strong", "prcc"] > 0.99 and table.loc["strong", "p_value"] < 1e-10
    assert abs(table.loc["null", "prcc"]) < 0.15


def cli_sensitivity(cli, experiment, out, *args):
    subprocess.run([cli, "sensitivity", str(experiment), "--out", str(out), *args], check=True, capture_output=True)
    return out


def test_experiment_file_equals_the_cli_byte_for_byte(cli, tmp_path):
    out = cli_sensitivity(cli, SIR_SOBOL, tmp_path / "cli", "--quick", "--seed", "11", "--save-sample")
    res = sensitivity.run(SIR_SOBOL, quick=True, seed=11, save_sample=True, threads=2)
    assert res.method == "sobol" and res.seed == 11 and res.failed_runs == 0
    assert res.runs == 256 * 4
    assert set(res.files) >= {"sobol_indices.csv", "sobol_indices_time.csv", "sobol_indices.json", "sample.csv", "outputs.csv"}
    for name, data in res.files.items():
        assert (out / name).read_bytes() == data, name
    # The DataFrames are those files, every number to the bit.
    cli_table = read_csv(out / "sobol_indices.csv")
    pd.testing.assert_frame_equal(res.indices, cli_table, check_exact=True)
    assert set(res.indices["output"]) >= {"peak_infectious", "recovered_day_30"}


def test_a_dict_experiment_equals_its_file(tmp_path):
    tomllib = pytest.importorskip("tomllib")

    spec = tomllib.loads(SIR_SOBOL.read_text())
    from_file = sensitivity.run(SIR_SOBOL, quick=True, seed=3)
    from_dict = sensitivity.run(spec, quick=True, seed=3, base=SIR_SOBOL.parent)
    for name in ["sobol_indices.csv", "sobol_indices_time.csv"]:
        assert from_dict.files[name] == from_file.files[name], name
    a, b = from_file.report, from_dict.report
    a.pop("experiment"), b.pop("experiment")
    assert a == b


def test_dict_errors_point_at_the_problem(tmp_path):
    tomllib = pytest.importorskip("tomllib")

    spec = tomllib.loads(SIR_SOBOL.read_text())
    spec["outputs"][0]["statistic"] = "peek"
    with pytest.raises(pressure.ModelError, match="peek"):
        sensitivity.run(spec, quick=True, base=SIR_SOBOL.parent)
    with pytest.raises(pressure.ModelError, match="no_such_model"):
        sensitivity.run({"experiment": {"model": "no_such_model.toml"}, "method": {"kind": "sobol"}}, base=tmp_path)
    with pytest.raises(pressure.InputError, match="nan"):
        sensitivity.run({"experiment": {"model": "m.toml", "dt": float("nan")}, "method": {"kind": "sobol"}})


def test_salib_problem_sobol_agrees_with_analyze_on_its_own_sample():
    model = pressure.load(EXAMPLES / "sir.toml")
    res = sensitivity.sobol(model, SIR_PROBLEM, PEAK, N=256, calc_second_order=True, num_resamples=20, seed=9, save_sample=True)
    assert res.runs == 256 * 6
    sample, outputs = res.sample, res.outputs
    # The sample covers the problem's bounds, and the outputs are the model's peaks there.
    assert sample["contact_infectivity"].between(0.1, 0.6).all() and sample["duration"].between(2, 10).all()
    X = sample[SIR_PROBLEM["names"]].to_numpy()
    runs = model.run_batch(X[:16], names=SIR_PROBLEM["names"], outputs=["infectious"])
    np.testing.assert_array_equal(runs["infectious"].max(axis=1), outputs["peak"].to_numpy()[:16])
    Si = sensitivity.sobol_analyze(SIR_PROBLEM, outputs["peak"].to_numpy(), calc_second_order=True, num_resamples=0)
    ind = res.indices.set_index("parameter")
    np.testing.assert_allclose(ind.loc[SIR_PROBLEM["names"], "S1"], Si["S1"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ind.loc[SIR_PROBLEM["names"], "ST"], Si["ST"], rtol=0, atol=1e-12)
    s2 = res.second_order
    assert len(s2) == 1 and abs(s2["S2"].iloc[0] - Si["S2"][0, 1]) <= 1e-12
    # Contact infectivity drives the peak far more than the duration does over these ranges? Both
    # matter; the indices are proper fractions of variance.
    assert (ind["ST"] > 0).all() and ind["S1"].sum() <= 1.05


def test_salib_problem_morris_and_montecarlo():
    model = EXAMPLES / "sir.toml"
    m = sensitivity.morris(model, SIR_PROBLEM, PEAK, N=40, optimal_trajectories=10, seed=2, save_sample=True)
    assert m.method == "morris" and m.runs == 10 * 3
    X = m.sample[SIR_PROBLEM["names"]].to_numpy()
    Si = sensitivity.morris_analyze(SIR_PROBLEM, X, m.outputs["peak"].to_numpy(), num_levels=4)
    ind = m.indices.set_index("parameter").loc[SIR_PROBLEM["names"]]
    np.testing.assert_allclose(ind["mu_star"], Si["mu_star"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(ind["sigma"], Si["sigma"], rtol=1e-12, atol=0)

    mc = sensitivity.montecarlo(model, SIR_PROBLEM, PEAK, N=300, seed=2, save_sample=True)
    table = sensitivity.prcc(mc.sample[SIR_PROBLEM["names"]], mc.outputs["peak"].to_numpy())
    got = mc.prcc.set_index("parameter").loc[SIR_PROBLEM["names"]]
    np.testing.assert_allclose(got["prcc"], table["prcc"], rtol=1e-12)
    # More contacts, a higher peak.
    assert got.loc["contact_infectivity", "prcc"] > 0.5
    assert mc.indices.loc[0, "q0.5"] == pytest.approx(np.median(mc.outputs["peak"]), rel=0.05)


def test_problem_dict_errors():
    with pytest.raises(pressure.InputError, match="names"):
        sensitivity.sobol(EXAMPLES / "sir.toml", {"bounds": [[0, 1]]}, PEAK)
    with pytest.raises(pressure.InputError, match="shape"):
        sensitivity.sobol(EXAMPLES / "sir.toml", {"names": ["duration"], "bounds": [0, 1]}, PEAK)
    with pytest.raises(pressure.ModelError, match="no_such_parameter"):
        sensitivity.sobol(EXAMPLES / "sir.toml", {"names": ["no_such_parameter"], "bounds": [[0, 1]]}, PEAK, N=8)
