#!/bin/sh
# Times Pressure's Python API against PySD and simlin in one process (see
# crates/python/bench/pysd_timing.py): builds the package into a virtual environment from the
# pinned requirements (scripts/python_env.sh), adds the peers from
# crates/python/requirements-bench.txt, and runs the benchmark with the given arguments:
#   scripts/python_bench.sh [--batch 100000] [--pysd-runs 300] [--simlin-runs 2000]
# VENV (default .venv-python) chooses the environment. Takes minutes: PySD needs ~0.2 s a run.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-$root/.venv-python}
"$root/scripts/python_env.sh" "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/crates/python/requirements-bench.txt"
cd "$root"
exec "$venv/bin/python" crates/python/bench/pysd_timing.py "$@"
