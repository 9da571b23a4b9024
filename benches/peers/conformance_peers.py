#!/usr/bin/env python3
"""SDXorg test-models conformance, side by side: Pressure, PySD and simlin on the same files
with the same comparison.

Every `.mdl` and XMILE (`.xmile`, `.stmx`) file under the suite's `tests/` folder is run by
each tool, and every column of its reference output (`output.tab` or `output.csv` beside it)
that the tool reports is compared at every reference time within a relative 1e-3
(`|a - b| <= 1e-3 * max(|a|, |b|)`, or both within 1e-9 of zero). A file passes when at least
one column is compared and every compared value agrees. This is the criterion of issue 15 and
of the Rust runner (`crates/interop/tests/conformance.rs`), whose name matching it copies.

Pressure runs through its CLI (`pressure run FILE`), PySD 3.14.3 through `pysd.read_vensim` /
`pysd.read_xmile` on a copy of the file's folder (PySD writes a translated `.py` beside the
model), simlin through pysimlin 0.8.5 (`simlin.load(FILE).run(analyze_loops=False)`).

Usage (from the repository root; the environment from the pinned requirements):
    sh benches/peers/setup_venv.sh /tmp/peers-venv requirements-conformance.txt
    cargo build --release --bin pressure
    /tmp/peers-venv/bin/python benches/peers/conformance_peers.py \
        [--pressure target/release/pressure] [--out conformance_peers.csv] [--only mdl|xmile]
        [--export] [--tools Pressure,PySD,simlin]
With --export a fourth column runs simlin on the XMILE that `pressure convert --to xmile`
writes from each file: whether another XMILE tool reads Pressure's export.
Prints the table of counts (Markdown) and writes one row per file and tool to --out.
The shared folder is found as $PRESSURE_SHARED or ../shared.
"""
import argparse
import contextlib
import csv
import io
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RTOL = 1e-3
TIMEOUT_S = 120


def suite_dir():
    shared = Path(os.environ.get("PRESSURE_SHARED", ROOT.parent / "shared"))
    d = shared / "conformance" / "sdxorg-test-models" / "tests"
    if not d.is_dir():
        sys.exit(f"SDXorg suite not found at {d} (set PRESSURE_SHARED)")
    return d


def norm(name):
    """Lower case, every run of characters other than letters, digits, '[', ']' and ','
    as one '_' (as the Rust runner matches names)."""
    out = []
    gap = False
    for c in name.strip().strip('"'):
        if c.isalnum() or c in "[],":
            if gap and out and out[-1] not in "[," and c not in "],":
                out.append("_")
            gap = False
            out.append(c.lower())
        else:
            gap = True
    return "".join(out)


def read_reference(folder):
    for name, sep in (("output.tab", "\t"), ("output.csv", ",")):
        p = folder / name
        if p.exists():
            break
    else:
        return None
    text = p.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    lines = [l for l in text.split("\n") if l.strip()]
    if not lines:
        return None
    if sep == ",":
        rows = list(csv.reader(lines))
    else:
        rows = [l.split("\t") for l in lines]

    def num(c):
        try:
            return float(c.strip())
        except ValueError:
            return None

    return rows[0], [[num(c) for c in r] for r in rows[1:]]


def close(a, b):
    return abs(a - b) <= RTOL * max(abs(a), abs(b)) or (abs(a) < 1e-9 and abs(b) < 1e-9)


def compare(reference, times, columns):
    """(passed, compared, total, reason). `columns`: normalised name -> list of values at
    `times`."""
    names, rows = reference
    tcol = next((i for i, n in enumerate(names) if n.strip().lower() == "time"), 0)
    compared = 0
    index = {}
    for i, t in enumerate(times):
        index.setdefault(round(t, 9), i)
    for c, name in enumerate(names):
        if c == tcol:
            continue
        col = columns.get(norm(name))
        if col is None:
            continue
        compared += 1
        for r in rows:
            if c >= len(r) or tcol >= len(r) or r[tcol] is None or r[c] is None:
                continue
            t, want = r[tcol], r[c]
            k = index.get(round(t, 9))
            if k is None:
                k = next((i for i, x in enumerate(times) if abs(x - t) <= 1e-9 * max(abs(t), 1)), None)
            if k is None:
                return False, compared, len(names) - 1, f"no result at reference time {t}"
            got = col[k]
            if got is None or (isinstance(got, float) and math.isnan(got)) or not close(got, want):
                return False, compared, len(names) - 1, f"value differs ({name.strip()} at time {t}: {got} vs reference {want})"
    if compared == 0:
        return False, 0, len(names) - 1, "no reference column matches a reported variable"
    return True, compared, len(names) - 1, ""


class Timeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds):
    def handler(signum, frame):
        raise Timeout(f"timed out after {seconds} s")

    old = signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def frame_columns(df):
    """A pandas DataFrame indexed by time as (times, normalised name -> values)."""
    times = [float(t) for t in df.index]
    cols = {}
    for c in df.columns:
        try:
            cols[norm(str(c))] = [float(x) for x in df[c].to_numpy()]
        except (TypeError, ValueError):
            continue
    return times, cols


