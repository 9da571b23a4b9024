#!/usr/bin/env bash
# Submit a Pressure sensitivity experiment to Slurm as a job array of shards plus a merge job
# that starts when every shard has succeeded.
#
#   experiments/slurm/submit.sh EXPERIMENT.toml OUTDIR SHARDS [SEED]
#
# Each array task i (1..SHARDS) runs `pressure sensitivity --shard i/SHARDS` into
# OUTDIR/shard-i; the merge job runs `pressure merge` into OUTDIR/merged. The merged result is
# bit for bit the one a single `pressure sensitivity` run would write. Set PRESSURE to the
# binary's path if it is not on PATH; edit the #SBATCH lines of shard.sbatch (cores, time,
# memory, partition) for your cluster. Without Slurm, `LOCAL=1 submit.sh ...` runs the same
# steps one after another on this machine.
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 EXPERIMENT.toml OUTDIR SHARDS [SEED]" >&2
    exit 2
fi
EXPERIMENT=$(realpath "$1")
OUT=$(realpath -m "$2")
SHARDS=$3
SEED=${4:-0}
PRESSURE=${PRESSURE:-$(command -v pressure || true)}
if [ -z "$PRESSURE" ]; then
    echo "pressure binary not found: put it on PATH or set PRESSURE=/path/to/pressure" >&2
    exit 2
fi
mkdir -p "$OUT"
export EXPERIMENT OUT SHARDS SEED PRESSURE
here=$(dirname "$(realpath "$0")")

if [ "${LOCAL:-0}" = 1 ]; then
    for i in $(seq 1 "$SHARDS"); do
        SLURM_ARRAY_TASK_ID=$i bash "$here/shard.sbatch"
    done
    bash "$here/merge.sbatch"
    exit 0
fi

array=$(sbatch --parsable --array="1-$SHARDS" --export=ALL "$here/shard.sbatch")
sbatch --parsable --dependency="afterok:${array%%;*}" --export=ALL "$here/merge.sbatch"
echo "submitted shards as job $array; the merge waits for all of them" >&2
