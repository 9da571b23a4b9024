"""Model introspection beyond parameters: stocks, feedback loops (against `pressure loops`), and
Vensim .mdl models loaded as the CLI loads them."""

import json
import subprocess

import numpy as np
import pytest

import pressure
from conftest import EXAMPLES
from test_run import bits, cli_csv


def cli_loops(cli, model, *args):
    out = subprocess.run(
        [cli, "loops", str(model), "--format", "json", *args], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


@pytest.mark.parametrize(
    "file,kwargs,args",
    [
        ("sir.toml", {}, []),
        ("sir.toml", {"at": 40.0}, ["--at", "40"]),
        ("teacup.toml", {}, []),
        ("chain10.toml", {"independent": True}, ["--independent"]),
    ],
)
def test_loops_equal_the_cli(cli, file, kwargs, args):
    df = pressure.load(EXAMPLES / file).loops(**kwargs)
    want = cli_loops(cli, EXAMPLES / file, *args)
    assert len(want["loops"]) > 0
    assert list(df.index) == [l["id"] for l in want["loops"]]
    assert list(df["polarity"]) == [l["polarity"] for l in want["loops"]]
    assert list(df["length"]) == [l["length"] for l in want["loops"]]
    assert [list(v) for v in df["variables"]] == [l["variables"] for l in want["loops"]]
    assert [list(s) for s in df["signs"]] == [[k["sign"] for k in l["links"]] for l in want["loops"]]
    assert list(df["name"]) == [l["name"] for l in want["loops"]]
    assert df.attrs["time"] == want["time"]
    assert df.attrs["enumeration"] == want["enumeration"]
    assert df.attrs["complete"] == want["complete"]


def test_sir_loops_are_contagion_depletion_and_recovery():
    loops = pressure.load(EXAMPLES / "sir.toml").loops()
    polarity = {frozenset(v): p for v, p in zip(loops["variables"], loops["polarity"])}
    # Contagion: more infectious people, more infections, more infectious people.
    assert polarity == {
        frozenset({"infectious", "succumbing"}): "reinforcing",
        frozenset({"susceptible", "succumbing"}): "balancing",
        frozenset({"infectious", "recovering"}): "balancing",
    }


def test_loop_polarity_follows_the_parameters_given():
    model = pressure.load(EXAMPLES / "sir.toml")
    # Without contacts nobody succumbs: both loops through `succumbing` carry no gain.
    loops = model.loops(params={"contact_infectivity": 0.0})
    polarity = {frozenset(v): p for v, p in zip(loops["variables"], loops["polarity"])}
    assert polarity[frozenset({"infectious", "succumbing"})] == "inactive"
    assert polarity[frozenset({"susceptible", "succumbing"})] == "inactive"
    assert polarity[frozenset({"infectious", "recovering"})] == "balancing"
    with pytest.raises(pressure.InputError, match="no_such_parameter"):
        model.loops(params={"no_such_parameter": 1.0})


TEACUP_MDL = """{UTF-8}
Teacup Temperature = INTEG(-Heat Loss to Room, 180) ~ Degrees Fahrenheit ~ The tea. |
Heat Loss to Room = (Teacup Temperature - Room Temperature) / Characteristic Time ~ Degrees Fahrenheit/Minute ~|
Room Temperature = 70 ~ Degrees Fahrenheit ~|
Characteristic Time = 10 ~ Minutes [1,20] ~|
INITIAL TIME = 0 ~ Minute ~|
FINAL TIME = 30 ~ Minute ~|
TIME STEP = 0.125 ~ Minute ~|
SAVEPER = TIME STEP ~ Minute ~|
\\\\\\---/// Sketch information - ignored
"""


def test_vensim_mdl_runs_like_the_cli(cli, tmp_path):
    path = tmp_path / "teacup.mdl"
    path.write_text(TEACUP_MDL)
    model = pressure.load(path)
    assert model.stocks == ["Teacup_Temperature"]
    assert model.parameters.loc["Characteristic_Time", "default"] == 10.0
    assert model.settings["dt"] == 0.125
    df = model.run(params={"Characteristic_Time": 7.5})
    names, _, values = cli_csv(cli, path, "--set=Characteristic_Time=7.5")
    assert list(df.columns) == names[1:]
    for j, name in enumerate(names[1:], start=1):
        assert bits(df[name].to_numpy()) == bits(values[:, j]), name
    # Euler on dT/dt = -(T - 70)/7.5 from 180: one step is T - dt (T - 70) / 7.5.
    t = df["Teacup_Temperature"].to_numpy()
    assert t[1] == pytest.approx(180 - 0.125 * 110 / 7.5, rel=1e-15)
    loops = model.loops()
    assert list(loops["polarity"]) == ["balancing"]


def test_a_bad_mdl_points_at_its_line(tmp_path):
    path = tmp_path / "bad.mdl"
    path.write_text(TEACUP_MDL.replace("(Teacup Temperature - Room Temperature)", "(Teacup Temperature - )"))
    with pytest.raises(pressure.ModelError) as e:
        pressure.load(path)
    d = e.value.diagnostics[0]
    assert d["file"].endswith("bad.mdl")
    assert d["line"] == 3


def test_xmile_loads_and_runs_like_the_toml_transcription():
    """XMILE (the SDXorg teacup sample, as pressure_interop reads it) runs to the same numbers as
    models/examples/teacup.toml, Pressure's transcription of the same model."""
    from conftest import ROOT

    xmile = ROOT.parent / "shared" / "conformance" / "sdxorg-test-models" / "samples" / "teacup" / "teacup.xmile"
    if not xmile.is_file():
        pytest.skip(f"SDXorg teacup sample not found at {xmile} (the shared folder beside the repository)")
    model = pressure.load(xmile)
    ours = pressure.load(EXAMPLES / "teacup.toml").run()
    df = model.run()
    assert model.stocks == ["Teacup_Temperature"]  # the spelling of the file, spaces as underscores
    assert np.array_equal(df.index.to_numpy(), ours.index.to_numpy())
    assert np.allclose(df["Teacup_Temperature"], ours["teacup_temperature"], rtol=1e-12, atol=0)