def run_data_files(path):
    """The data sets a Vensim model loads when it is run, as the Rust importer finds them
    (`run_data_sets` in crates/interop/src/mdl/mod.rs): the names on the `13:` lines of the
    settings block after the sketch, a `.vdf` read as its tab-separated export of the same
    stem beside the model (`.tab`, else `.csv`). Only files that exist."""
    if path.suffix.lower() != ".mdl":
        return []
    text = path.read_bytes().decode("utf-8", errors="replace")
    marker = text.rfind("///---\\\\\\")
    if marker < 0:
        return []
    out = []
    for line in text[marker:].splitlines():
        line = line.strip()
        if not line.startswith("13:"):
            continue
        for name in (n.strip() for n in line[3:].split(",")):
            if not name:
                continue
            p = Path(name)
            if p.suffix.lower() in (".vdf", ".vdfx", ""):
                candidates = [p.with_suffix(".tab"), p.with_suffix(".csv")]
            else:
                candidates = [p]
            found = next((c for c in candidates if (path.parent / c).is_file()), None)
            if found is not None:
                out.append(found)
    return out


def run_pysd(path):
    import pysd

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "m"
        shutil.copytree(path.parent, folder)
        p = folder / path.name
        # Data variables with no equation read the run's data set, as PySD's own test suite
        # passes it (`data_files`); none for other files.
        data = [str(folder / d) for d in run_data_files(path)] or None
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            if path.suffix.lower() == ".mdl":
                model = pysd.read_vensim(str(p), data_files=data)
            else:
                model = pysd.read_xmile(str(p), data_files=data)
            # Every variable as columns of numbers, subscripted ones one column per element
            # (`x[a,b]`): without flattening they come back as arrays, which frame_columns
            # cannot read, and only the scalar columns were compared.
            df = model.run(progress=False, flatten_output=True)
    return frame_columns(df)


def run_simlin(path):
    import simlin

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = simlin.load(path)
        df = model.run(analyze_loops=False).results
    return frame_columns(df)


def run_simlin_on_export(binary):
    """simlin on the XMILE that `pressure convert --to xmile` writes from the file: does
    another XMILE tool read Pressure's export and reproduce the reference?"""

    def run(path):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / (path.stem + ".xmile")
            c = subprocess.run(
                [binary, "convert", str(path), "--to", "xmile", "--out", str(out)],
                capture_output=True, text=True, timeout=TIMEOUT_S,
            )
            if c.returncode != 0:
                last = [l for l in c.stderr.splitlines() if l.strip()]
                raise RuntimeError("convert: " + (last[0].strip() if last else f"exit code {c.returncode}"))
            return run_simlin(out)

    return run


def run_pressure(binary):
    def run(path):
        out = subprocess.run([binary, "run", str(path)], capture_output=True, text=True, timeout=TIMEOUT_S)
        if out.returncode != 0:
            last = [l for l in out.stderr.splitlines() if l.strip()]
            raise RuntimeError(last[0].strip() if last else f"exit code {out.returncode}")
        rows = list(csv.reader(out.stdout.splitlines()))
        header, body = rows[0], rows[2:]  # the second row holds units
        times = [float(r[0]) for r in body]
        cols = {norm(h): [float(r[i]) for r in body] for i, h in enumerate(header) if i > 0}
        return times, cols

    return run


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pressure", default=str(ROOT / "target/release/pressure"))
    ap.add_argument("--out", default="conformance_peers.csv")
    ap.add_argument("--only", choices=["mdl", "xmile"])
    ap.add_argument("--export", action="store_true",
                    help="also run simlin on Pressure's XMILE export of each file")
    ap.add_argument("--tools", default="Pressure,PySD,simlin",
                    help="comma-separated subset of Pressure,PySD,simlin to run (the rows of "
                         "separate runs can be joined: the comparison is the same)")
    args = ap.parse_args()
    suite = suite_dir()
    exts = {"mdl": [".mdl"], "xmile": [".xmile", ".stmx"]}
    kinds = [args.only] if args.only else ["mdl", "xmile"]
    wanted = {t.strip() for t in args.tools.split(",") if t.strip()}
    tools = [("Pressure", run_pressure(args.pressure)), ("PySD", run_pysd), ("simlin", run_simlin)]
    unknown = wanted - {n for n, _ in tools}
    if unknown:
        sys.exit(f"unknown tools: {', '.join(sorted(unknown))}")
    tools = [(n, f) for n, f in tools if n in wanted]
    if args.export:
        tools.append(("simlin on Pressure's XMILE", run_simlin_on_export(args.pressure)))
    counts = {}
    with open(args.out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "tool", "result", "compared", "columns", "reason"])
        for kind in kinds:
            files = sorted(p for p in suite.rglob("*") if p.suffix.lower() in exts[kind])
            for name, _ in tools:
                counts[(kind, name)] = [0, len(files)]
            for p in files:
                rel = p.relative_to(suite)
                reference = read_reference(p.parent)
                for name, run in tools:
                    if reference is None:
                        ok, compared, total, reason = False, 0, 0, "no reference output"
                    else:
                        try:
                            with time_limit(TIMEOUT_S):
                                times, cols = run(p)
                            ok, compared, total, reason = compare(reference, times, cols)
                        except Exception as e:  # any failure of the tool is a failed file
                            ok, compared, total, reason = False, 0, len(reference[0]) - 1, f"{type(e).__name__}: {str(e)[:200]}"
                    counts[(kind, name)][0] += ok
                    w.writerow([rel, name, "pass" if ok else "FAIL", compared, total, reason.replace("\n", " ")])
                    f.flush()
                print(f"{rel}: " + ", ".join(f"{n} {c[0]}" for (k, n), c in counts.items() if k == kind), file=sys.stderr)
    print("| files | " + " | ".join(n for n, _ in tools) + " |")
    print("|---|" + "---|" * len(tools))
    for kind in kinds:
        label = "`.mdl`" if kind == "mdl" else "XMILE (`.xmile`, `.stmx`)"
        cells = [f"{counts[(kind, n)][0]} of {counts[(kind, n)][1]}" for n, _ in tools]
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
