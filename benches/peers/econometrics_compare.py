#!/usr/bin/env python3
"""Pressure vs linearmodels on a two-way fixed-effects regression with clustered SEs.

Data: a synthetic unbalanced panel of 1,000,000 rows (20,000 units x 60 periods, about 1/6
of the cells missing), y = x1 - 0.5 x2 + unit effect + period effect + noise, generated once
with numpy (PCG64, seed 7) and written to a CSV that both tools read.

Timed (best of --repeat, wall clock, this machine):
  * linearmodels 7.1 PanelOLS(y ~ x1 + x2 + EntityEffects + TimeEffects)
        .fit(cov_type="clustered", cluster_entity=True)   -- data already in memory
  * Pressure: the within estimator with the same clustered variance (the `fe_timing`
    example, release build), data already in memory; and, end to end, CSV read + estimate.
statsmodels is not timed at this size: OLS with 20,059 dummy columns would need a
1,000,000 x 20,059 design (160 GB).

The script also checks that the two agree (coefficients and SEs, relative difference).
Usage: python benches/peers/econometrics_compare.py [--rows N] [--repeat R]
Needs the Python peers (linearmodels, pandas, numpy) in a virtual environment outside the
repository, e.g. one made by benches/peers/setup_venv.sh with a requirements file.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd


def make_panel(rows, seed=7):
    rng = np.random.Generator(np.random.PCG64(seed))
    units = rows // 50
    periods = 60
    ue = rng.random(units)
    te = rng.random(periods)
    u = np.repeat(np.arange(units), periods)
    t = np.tile(np.arange(periods), units)
    keep = rng.random(units * periods) >= 1.0 / 6.0
    u, t = u[keep], t[keep]
    n = len(u)
    x1 = rng.random(n) + ue[u]
    x2 = rng.random(n) - te[t]
    y = x1 - 0.5 * x2 + ue[u] + te[t] + rng.random(n)
    return pd.DataFrame({"unit": u, "period": t, "y": y, "x1": x1, "x2": x2})


def time_linearmodels(df, repeat):
    from linearmodels.panel import PanelOLS

    panel = df.set_index(["unit", "period"])
    best, res = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        mod = PanelOLS(panel["y"], panel[["x1", "x2"]], entity_effects=True, time_effects=True)
        res = mod.fit(cov_type="clustered", cluster_entity=True)
        best = min(best, time.perf_counter() - t0)
    return best, res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", help="write the CSV here instead of a temporary folder")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

    df = make_panel(args.rows)
    tmp = tempfile.mkdtemp(prefix="pressure-fe-")
    csv = args.keep or os.path.join(tmp, "panel.csv")
    df.to_csv(csv, index=False, float_format="%.17g")
    print(f"panel: {len(df):,} rows, {df.unit.nunique():,} units, {df.period.nunique()} periods -> {csv}")

    # Pressure (release build of the example)
    env = dict(os.environ)
    env.setdefault("CARGO_TARGET_DIR", os.path.join(root, "target"))
    subprocess.run(
        ["cargo", "build", "--release", "-q", "-p", "pressure-econometrics", "--example", "fe_timing"],
        cwd=root, env=env, check=True,
    )
    exe = os.path.join(env["CARGO_TARGET_DIR"], "release", "examples", "fe_timing")
    t0 = time.perf_counter()
    out = subprocess.run([exe, csv, str(args.repeat)], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    pr = json.loads(out.stdout)
    pressure_end_to_end = pr["load_seconds"] + pr["estimate_seconds"]

    # linearmodels
    t0 = time.perf_counter()
    df2 = pd.read_csv(csv)
    read_s = time.perf_counter() - t0
    lm_s, res = time_linearmodels(df2, args.repeat)

    coef = res.params[["x1", "x2"]].to_numpy()
    se = res.std_errors[["x1", "x2"]].to_numpy()
    rel_coef = np.max(np.abs(np.array(pr["coef"]) - coef) / np.abs(coef))
    rel_se = np.max(np.abs(np.array(pr["se_linearmodels_default"]) - se) / se)

    print(f"linearmodels PanelOLS fit (in memory):   {lm_s:8.3f} s   (+ pandas read_csv {read_s:.3f} s)")
    print(f"Pressure within + cluster (in memory):   {pr['estimate_seconds']:8.3f} s   "
          f"(+ CSV load {pr['load_seconds']:.3f} s; {pr['threads']} threads; "
          f"{pr['demean_iterations']} demeaning sweeps)")
    print(f"speed ratio, estimation:                 {lm_s / pr['estimate_seconds']:8.1f} x")
    print(f"speed ratio, CSV read + estimation:      {(lm_s + read_s) / pressure_end_to_end:8.1f} x")
    print(f"agreement: max rel. diff coef {rel_coef:.1e}, SE {rel_se:.1e} "
          f"(Pressure ClusterCorrection::LinearmodelsDefault)")
    print(json.dumps({
        "rows": len(df), "linearmodels_seconds": lm_s, "pandas_read_seconds": read_s,
        "pressure_estimate_seconds": pr["estimate_seconds"], "pressure_load_seconds": pr["load_seconds"],
        "ratio_estimation": lm_s / pr["estimate_seconds"],
        "ratio_end_to_end": (lm_s + read_s) / pressure_end_to_end,
        "max_rel_diff_coef": float(rel_coef), "max_rel_diff_se": float(rel_se),
    }))
    if rel_coef > 1e-6 or rel_se > 1e-6:
        print("WARNING: estimates disagree", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
