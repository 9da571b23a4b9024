#!/bin/sh
# Runs per CPU-second side by side (issue 16): Pressure's interpreter, native code and batch
# backend, and simlin (pysimlin 0.8.5, pinned in requirements-conformance.txt), on Pressure's
# sanctions, SIR and generated 500-variable models and the SDXorg samples simlin runs.
#   sh benches/peers/throughput_compare.sh [--seconds 2]
# The venv goes to $PEERS_VENV (default /tmp/peers-venv), created if absent.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=${PEERS_VENV:-/tmp/peers-venv}
[ -x "$venv/bin/python" ] || sh "$here/setup_venv.sh" "$venv" requirements-conformance.txt
(cd "$root" && cargo build --release -p pressure-sim --example batch_throughput)
exec "$venv/bin/python" "$here/throughput_compare.py" --binary "$root/target/release/examples/batch_throughput" "$@"
