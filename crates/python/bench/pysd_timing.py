#!/usr/bin/env python3
"""Pressure's Python API against PySD, in one process: per-call `model.run()` time on the teacup
and SIR models (DataFrame construction included on both sides) and a batch of SIR parameter sets
(`run_batch` against a PySD loop, the loop's time extrapolated from `--pysd-runs` runs).

PySD runs the SDXorg test-models originals (teacup_mdl.mdl, SIR.mdl; copied to a temporary folder
because PySD writes a translated .py next to the model); Pressure the transcriptions in
models/examples/. Both are checked to end at the same values before timing.

Usage, from the repository root after scripts/python_env.sh and
`.venv-python/bin/pip install -r crates/python/requirements-bench.txt`:
    .venv-python/bin/python crates/python/bench/pysd_timing.py [--batch 100000]
The shared folder is found as $PRESSURE_SHARED or ../shared.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
import timeit
from pathlib import Path

import numpy as np

import pressure

ROOT = Path(__file__).resolve().parents[3]
CASES = [
    # (name, SDXorg sample, our model, PySD column, our column)
    ("teacup", "samples/teacup/teacup_mdl.mdl", "models/examples/teacup.toml", "Teacup Temperature", "teacup_temperature"),
    ("SIR", "samples/SIR/SIR.mdl", "models/examples/sir.toml", "Infectious", "infectious"),
]


def best_of(fn, repeat=5):
    """Best mean time per call over `repeat` rounds (timeit chooses the calls per round)."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=100_000, help="SIR parameter sets for run_batch")
    ap.add_argument("--pysd-runs", type=int, default=300, help="PySD runs timed for the batch comparison")
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    import pysd

    shared = Path(os.environ.get("PRESSURE_SHARED", ROOT.parent / "shared"))
    samples = shared / "conformance/sdxorg-test-models"
    if not samples.is_dir():
        sys.exit(f"SDXorg samples not found under {shared} (set PRESSURE_SHARED)")
    print(f"pressure {pressure.__version__}, pysd {pysd.__version__}, numpy {np.__version__}")
    print(f"{'model':8} {'PySD run()':>12} {'pressure run()':>15} {'ratio':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        pysd_models = {}
        for name, sample, ours, pysd_col, our_col in CASES:
            mdl = Path(tmp) / Path(sample).name
            shutil.copy(samples / sample, mdl)
            theirs = pysd.read_vensim(str(mdl))
            pysd_models[name] = theirs
            model = pressure.load(ROOT / ours)
            a = float(theirs.run()[pysd_col].iloc[-1])
            b = float(model.run()[our_col].iloc[-1])
            if abs(a - b) > 1e-9 * max(1.0, abs(a)):
                sys.exit(f"{name}: final values differ: PySD {a!r}, Pressure {b!r}")
            t_pysd = best_of(lambda: theirs.run())
            t_ours = best_of(lambda: model.run())
            print(f"{name:8} {t_pysd * 1e6:10.1f} us {t_ours * 1e6:13.1f} us {t_pysd / t_ours:7.0f}x")

        # A batch of SIR runs: Pressure's run_batch against PySD's loop over params.
        sir = pressure.load(ROOT / "models/examples/sir.toml")
        rng = np.random.default_rng(0)
        X = np.column_stack([rng.uniform(0.1, 0.6, args.batch), rng.uniform(2.0, 8.0, args.batch)])
        t0 = time.perf_counter()
        res = sir.run_batch(X, names=["contact_infectivity", "duration"], outputs=["infectious"], threads=args.threads)
        t_batch = time.perf_counter() - t0
        theirs = pysd_models["SIR"]
        n = min(args.pysd_runs, args.batch)
        t0 = time.perf_counter()
        for i in range(n):
            out = theirs.run(params={"Contact Infectivity": X[i, 0], "Duration": X[i, 1]}, return_columns=["Infectious"])
        t_loop = (time.perf_counter() - t0) / n * args.batch
        last = float(out["Infectious"].iloc[-1])
        if abs(last - res["infectious"][n - 1, -1]) > 1e-9 * max(1.0, abs(last)):
            sys.exit(f"SIR batch: run {n - 1} differs: PySD {last!r}, Pressure {res['infectious'][n - 1, -1]!r}")
        print(
            f"SIR batch of {args.batch}: pressure run_batch {t_batch:.2f} s, PySD loop {t_loop:.1f} s "
            f"(extrapolated from {n} runs): {t_loop / t_batch:.0f}x"
        )


if __name__ == "__main__":
    main()
