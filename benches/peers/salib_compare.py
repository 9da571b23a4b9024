#!/usr/bin/env python3
"""Sobol' indices of Ishigami at N = 8192 with bootstrap: SALib 1.6 next to Pressure.

Times the whole job -- sampling (scrambled Sobol' / Saltelli), evaluating Ishigami (a = 7,
b = 0.1) and the analysis with 100 bootstrap resamples -- with and without second-order
indices, in SALib 1.6 (`sobol.sample`, vectorised `Ishigami.evaluate`, `sobol.analyze`) and in
Pressure through the library (the example binary crates/sensitivity/examples/ishigami.rs,
timed in-process, best of 5), on 1 thread and on all cores. Prints the times, the ratios
(target: Pressure at least 10x faster) and both tools' estimates next to the analytic values.

Usage (from the repository root):
    python benches/peers/salib_compare.py [N]
The example is built with `cargo build --release -p pressure-sensitivity --example ishigami`
(into $CARGO_TARGET_DIR, default ./target).
"""
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np
from importlib.metadata import version
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 8192
REPEATS = 5
RESAMPLES = 100
S1_TRUE = [0.31390519114781146, 0.4424111447900409, 0.0]
ST_TRUE = [0.5575888552099592, 0.4424111447900409, 0.24368366406214773]
PROBLEM = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}


def salib(second):
    best, si = float("inf"), None
    for rep in range(REPEATS):
        t0 = time.perf_counter()
        x = sobol_sample.sample(PROBLEM, N, calc_second_order=second, seed=12345 + rep)
        y = Ishigami.evaluate(x)
        si = sobol_analyze.analyze(
            PROBLEM, y, calc_second_order=second, num_resamples=RESAMPLES, seed=12345
        )
        best = min(best, time.perf_counter() - t0)
    return best, si


def pressure_binary():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    subprocess.run(
        ["cargo", "build", "--release", "-q", "-p", "pressure-sensitivity", "--example", "ishigami"],
        cwd=ROOT,
        check=True,
    )
    return os.path.join(target, "release", "examples", "ishigami")


def pressure(binary, second, threads):
    out = subprocess.run(
        [binary, str(N), "1" if second else "0", str(REPEATS), str(threads), str(RESAMPLES)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def main():
    warnings.filterwarnings("ignore")
    binary = pressure_binary()
    cores = os.cpu_count()
    print(f"Ishigami, N = {N}, {RESAMPLES} bootstrap resamples, best of {REPEATS}; "
          f"SALib {version('SALib')}, {cores} cores\n")
    print(f"{'second order':>12} {'runs':>7} {'SALib s':>9} {'Pressure 1 thr s':>17} "
          f"{'Pressure {0} thr s'.format(cores):>17} {'ratio 1 thr':>11} {'ratio all':>10}")
    rows = []
    for second in (False, True):
        t_salib, si = salib(second)
        p1 = pressure(binary, second, 1)
        pn = pressure(binary, second, 0)
        rows.append((second, si, p1))
        print(f"{str(second):>12} {p1['runs']:>7} {t_salib:>9.4f} {p1['best_seconds']:>17.4f} "
              f"{pn['best_seconds']:>17.4f} {t_salib / p1['best_seconds']:>10.1f}x "
              f"{t_salib / pn['best_seconds']:>9.1f}x")
    print("\nestimates (last repeat; SALib and Pressure draw different scrambles):")
    for second, si, p in rows:
        print(f"  second order {second}:")
        for name, truth, s_val, p_val in (("S1", S1_TRUE, si["S1"], p["S1"]), ("ST", ST_TRUE, si["ST"], p["ST"])):
            print(f"    {name} analytic {np.round(truth, 4)}  SALib {np.round(s_val, 4)}  Pressure {np.round(p_val, 4)}")
        print(f"    S1_conf SALib {np.round(si['S1_conf'], 4)}  Pressure {np.round(p['S1_conf'], 4)}")


if __name__ == "__main__":
    main()
