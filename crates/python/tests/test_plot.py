"""pressure.plot: figures written through the house style (pressure-plot) in every format, with
readable titles and units, drawing exactly the tidy data the *_data functions return."""

import xml.etree.ElementTree as ET

import numpy as np
import pytest

import pressure
import pressure.plot as pp
from conftest import EXAMPLES

SVG = "{http://www.w3.org/2000/svg}"
PARAMS = ["contact_infectivity", "duration"]


@pytest.fixture(scope="module")
def sir():
    return pressure.load(EXAMPLES / "sir.toml")


def groups(root, cls):
    return [g for g in root.iter(SVG + "g") if g.get("class") == cls]


def panel_points(panel, cls="series line"):
    """The data coordinates of each polyline of a panel, mapped back from pixels with the
    panel's data-plot-area and ranges (the pixels are rounded to 0.01)."""
    left, top, right, bottom = map(float, panel.get("data-plot-area").split())
    x0, x1 = map(float, panel.get("data-x-range").split())
    y0, y1 = map(float, panel.get("data-y-range").split())
    out = {}
    for g in groups(panel, cls):
        line = g.find(SVG + "polyline")
        px = np.array([[float(v) for v in p.split(",")] for p in line.get("points").split()])
        x = x0 + (px[:, 0] - left) / (right - left) * (x1 - x0)
        y = y0 + (bottom - px[:, 1]) / (bottom - top) * (y1 - y0)
        out[g.get("data-label")] = (x, y, (x1 - x0) / (right - left), (y1 - y0) / (bottom - top))
    return out


def test_a_run_is_written_as_svg_png_and_pdf_with_titles_and_units(sir, tmp_path):
    df = sir.run()
    paths = [tmp_path / "sir.svg", tmp_path / "sir.png", tmp_path / "sir.pdf"]
    fig = pp.run(df, ["infectious", "recovered"], paths)
    assert fig.paths == [str(p) for p in paths]
    root = ET.parse(paths[0]).getroot()  # the SVG parses
    assert root.get("width") == "3.35in"  # one journal column
    png = paths[1].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == 1005  # IHDR width: 3.35 in at 300 dpi
    pdf = paths[2].read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    # Readable panel titles, units on both axes.
    assert [p["title"] for p in fig.panels] == ["Infectious", "Recovered"]
    x_titles = {g.get("data-title") for g in groups(root, "axis x")}
    y_titles = [g.get("data-title") for g in groups(root, "axis y")]
    assert x_titles == {"Time (day)"}
    assert all("person" in t for t in y_titles), y_titles


def test_the_figure_draws_the_tidy_data(sir, tmp_path):
    df = sir.run(params={"contact_infectivity": 0.4})
    fig = pp.run(df, ["infectious"], tmp_path / "i.svg")
    tidy = pp.run_data(df, ["infectious"])
    assert tidy.equals(fig.data)
    assert list(tidy["time"]) == list(df.index)
    assert np.array_equal(tidy["value"].to_numpy(), df["infectious"].to_numpy())
    assert set(tidy["unit"]) == {"person"} and set(tidy["time_unit"]) == {"day"}
    (panel,) = groups(ET.parse(tmp_path / "i.svg").getroot(), "panel")
    (x, y, dx, dy), = panel_points(panel).values()
    assert len(x) == len(df)  # every saved time drawn, none thinned
    # Within the SVG's rounding of pixel coordinates (0.005 px).
    assert np.max(np.abs(x - df.index.to_numpy())) <= 0.006 * dx
    assert np.max(np.abs(y - df["infectious"].to_numpy())) <= 0.006 * dy


def test_scenarios_are_one_line_each(sir, tmp_path):
    runs = {"base": sir.run(), "contact 0.5": sir.run(params={"contact_infectivity": 0.5})}
    pp.run(runs, ["infectious"], tmp_path / "s.svg")
    (panel,) = groups(ET.parse(tmp_path / "s.svg").getroot(), "panel")
    lines = panel_points(panel)
    assert list(lines) == ["base", "contact 0.5"]
    for name, (x, y, dx, dy) in lines.items():
        assert np.max(np.abs(y - runs[name]["infectious"].to_numpy())) <= 0.006 * dy


