#!/usr/bin/env bash
# Submit a Pressure sensitivity experiment to Slurm as a job array of shards plus a merge job
# that starts when every shard has succeeded.
#
#   experiments/slurm/submit.sh EXPERIMENT.toml OUTDIR SHARDS [SEED]
#
# Without SEED the experiment file's seed is used (as `pressure sensitivity` without --seed).
# Each array task i (1..SHARDS) runs `pressure sensitivity --shard i/SHARDS` into
# OUTDIR/shard-i; the merge job runs `pressure merge` into OUTDIR/merged. The merged result is
# bit for bit the one a single `pressure sensitivity` run would write. The job logs go to
# OUTDIR/logs/. OUTDIR must be on a file system every node sees. Prints the array's job id and
# the merge's job id on stdout (one line, for scripts).
#
# Set PRESSURE to the binary's path if it is not on PATH. Resources: the #SBATCH lines of
# shard.sbatch and merge.sbatch are defaults; SHARD_SBATCH_ARGS and MERGE_SBATCH_ARGS add sbatch
# options that override them (e.g. SHARD_SBATCH_ARGS="--cpus-per-task=2 --mem=1G"), and sbatch's
# own variables (SBATCH_PARTITION, SBATCH_ACCOUNT, ...) apply to both jobs. Without Slurm,
# `LOCAL=1 submit.sh ...` runs the same steps one after another on this machine.
# scripts/slurm/test_submit.sh runs this on a real (single-node) Slurm and checks the result.
set -euo pipefail
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
    echo "usage: $0 EXPERIMENT.toml OUTDIR SHARDS [SEED]" >&2
    exit 2
fi
[ -f "$1" ] || { echo "$0: experiment file $1 not found" >&2; exit 2; }
EXPERIMENT=$(realpath "$1")
OUT=$(realpath -m "$2")
SHARDS=$3
SEED=${4:-}
case "$SHARDS" in
'' | *[!0-9]* | 0) echo "$0: SHARDS must be a positive integer, got '$SHARDS'" >&2; exit 2 ;;
esac
PRESSURE=${PRESSURE:-$(command -v pressure || true)}
if [ -z "$PRESSURE" ] || [ ! -x "$PRESSURE" ]; then
    echo "pressure binary not found: put it on PATH or set PRESSURE=/path/to/pressure" >&2
    exit 2
fi
# The jobs run in other processes (and on other nodes): an absolute path.
PRESSURE=$(realpath "$PRESSURE")
mkdir -p "$OUT/logs"
export EXPERIMENT OUT SHARDS SEED PRESSURE
here=$(dirname "$(realpath "$0")")

if [ "${LOCAL:-0}" = 1 ]; then
    for i in $(seq 1 "$SHARDS"); do
        SLURM_ARRAY_TASK_ID=$i bash "$here/shard.sbatch"
    done
    bash "$here/merge.sbatch"
    exit 0
fi

command -v sbatch >/dev/null ||
    { echo "$0: sbatch not found (no Slurm here?); LOCAL=1 runs the steps on this machine" >&2; exit 2; }
# Slurm does not create the directories of --output, hence logs/ above. The options given here
# override the scripts' #SBATCH lines; SHARD_/MERGE_SBATCH_ARGS are split into words on purpose.
# shellcheck disable=SC2086
array=$(sbatch --parsable --array="1-$SHARDS" --export=ALL \
    --output="$OUT/logs/shard-%A_%a.log" ${SHARD_SBATCH_ARGS:-} "$here/shard.sbatch")
array=${array%%;*}
# shellcheck disable=SC2086
if ! merge=$(sbatch --parsable --dependency="afterok:$array" --export=ALL \
    --output="$OUT/logs/merge-%j.log" ${MERGE_SBATCH_ARGS:-} "$here/merge.sbatch"); then
    scancel "$array" || true
    echo "$0: submitting the merge job failed; cancelled the shards (job $array)" >&2
    exit 1
fi
merge=${merge%%;*}
echo "submitted $SHARDS shards as array job $array; merge job $merge waits for all of them" >&2
echo "$array $merge"
