#!/bin/sh
# Creates a Python virtual environment for a peer comparison from a pinned requirements file
# in this folder: setup_venv.sh DIR [REQUIREMENTS] (default requirements-synth.txt).
set -eu
dir=${1:?usage: setup_venv.sh DIR [REQUIREMENTS]}
req=${2:-requirements-synth.txt}
here=$(cd "$(dirname "$0")" && pwd)
python3 -m venv "$dir"
"$dir/bin/pip" install --quiet -r "$here/$req"
echo "ready: $dir/bin/python"
