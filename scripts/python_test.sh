#!/bin/sh
# Builds the Python package into a virtual environment and runs its tests (pytest):
#   scripts/python_test.sh [VENV]
# The bit-for-bit comparisons call the `pressure` CLI: $PRESSURE_BIN, else target/release/pressure
# (brought up to date here: a stale binary would compare against old behaviour).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-$root/.venv-python}
"$root/scripts/python_env.sh" "$venv"
if [ -z "${PRESSURE_BIN:-}" ]; then
    PRESSURE_BIN="${CARGO_TARGET_DIR:-$root/target}/release/pressure"
    (cd "$root" && cargo build --release --bin pressure)
    export PRESSURE_BIN
fi
cd "$root"
"$venv/bin/python" -m pytest -q crates/python/tests
