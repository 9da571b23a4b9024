#!/usr/bin/env python3
"""Does another XMILE tool read Pressure's XMILE export? The repository's models (`models/`)
are written as XMILE with `pressure convert MODEL --to xmile`, loaded and run by simlin
(pysimlin 0.8.5), and every variable both report is compared with `pressure run MODEL` at every
saved time within a relative 1e-3 (or both within 1e-9 of zero), the criterion of the
conformance runner.

Usage (from the repository root; the environment from the pinned requirements):
    sh benches/peers/setup_venv.sh /tmp/peers-venv requirements-conformance.txt
    cargo build --release --bin pressure
    /tmp/peers-venv/bin/python benches/peers/simlin_exported_models.py [--pressure BIN]
Prints one line per model: loads or not, variables compared, agree or the first difference.
"""
import argparse
import csv
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conformance_peers import close, norm, run_simlin  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MODELS = [
    "models/examples/teacup.toml",
    "models/examples/sir.toml",
    "models/examples/chain10.toml",
    "models/fiscal.toml",
    "models/inflation.toml",
    "models/currency.toml",
    "models/coalition.toml",
    "models/sanctions.toml",
]


def pressure_run(binary, model):
    out = subprocess.run([binary, "run", str(model)], capture_output=True, text=True, check=True)
    rows = list(csv.reader(out.stdout.splitlines()))
    header, body = rows[0], rows[2:]
    times = [float(r[0]) for r in body]
    return times, {norm(h): [float(r[i]) for r in body] for i, h in enumerate(header) if i > 0}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pressure", default=str(ROOT / "target/release/pressure"))
    args = ap.parse_args()
    agree = 0
    for m in MODELS:
        model = ROOT / m
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / (model.stem + ".xmile")
            c = subprocess.run(
                [args.pressure, "convert", str(model), "--to", "xmile", "--out", str(out)],
                capture_output=True, text=True,
            )
            if c.returncode != 0:
                first = next((l.strip() for l in c.stderr.splitlines() if l.strip()), "")
                print(f"{m}: not converted ({first})")
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    st, scols = run_simlin(out)
            except Exception as e:  # simlin refused the file or the run
                print(f"{m}: simlin fails: {type(e).__name__}: {str(e)[:300]}")
                continue
        pt, pcols = pressure_run(args.pressure, model)
        index = {round(t, 9): i for i, t in enumerate(st)}
        common = sorted(set(pcols) & set(scols))
        worst = None
        for name in common:
            for i, t in enumerate(pt):
                k = index.get(round(t, 9))
                if k is None:
                    continue
                a, b = pcols[name][i], scols[name][k]
                if not close(a, b):
                    worst = worst or f"{name} at time {t}: Pressure {a} vs simlin {b}"
        if worst:
            print(f"{m}: simlin loads it; {len(common)} variables compared; differs: {worst}")
        else:
            agree += 1
            print(f"{m}: simlin loads it; {len(common)} variables compared; all agree")
    print(f"{agree} of {len(MODELS)} models agree")


if __name__ == "__main__":
    main()
