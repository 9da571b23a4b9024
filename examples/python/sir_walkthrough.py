"""The SIR epidemic from Python, for PySD users: load, run, Sobol' sensitivity over two
parameters, calibration to synthetic data, and a figure.

    python examples/python/sir_walkthrough.py [--out DIR] [--quick]

Needs the `pressure` package (README, "Python"). Figures are written in Pressure's house style
(`pressure.plot`: SVG, PNG, PDF); with matplotlib installed, also a matplotlib version drawn from
the same tidy data (`pressure.plot.*_data`). The PySD line each step replaces is in its comment.
The model is models/examples/sir.toml, the SDXorg sample `SIR.mdl` that PySD's tutorials use.
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import pressure
import pressure.plot as pp
from pressure import sensitivity

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("out/sir-walkthrough"), help="folder of the figure (or its data)")
    ap.add_argument("--quick", action="store_true", help="a smaller Sobol' sample (for tests)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    # 1. Load the model.                       PySD: model = pysd.read_vensim("SIR.mdl")
    model = pressure.load(ROOT / "models" / "examples" / "sir.toml")
    print(model)
    print(model.parameters[["default", "low", "high", "units"]].dropna(subset=["low"]), "\n")
    print("stocks:", model.stocks)
    print(model.loops()[["polarity", "variables"]], "\n")

    # 2. Run it.                                PySD: df = model.run()
    base = model.run()
    print(base.iloc[[0, -1]], "\n")
    #    ... with other parameter values.       PySD: model.run(params={...}, return_columns=[...])
    faster = model.run(params={"contact_infectivity": 0.45}, vars=["infectious"])
    print(f"peak infectious: {base['infectious'].max():.1f} (default), "
          f"{faster['infectious'].max():.1f} (contact_infectivity = 0.45) {base.attrs['units']['infectious']}\n")

    # 3. Sobol' indices of the epidemic's peak and final size over two parameters. A SALib
    #    `problem` dict; the engine samples, runs the model in parallel and estimates (same
    #    estimators as SALib.analyze.sobol).  SALib: X = sobol.sample(problem, N); Y = [...]; analyze(problem, Y)
    problem = {"num_vars": 2, "names": ["contact_infectivity", "duration"], "bounds": [[0.1, 0.6], [2.0, 10.0]]}
    outputs = [
        {"name": "peak_infectious", "variable": "infectious", "statistic": "peak"},
        {"name": "recovered_day_100", "variable": "recovered", "statistic": "value_at", "time": 100},
    ]
    sobol = sensitivity.sobol(model, problem, outputs, N=128 if args.quick else 1024, seed=1)
    print(f"Sobol' indices from {sobol.runs} runs:")
    print(sobol.indices[["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]].to_string(index=False), "\n")

    # 4. Calibrate to synthetic data: infectious counts every 2 days from known parameters,
    #    with 10% log-normal noise; fit both parameters back with their 95% intervals.
    truth = {"contact_infectivity": 0.42, "duration": 4.0}
    days = np.arange(0.0, 101.0, 2.0)
    clean = model.run(params=truth, vars=["infectious"]).loc[days]
    rng = np.random.default_rng(2024)
    data = clean * np.exp(rng.normal(0.0, 0.1, size=clean.shape))
    fit = model.fit(data, {"contact_infectivity": (0.1, 0.6), "duration": (2.0, 10.0)}, error="log_normal")
    print("calibration (truth:", truth, ")")
    print(fit.params, "\n")
    fitted = model.run(params=fit.estimates, vars=["infectious"])

    # 5. Plot, in Pressure's house style (the figures of the CLI: SVG, PNG at 300 dpi, PDF).
    #    Each pressure.plot function also has a *_data twin returning the tidy table it draws.
    written = []
    written += pp.run(base, model.stocks, args.out / "sir_run.svg", width="double").paths
    for name in ["peak_infectious", "recovered_day_100"]:
        written += pp.sobol(sobol, [args.out / f"sobol_{name}.svg", args.out / f"sobol_{name}.png"], output=name).paths
    #    Model against data: the layout of a calibration's fit.csv (time, model, observed, unit).
    fit_table = pd.DataFrame(
        {
            "observable": pp.readable("infectious"),
            "unit": base.attrs["units"]["infectious"],
            "time_unit": model.time_units,
            "time": fitted.index,
            "model": fitted["infectious"].to_numpy(),
            "observed": data["infectious"].reindex(fitted.index).to_numpy(),
        }
    )
    written += pp.fit(fit_table, [args.out / "fit.pdf", args.out / "fit.png"], width="single", note="Data: synthetic, 10% log-normal noise.").paths
    print("figures:", ", ".join(str(p) for p in written))

    #    The same data in matplotlib, if it is installed.
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no matplotlib version of the figures")
        return
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.6))
    for (name, unit), rows in pp.run_data(base, model.stocks).groupby(["title", "unit"], sort=False):
        ax[0].plot(rows["time"], rows["value"], label=name)
    ax[0].set(title="SIR run (default parameters)", xlabel=f"Time ({model.time_units})", ylabel=f"People ({unit})")
    ax[0].legend()
    st = pp.sobol_data(sobol, output="peak_infectious").set_index("parameter")
    ax[1].bar(st.index, st["ST"], yerr=[st["ST"] - st["ST_low"], st["ST_high"] - st["ST"]])
    ax[1].set(title=f"Sobol' total indices of the peak ({sobol.runs} runs)", ylabel="ST", ylim=(0, 1))
    fig.text(0.01, 0.01, "Model: models/examples/sir.toml (SDXorg SIR sample).", fontsize=7)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(args.out / "sir_walkthrough.png", dpi=120)
    print(f"matplotlib figure: {args.out / 'sir_walkthrough.png'}")

if __name__ == "__main__":
    main()
