#!/bin/sh
# Creates (or reuses) the virtual environment of the Python bindings' tests from the pinned
# requirements, and builds and installs the package from this checkout into it:
#   scripts/python_env.sh [VENV]        (default .venv-python; ignored by git)
# Needs python3 and the Rust toolchain; maturin (pinned in crates/python/pyproject.toml) comes
# from PyPI through the build backend.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-$root/.venv-python}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/crates/python/requirements-test.txt"
# The README's install command, into the venv (builds the extension with cargo --release).
"$venv/bin/pip" install --disable-pip-version-check "$root/crates/python"
echo "ready: $venv/bin/python"
