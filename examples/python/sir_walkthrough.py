"""The SIR epidemic from Python, for PySD users: load, run, Sobol' sensitivity over two
parameters, calibration to synthetic data, and a figure.

    python examples/python/sir_walkthrough.py [--out DIR] [--quick]

Needs the `pressure` package (README, "Python"); matplotlib is optional: without it the figure's
data are written as CSV files instead. The PySD line each step replaces is in its comment.
The model is models/examples/sir.toml, the SDXorg sample `SIR.mdl` that PySD's tutorials use.
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import pressure
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

    # 5. Plot.
    st = sobol.indices.pivot(index="parameter", columns="output", values="ST")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        base.to_csv(args.out / "run.csv")
        st.to_csv(args.out / "sobol_total.csv")
        pd.DataFrame({"observed": data["infectious"], "fitted": fitted["infectious"].loc[days]}).to_csv(args.out / "fit.csv")
        print(f"matplotlib is not installed: the figure's data are in {args.out}/run.csv, sobol_total.csv, fit.csv")
        return
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.8))
    for col in model.stocks:
        ax[0].plot(base.index, base[col], label=col)
    ax[0].set(title="SIR run (default parameters)", xlabel=f"time ({model.time_units})", ylabel="people")
    ax[0].legend()
    st.plot.bar(ax=ax[1], rot=0)
    ax[1].set(title=f"Sobol' total indices ({sobol.runs} runs)", xlabel="", ylabel="ST", ylim=(0, 1))
    ax[2].plot(days, data["infectious"], "o", ms=3, label="synthetic data")
    ax[2].plot(fitted.index, fitted["infectious"], label="fitted model")
    ax[2].set(title="Calibration to synthetic data", xlabel=f"time ({model.time_units})", ylabel="infectious (people)")
    ax[2].legend()
    fig.text(0.01, 0.01, "Model: models/examples/sir.toml (SDXorg SIR sample). Data: synthetic, 10% log-normal noise.", fontsize=7)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(args.out / "sir_walkthrough.png", dpi=120)
    print(f"figure: {args.out / 'sir_walkthrough.png'}")


if __name__ == "__main__":
    main()
