#!/usr/bin/env python3
"""NIST StRD nonlinear least squares: Pressure's Levenberg-Marquardt next to scipy.

Runs, on the 27 NIST problems from both certified start points:
  * scipy.optimize.least_squares, default (method='lm', finite-difference Jacobian,
    tolerances 1e-8: what curve_fit does),
  * scipy tuned: method='trf', x_scale='jac', exact complex-step Jacobian,
    ftol = xtol = gtol = 1e-15, max_nfev = 20000 (the best scipy configuration of
    research/reference-peers.md),
  * Pressure with default settings, analytic Jacobians and finite differences (the example
    binary crates/calibrate/examples/nist.rs),
and prints the minimum LRE over parameters (digits, clipped to [0, 11]) per run and the time
per fit, side by side, plus the summary (worst, median).

Usage (from the repository root):
    python benches/peers/nist_compare.py [NIST_NONLINEAR_DIR]
The directory defaults to $PRESSURE_SHARED/reference/nist-strd/nonlinear or ../shared/... .
The Rust example is built with `cargo build --release --example nist -p pressure-calibrate`.
"""
import csv
import io
import math
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np
from scipy.optimize import least_squares

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PI = math.pi


def models():
    """Model functions f(b, x) (x a tuple of predictor arrays); numpy, complex-safe."""
    e = np.exp
    return {
        "Misra1a": lambda b, x: b[0] * (1 - e(-b[1] * x[0])),
        "Chwirut2": lambda b, x: e(-b[0] * x[0]) / (b[1] + b[2] * x[0]),
        "Chwirut1": lambda b, x: e(-b[0] * x[0]) / (b[1] + b[2] * x[0]),
        "Lanczos3": lambda b, x: b[0] * e(-b[1] * x[0]) + b[2] * e(-b[3] * x[0]) + b[4] * e(-b[5] * x[0]),
        "Gauss1": lambda b, x: b[0] * e(-b[1] * x[0]) + b[2] * e(-((x[0] - b[3]) ** 2) / b[4] ** 2) + b[5] * e(-((x[0] - b[6]) ** 2) / b[7] ** 2),
        "Gauss2": lambda b, x: b[0] * e(-b[1] * x[0]) + b[2] * e(-((x[0] - b[3]) ** 2) / b[4] ** 2) + b[5] * e(-((x[0] - b[6]) ** 2) / b[7] ** 2),
        "DanWood": lambda b, x: b[0] * x[0] ** b[1],
        "Misra1b": lambda b, x: b[0] * (1 - (1 + b[1] * x[0] / 2) ** (-2)),
        "Kirby2": lambda b, x: (b[0] + b[1] * x[0] + b[2] * x[0] ** 2) / (1 + b[3] * x[0] + b[4] * x[0] ** 2),
        "Hahn1": lambda b, x: (b[0] + b[1] * x[0] + b[2] * x[0] ** 2 + b[3] * x[0] ** 3) / (1 + b[4] * x[0] + b[5] * x[0] ** 2 + b[6] * x[0] ** 3),
        "Nelson": lambda b, x: b[0] - b[1] * x[0] * e(-b[2] * x[1]),
        "MGH17": lambda b, x: b[0] + b[1] * e(-x[0] * b[3]) + b[2] * e(-x[0] * b[4]),
        "Lanczos1": lambda b, x: b[0] * e(-b[1] * x[0]) + b[2] * e(-b[3] * x[0]) + b[4] * e(-b[5] * x[0]),
        "Lanczos2": lambda b, x: b[0] * e(-b[1] * x[0]) + b[2] * e(-b[3] * x[0]) + b[4] * e(-b[5] * x[0]),
        "Gauss3": lambda b, x: b[0] * e(-b[1] * x[0]) + b[2] * e(-((x[0] - b[3]) ** 2) / b[4] ** 2) + b[5] * e(-((x[0] - b[6]) ** 2) / b[7] ** 2),
        "Misra1c": lambda b, x: b[0] * (1 - (1 + 2 * b[1] * x[0]) ** (-0.5)),
        "Misra1d": lambda b, x: b[0] * b[1] * x[0] * ((1 + b[1] * x[0]) ** (-1)),
        "Roszman1": lambda b, x: b[0] - b[1] * x[0] - np.arctan(b[2] / (x[0] - b[3])) / PI,
        "ENSO": lambda b, x: (b[0] + b[1] * np.cos(2 * PI * x[0] / 12) + b[2] * np.sin(2 * PI * x[0] / 12)
                             + b[4] * np.cos(2 * PI * x[0] / b[3]) + b[5] * np.sin(2 * PI * x[0] / b[3])
                             + b[7] * np.cos(2 * PI * x[0] / b[6]) + b[8] * np.sin(2 * PI * x[0] / b[6])),
        "MGH09": lambda b, x: b[0] * (x[0] ** 2 + x[0] * b[1]) / (x[0] ** 2 + x[0] * b[2] + b[3]),
        "Thurber": lambda b, x: (b[0] + b[1] * x[0] + b[2] * x[0] ** 2 + b[3] * x[0] ** 3) / (1 + b[4] * x[0] + b[5] * x[0] ** 2 + b[6] * x[0] ** 3),
        "BoxBOD": lambda b, x: b[0] * (1 - e(-b[1] * x[0])),
        "Rat42": lambda b, x: b[0] / (1 + e(b[1] - b[2] * x[0])),
        "MGH10": lambda b, x: b[0] * e(b[1] / (x[0] + b[2])),
        "Eckerle4": lambda b, x: (b[0] / b[1]) * e(-0.5 * ((x[0] - b[2]) / b[1]) ** 2),
        "Rat43": lambda b, x: b[0] / ((1 + e(b[1] - b[2] * x[0])) ** (1 / b[3])),
        "Bennett5": lambda b, x: b[0] * (b[1] + x[0]) ** (-1 / b[2]),
    }


