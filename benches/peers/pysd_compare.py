#!/usr/bin/env python3
"""Side by side: the teacup and SIR models run in PySD 3.14 and in Pressure.

PySD runs the SDXorg test-models originals (teacup_mdl.mdl, SIR.mdl, copied to a temporary
folder because PySD writes a translated .py next to the model); Pressure runs the transcriptions
in models/examples/ with `pressure run --repeat N`, which times N runs in-process. Both are
checked to give the same final values before timing. Prints time per run and the ratio.

Usage (from the repository root, after `cargo build --release`):
    python benches/peers/pysd_compare.py [--pressure target/release/pressure]
The shared folder is found as $PRESSURE_SHARED or ../shared.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CASES = [
    # (name, SDXorg sample, our model, PySD column, our column)
    ("teacup", "samples/teacup/teacup_mdl.mdl", "models/examples/teacup.toml", "Teacup Temperature", "teacup_temperature"),
    ("SIR", "samples/SIR/SIR.mdl", "models/examples/sir.toml", "Infectious", "infectious"),
]


def shared_dir():
    p = Path(os.environ.get("PRESSURE_SHARED", ROOT.parent / "shared"))
    if not p.is_dir():
        sys.exit(f"shared folder not found at {p} (set PRESSURE_SHARED)")
    return p


def best_of(fn, repeat=5):
    """Best mean time per call over `repeat` rounds, choosing the number of calls per round."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number


def pressure_time(binary, model, runs):
    out = subprocess.run(
        [binary, "run", str(ROOT / model), "--repeat", str(runs)],
        check=True, capture_output=True, text=True,
    )
    m = re.search(r"([0-9.]+) us per run", out.stderr)
    if not m:
        sys.exit(f"unexpected output from pressure: {out.stderr}")
    return float(m.group(1)) * 1e-6, out.stdout


def last_value(csv_text, column):
    lines = csv_text.strip().splitlines()
    header = lines[0].split(",")
    return float(lines[-1].split(",")[header.index(column)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pressure", default=os.environ.get("PRESSURE_BIN", str(ROOT / "target/release/pressure")))
    ap.add_argument("--runs", type=int, default=2000, help="Pressure runs timed in-process")
    args = ap.parse_args()
    import pysd  # noqa: E402  (imported late: the help works without it)

    samples = shared_dir() / "conformance/sdxorg-test-models"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, sample, ours, pysd_col, our_col in CASES:
            mdl = Path(tmp) / Path(sample).name
            shutil.copy(samples / sample, mdl)
            model = pysd.read_vensim(str(mdl))
            final_pysd = float(model.run()[pysd_col].iloc[-1])
            t_pysd = best_of(lambda: model.run())
            t_ours, table = pressure_time(args.pressure, ours, args.runs)
            final_ours = last_value(table, our_col)
            agree = abs(final_pysd - final_ours) <= 1e-6 * max(1.0, abs(final_pysd))
            rows.append((name, t_pysd, t_ours, final_pysd, final_ours, agree))

    print(f"PySD {pysd.__version__} vs Pressure ({args.pressure})")
    print(f"{'model':8} {'PySD ms/run':>12} {'Pressure us/run':>16} {'ratio':>8}  final values agree")
    ok = True
    for name, tp, to, fp, fo, agree in rows:
        print(f"{name:8} {tp * 1e3:12.3f} {to * 1e6:16.2f} {tp / to:7.0f}x  {agree} ({fp:.6g} vs {fo:.6g})")
        ok &= agree
    print("target: at least 300x faster per run")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
