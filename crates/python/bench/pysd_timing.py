#!/usr/bin/env python3
"""Pressure's Python API against PySD and simlin (pysimlin), in one process: per-call
`model.run()` time on the teacup and SIR models (DataFrame construction included on every side)
and a batch of SIR parameter sets (`run_batch` against a PySD loop and a simlin loop, each loop's
time extrapolated from a sample of `--pysd-runs` / `--simlin-runs` runs).

PySD and simlin read the SDXorg test-models originals (teacup_mdl.mdl, SIR.mdl; copied to a
temporary folder because PySD writes a translated .py next to the model); Pressure the
transcriptions in models/examples/. All three are checked to agree before timing (final values
of the default run; in the batch, every sampled run's final value).

Usage, from the repository root (creates .venv-python from the pinned requirements files,
crates/python/requirements-test.txt and requirements-bench.txt, and runs this script):
    scripts/python_bench.sh [--batch 100000] [--pysd-runs 300] [--simlin-runs 2000]
The shared folder is found as $PRESSURE_SHARED or ../shared.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
import timeit
import warnings
from pathlib import Path

import numpy as np

import pressure

ROOT = Path(__file__).resolve().parents[3]
CASES = [
    # (name, SDXorg sample for PySD, for simlin, our model, PySD column, our and simlin's column).
    # simlin 0.8.5 cannot parse teacup_mdl.mdl (its `[0.0, inf]` range): it reads teacup.mdl, the
    # same model without units ranges (the final values are checked equal below).
    ("teacup", "samples/teacup/teacup_mdl.mdl", "samples/teacup/teacup.mdl", "models/examples/teacup.toml", "Teacup Temperature", "teacup_temperature"),
    ("SIR", "samples/SIR/SIR.mdl", "samples/SIR/SIR.mdl", "models/examples/sir.toml", "Infectious", "infectious"),
]
NAMES = ["contact_infectivity", "duration"]


def best_of(fn, repeat=5):
    """Best mean time per call over `repeat` rounds (timeit chooses the calls per round)."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number


def same(a, b, what):
    if abs(a - b) > 1e-9 * max(1.0, abs(a)):
        sys.exit(f"{what}: results differ: {a!r} vs {b!r}")


def load_text():
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=100_000, help="SIR parameter sets for run_batch")
    ap.add_argument("--pysd-runs", type=int, default=300, help="PySD runs timed for the batch comparison")
    ap.add_argument("--simlin-runs", type=int, default=2000, help="simlin runs timed for the batch comparison")
    ap.add_argument("--threads", type=int, default=None, help="run_batch threads (default: all cores)")
    args = ap.parse_args()
    import pysd
    import simlin

    warnings.filterwarnings("ignore", module="pysd")
    shared = Path(os.environ.get("PRESSURE_SHARED", ROOT.parent / "shared"))
    samples = shared / "conformance/sdxorg-test-models"
    if not samples.is_dir():
        sys.exit(f"SDXorg samples not found under {shared} (set PRESSURE_SHARED)")
    print(f"pressure {pressure.__version__}, pysd {pysd.__version__}, pysimlin {simlin.__version__}, numpy {np.__version__}")
    print(f"start: {load_text()}")
    print(f"{'model':8} {'PySD run()':>12} {'simlin run()':>13} {'pressure run()':>15} {'vs PySD':>8} {'vs simlin':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        pysd_models, simlin_models = {}, {}
        for name, sample, simlin_sample, ours, pysd_col, col in CASES:
            mdl = Path(tmp) / Path(sample).name
            shutil.copy(samples / sample, mdl)
            theirs = pysd_models[name] = pysd.read_vensim(str(mdl))
            sl = simlin_models[name] = simlin.load(samples / simlin_sample)
            model = pressure.load(ROOT / ours)
            b = float(model.run()[col].iloc[-1])
            same(float(theirs.run()[pysd_col].iloc[-1]), b, f"{name} PySD vs Pressure")
            same(float(sl.run(analyze_loops=False).results[col].iloc[-1]), b, f"{name} simlin vs Pressure")
            t_pysd = best_of(lambda: theirs.run())
            # simlin: a run and its results DataFrame (Run.results), loop analysis off.
            t_simlin = best_of(lambda: sl.run(analyze_loops=False).results)
            t_ours = best_of(lambda: model.run())
            print(
                f"{name:8} {t_pysd * 1e6:10.1f} us {t_simlin * 1e6:11.1f} us {t_ours * 1e6:13.1f} us "
                f"{t_pysd / t_ours:7.0f}x {t_simlin / t_ours:9.1f}x"
            )

        # A batch of SIR runs: Pressure's run_batch against loops over PySD and simlin runs, every
        # run saving infectious at every step (3201 values).
        sir = pressure.load(ROOT / "models/examples/sir.toml")
        rng = np.random.default_rng(0)
        X = np.column_stack([rng.uniform(0.1, 0.6, args.batch), rng.uniform(2.0, 8.0, args.batch)])
        t0 = time.perf_counter()
        res = sir.run_batch(X, names=NAMES, outputs=["infectious"], threads=args.threads)
        t_batch = time.perf_counter() - t0
        final = res["infectious"][:, -1]
        print(
            f"SIR batch of {args.batch} parameter sets (infectious saved at all {res.time.size} times), "
            f"pressure run_batch: {t_batch:.2f} s ({args.batch / t_batch:.0f} runs/s, threads={args.threads or 'all'})"
        )

        theirs = pysd_models["SIR"]
        n = min(args.pysd_runs, args.batch)
        t0 = time.perf_counter()
        for i in range(n):
            out = theirs.run(params={"Contact Infectivity": X[i, 0], "Duration": X[i, 1]}, return_columns=["Infectious"])
            same(float(out["Infectious"].iloc[-1]), final[i], f"SIR batch run {i}, PySD vs Pressure")
        t_loop = (time.perf_counter() - t0) / n * args.batch
        print(f"  PySD loop: {t_loop:.0f} s, extrapolated from {n} runs: pressure {t_loop / t_batch:.0f}x faster")

        sl = simlin_models["SIR"]
        n = min(args.simlin_runs, args.batch)
        t0 = time.perf_counter()
        for i in range(n):
            sim = sl.simulate(overrides={"contact_infectivity": X[i, 0], "duration": X[i, 1]})
            sim.run_to_end()
            y = sim.get_series("infectious")
            same(float(y[-1]), final[i], f"SIR batch run {i}, simlin vs Pressure")
        t_simlin = (time.perf_counter() - t0) / n * args.batch
        print(
            f"  simlin loop (Model.simulate, run_to_end, get_series; it has no batch call): {t_simlin:.1f} s, "
            f"extrapolated from {n} runs: pressure {t_simlin / t_batch:.1f}x faster"
        )
    print(f"end: {load_text()}")


if __name__ == "__main__":
    main()