def parse(path, name):
    lines = [l.rstrip("\r\n") for l in open(path)]
    starts1, starts2, cert = [], [], []
    for l in lines:
        if re.match(r"\s*b\d+\s*=", l):
            v = l.split("=")[1].split()
            starts1.append(float(v[0]))
            starts2.append(float(v[1]))
            cert.append(float(v[2]))
    m = re.search(r"Data\s*\(lines\s*(\d+)\s*to\s*(\d+)\)", "\n".join(lines[:12]))
    a, b = int(m.group(1)), int(m.group(2))
    data = np.array([[float(t) for t in l.split()] for l in lines[a - 1:b] if l.strip()])
    y = data[:, 0]
    if name == "Nelson":
        y = np.log(y)
    x = tuple(data[:, k] for k in range(1, data.shape[1]))
    return [np.array(starts1), np.array(starts2)], np.array(cert), y, x


def lre(q, c):
    if not np.isfinite(q):
        return 0.0
    err = abs(q) if c == 0 else abs((q - c) / c)
    if err == 0:
        return 11.0
    return float(min(11.0, max(0.0, -math.log10(err))))


def scipy_fit(f, y, x, b0, tuned):
    res = lambda b: f(b, x) - y
    if not tuned:
        return least_squares(res, b0, method="lm").x
    h = 1e-100

    def jac(b):
        J = np.empty((len(y), len(b)))
        for j in range(len(b)):
            bc = b.astype(complex)
            bc[j] += 1j * h
            J[:, j] = np.imag(f(bc, x)) / h
        return J

    return least_squares(res, b0, jac=jac, method="trf", x_scale="jac", ftol=1e-15, xtol=1e-15, gtol=1e-15, max_nfev=20000).x


def timed(fn):
    """Mean wall time per call over at least 50 ms (and 3 calls)."""
    t0 = time.perf_counter()
    reps = 0
    while True:
        fn()
        reps += 1
        el = time.perf_counter() - t0
        if el > 0.05 and reps >= 3:
            return el / reps


def run_pressure(nist_dir, fd):
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "pressure-calibrate", "--example", "nist"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    exe = os.path.join(target, "release", "examples", "nist")
    args = [exe, nist_dir] + (["--fd"] if fd else [])
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    rows = {}
    for r in csv.DictReader(io.StringIO(out)):
        rows[(r["problem"], int(r["start"]))] = (float(r["lre_min"]), float(r["time_us"]) / 1e6)
    return rows


def main():
    shared = os.environ.get("PRESSURE_SHARED", os.path.join(ROOT, "..", "shared"))
    nist_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(shared, "reference", "nist-strd", "nonlinear")
    if not os.path.isdir(nist_dir):
        sys.exit(f"NIST files not found in {nist_dir}")
    fns = models()
    ours = run_pressure(nist_dir, fd=False)
    ours_fd = run_pressure(nist_dir, fd=True)
    cols = ["scipy default", "scipy tuned", "Pressure analytic J", "Pressure FD"]
    table = {c: [] for c in cols}
    times = {c: [] for c in cols}
    print(f"{'problem':<9} {'st':>2} | " + " | ".join(f"{c:>21}" for c in cols))
    print(f"{'':<9} {'':>2} | " + " | ".join(f"{'LRE':>8} {'ms/fit':>12}" for _ in cols))
    import warnings
    warnings.filterwarnings("ignore")
    for name, f in fns.items():
        starts, cert, y, x = parse(os.path.join(nist_dir, name + ".dat"), name)
        for s in (0, 1):
            cells = []
            for tuned, col in ((False, cols[0]), (True, cols[1])):
                try:
                    b = scipy_fit(f, y, x, starts[s], tuned)
                    l = min(lre(q, c) for q, c in zip(b, cert))
                    t = timed(lambda: scipy_fit(f, y, x, starts[s], tuned))
                except Exception:
                    l, t = 0.0, float("nan")
                table[col].append(l)
                times[col].append(t)
                cells.append((l, t))
            for rows, col in ((ours, cols[2]), (ours_fd, cols[3])):
                l, t = rows[(name, s + 1)]
                table[col].append(l)
                times[col].append(t)
                cells.append((l, t))
            print(f"{name:<9} {s + 1:>2} | " + " | ".join(f"{l:>8.2f} {1e3 * t:>12.3f}" for l, t in cells))
    print()
    print(f"{'summary over 54 runs':<22} " + " | ".join(f"{c:>21}" for c in cols))
    print(f"{'worst LRE':<22} " + " | ".join(f"{min(table[c]):>21.2f}" for c in cols))
    print(f"{'median LRE':<22} " + " | ".join(f"{statistics.median(table[c]):>21.2f}" for c in cols))
    print(f"{'runs below 7 digits':<22} " + " | ".join(f"{sum(v < 7 for v in table[c]):>21d}" for c in cols))
    print(f"{'total ms (54 fits)':<22} " + " | ".join(f"{1e3 * np.nansum(times[c]):>21.1f}" for c in cols))
    print(f"{'median ms per fit':<22} " + " | ".join(f"{1e3 * np.nanmedian(times[c]):>21.3f}" for c in cols))


if __name__ == "__main__":
    main()