def test_a_batch_is_its_median_and_percentile_band(sir, tmp_path):
    X = np.random.default_rng(3).uniform([0.1, 2.0], [0.6, 8.0], size=(64, 2))
    res = sir.run_batch(X, names=PARAMS, outputs=["infectious"], save_every=1.0)
    fig = pp.run(res, None, tmp_path / "b.svg", band=(10, 90))
    tidy = fig.data
    cube = res["infectious"]
    assert np.array_equal(tidy["value"].to_numpy(), np.median(cube, axis=0))
    assert np.array_equal(tidy["lower"].to_numpy(), np.percentile(cube, 10, axis=0))
    assert np.array_equal(tidy["upper"].to_numpy(), np.percentile(cube, 90, axis=0))
    assert set(tidy["time_unit"]) == {"day"}
    root = ET.parse(tmp_path / "b.svg").getroot()
    assert len(groups(root, "series band")) == 1
    assert "median of 64 runs" in groups(root, "series line")[0].get("data-label")


def test_sobol_bars_are_the_indices(sir, tmp_path):
    problem = {"num_vars": 2, "names": PARAMS, "bounds": [[0.1, 0.6], [2, 10]]}
    outputs = [{"name": "peak", "variable": "infectious", "statistic": "peak"}]
    res = pressure.sensitivity.sobol(sir, problem, outputs, N=64, calc_second_order=False)
    fig = pp.sobol(res, [tmp_path / "sobol.svg", tmp_path / "sobol.png"])
    data = pp.sobol_data(res)
    assert list(data["parameter"]) == PARAMS
    idx = res.indices
    assert np.array_equal(data["S1"].to_numpy(), idx["S1"].to_numpy())
    root = ET.parse(tmp_path / "sobol.svg").getroot()
    (panel,) = groups(root, "panel")
    left, _, right, _ = map(float, panel.get("data-plot-area").split())
    x0, x1 = map(float, panel.get("data-x-range").split())
    scale = (x1 - x0) / (right - left)
    bars = groups(panel, "series bars")
    assert len(bars) == 2  # S1 and ST
    for g, key in zip(bars, ["S1", "ST"]):
        widths = [float(r.get("width")) * scale for r in g.findall(SVG + "rect")]
        assert np.allclose(widths, data[key].to_numpy(), atol=0.006 * scale), (key, widths)
    assert (tmp_path / "sobol.png").read_bytes()[:4] == b"\x89PNG"
    # The dict of sobol_analyze draws too.
    Y = np.random.default_rng(0).normal(size=64 * 4)
    analysis = pressure.sensitivity.sobol_analyze(problem, Y, calc_second_order=False)
    d = pp.sobol_data(analysis, output="noise")
    assert np.array_equal(d["ST"].to_numpy(), analysis["ST"])
    pp.sobol(analysis, tmp_path / "noise.svg", output="noise")
    ET.parse(tmp_path / "noise.svg")


def test_morris_and_calibration_fit(sir, root, tmp_path):
    problem = {"num_vars": 2, "names": PARAMS, "bounds": [[0.1, 0.6], [2, 10]]}
    outputs = [{"name": "peak", "variable": "infectious", "statistic": "peak"}]
    res = pressure.sensitivity.morris(sir, problem, outputs, N=10)
    pp.morris(res, tmp_path / "m.svg", unit="person")
    svg = ET.parse(tmp_path / "m.svg").getroot()
    assert {g.get("data-title") for g in groups(svg, "axis x")} == {"μ* of peak (person)"}
    cal = pressure.calibrate.run(root / "experiments" / "calibrate" / "logistic_synthetic.toml")
    fig = pp.fit(cal, tmp_path / "fit.pdf")
    assert fig.data.equals(cal.fit)
    assert (tmp_path / "fit.pdf").read_bytes().startswith(b"%PDF-")


def test_bad_input_is_a_clear_error_and_writes_nothing(sir, tmp_path):
    df = sir.run()
    with pytest.raises(pressure.InputError, match="no column"):
        pp.run(df, ["infected"], tmp_path / "x.svg")
    # A bad extension among the paths: no file written, not even the good one.
    with pytest.raises(pressure.InputError, match=r"\.svg, \.png or \.pdf"):
        pp.run(df, ["infectious"], [tmp_path / "ok.svg", tmp_path / "bad.jpg"])
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(pressure.InputError, match="width"):
        pp.run(df, ["infectious"], tmp_path / "x.svg", width="wide")
    with pytest.raises(pressure.InputError, match="DataFrame"):
        pp.run([1, 2, 3], None, tmp_path / "x.svg")
    with pytest.raises(pressure.InputError, match="band"):
        pp.run_data(sir.run_batch(np.array([[0.3, 5.0]]), names=PARAMS), band=(90, 10))
    # A figure the data cannot make (non-finite values) names the problem.
    bad = df[["infectious"]].copy()
    bad.attrs = df.attrs
    bad.iloc[3, 0] = np.inf
    with pytest.raises(pressure.InputError):
        pp.run(bad, None, tmp_path / "x.svg")
    assert list(tmp_path.iterdir()) == []
