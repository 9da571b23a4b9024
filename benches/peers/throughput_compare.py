"""Runs per CPU-second, side by side (issue 16): Pressure's scalar interpreter, its native code
(Cranelift) and its batch backend (eight parameter sets in lock step: the lane interpreter and
the native lane code), and simlin (pysimlin
0.8.5), in one table.

* Pressure's models: the coupled sanctions model as `experiments/sensitivity/sanctions_sobol.toml`
  runs it (to t = 10, started at its steady state, four variables recorded), SIR
  (`models/examples/sir.toml`, every output) and the generated 500-variable model of
  `crates/sim/benches/engine.rs`; the three backends run the same random parameter sets (every
  ranged parameter drawn uniformly in its range), one backend after the other in one process
  (`crates/sim/examples/batch_throughput.rs`, which also checks that every batch lane equals the
  interpreter's run bit for bit).
* The SDXorg `samples/` models (`../shared/conformance/sdxorg-test-models/samples`, or
  `$PRESSURE_SHARED/conformance/...`) that simlin loads and runs: simlin (`Model.simulate()`,
  `run_to_end()`, every variable kept, as simlin does) and Pressure's three backends on the same
  file (read by `pressure_interop`), both at the file's own constants (the samples give no
  ranges), every output recorded. Files simlin cannot run are listed with its error.

Times are CPU time: the thread's for Pressure (`/proc/thread-self/schedstat`), the process's
for simlin (`time.process_time`). The machine's load average is printed at the start and end:
compare only numbers from one run of this script.

    sh benches/peers/throughput_compare.sh          # venv, build, then this script
"""

import argparse
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXTENSIONS = {".mdl", ".xmile", ".stmx"}


def suite_dir():
    shared = Path(os.environ.get("PRESSURE_SHARED", ROOT.parent / "shared"))
    return shared / "conformance" / "sdxorg-test-models" / "samples"


def load():
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


class Timeout(Exception):
    pass


def alarm(seconds):
    def handler(signum, frame):
        raise Timeout(f"timed out after {seconds} s")

    signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)


def ours(binary, model, runs, span="-", outputs=""):
    """(interpreter, native, batch or None, batch native or None) runs per CPU-second, or an
    error message."""
    c = subprocess.run(
        [binary, str(model), str(runs), span, outputs],
        capture_output=True, text=True, timeout=900,
    )
    if c.returncode != 0:
        lines = c.stderr.strip().splitlines()
        # The panic's message is the line after "thread 'main' ... panicked at ...".
        at = next((i for i, line in enumerate(lines) if "panicked at" in line), None)
        tail = lines[at + 1] if at is not None and at + 1 < len(lines) else (lines or ["(no message)"])[-1]
        return f"Pressure failed: {tail.split(': ', 1)[-1][:160]}"
    for line in c.stdout.splitlines():
        if "lanes differ" in line and not line.strip().endswith("0 lanes differ from the interpreter)"):
            return f"batch lanes differ from the interpreter: {line.strip()}"
        if line.startswith("runs_per_cpu_second"):
            f = line.split("\t")[1:]
            opt = lambda x: None if x.strip() == "-" else float(x)  # noqa: E731
            return float(f[0]), float(f[1]), opt(f[2]), opt(f[3])
    return "no result line from " + binary


def ours_timed(binary, model, seconds, **kw):
    """`ours` with a run count giving about `seconds` of CPU for the slowest backend."""
    first = ours(binary, model, 48, **kw)
    if isinstance(first, str):
        return first, 48
    slowest = min(r for r in first if r is not None)
    runs = int(min(max(slowest * seconds, 48), 20000)) // 8 * 8
    return ours(binary, model, runs, **kw), runs


def simlin_rate(path, seconds):
    """simlin runs per CPU-second of this process, or an error message."""
    import simlin

    try:
        alarm(60)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = simlin.load(path)
            sim = model.simulate()
            sim.run_to_end()
        signal.alarm(0)
    except Exception as e:  # noqa: BLE001 - any failure means simlin cannot run the file
        signal.alarm(0)
        return f"simlin: {type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''}"
    n = 0
    t0 = time.process_time()
    while True:
        sim = model.simulate()
        sim.run_to_end()
        n += 1
        dt = time.process_time() - t0
        if dt >= seconds and n >= 3:
            return n / dt


def fmt(x):
    return "—" if x is None else f"{x:,.0f}".replace(",", " ")


def ratio(a, b):
    return "—" if a is None or b is None else f"{a / b:.2f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=str(ROOT / "target/release/examples/batch_throughput"))
    ap.add_argument("--seconds", type=float, default=2.0,
                    help="about this much CPU per backend and model (default 2)")
    args = ap.parse_args()
    print(f"load average at the start: {load()}")
    rows = []
    for name, model, kw in [
        ("sanctions (Sobol' runs: t = 10, steady start, 4 outputs)", ROOT / "models/sanctions.toml",
         {"span": "10", "outputs": "coalition.cohesion,coalition.exit_hazard,money.inflation,currency.premium"}),
        ("SIR (models/examples/sir.toml, 3200 Euler steps)", ROOT / "models/examples/sir.toml", {}),
        ("generated 500 variables (800 Euler steps)", "generated500", {}),
    ]:
        got, runs = ours_timed(args.binary, model, args.seconds, **kw)
        print(f"{name}: {runs} parameter sets: {got}", flush=True)
        if isinstance(got, str):
            rows.append((name, None, None, None, None, None, got))
        else:
            rows.append((name, *got, None, ""))

    samples = suite_dir()
    if not samples.is_dir():
        print(f"SKIPPED the SDXorg samples: {samples} is absent (set PRESSURE_SHARED or check out ../shared)")
    else:
        try:
            import simlin
            print(f"pysimlin {simlin.__version__}")
        except ImportError:
            sys.exit("pysimlin is not installed: run benches/peers/throughput_compare.sh (pinned venv)")
        for path in sorted(p for p in samples.rglob("*") if p.suffix.lower() in EXTENSIONS):
            rel = str(path.relative_to(samples))
            s = simlin_rate(path, args.seconds)
            if isinstance(s, str):
                print(f"{rel}: {s}", flush=True)
                continue
            got, runs = ours_timed(args.binary, path, args.seconds)
            print(f"{rel}: simlin {s:.0f} runs/CPU-s; Pressure ({runs} runs): {got}", flush=True)
            if isinstance(got, str):
                rows.append((rel, None, None, None, None, s, got))
            else:
                rows.append((rel, *got, s, ""))

    print(f"load average at the end: {load()}")
    print()
    print("| model | interpreter | native | batch | batch native | simlin | batch / native | batch native / native | native / simlin | note |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, i, n, b, bn, s, note in rows:
        print(f"| {name} | {fmt(i)} | {fmt(n)} | {fmt(b)} | {fmt(bn)} | {fmt(s)} | {ratio(b, n)} | {ratio(bn, n)} | {ratio(n, s)} | {note} |")


if __name__ == "__main__":
    main()
