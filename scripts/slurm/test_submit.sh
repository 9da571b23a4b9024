#!/usr/bin/env bash
# End-to-end test of the cluster path on a real Slurm: experiments/slurm/submit.sh runs a small
# sensitivity experiment as a job array of shards plus a dependent merge job, and the merged
# result must equal the unsharded run of the same experiment bit for bit.
#
#   scripts/slurm/setup_local.sh && scripts/slurm/test_submit.sh    # as root, on Debian
#
# Compared: every file the unsharded `pressure sensitivity` run writes (the result CSV and JSON
# files and the figures with their index, recursively), byte for byte with `cmp`, and the same
# list of files in both folders. Of manifest.json, which records how each folder was produced
# (timings, threads, shard count, command line, the partial files the merge read), the fields
# that describe the result must be equal: seed, the experiment file (first input: path and
# SHA-256), runs, failed_runs, the experiment and model hashes, model, method, parameters.
# Exit status 0 only if all of this matches and every Slurm job completed with exit code 0.
#
# Environment: PRESSURE=/path/to/pressure (otherwise `cargo build --release --bin pressure`),
# EXPERIMENT (default experiments/sensitivity/sir_sobol.toml), SHARDS (4), SEED (20261207),
# TIMEOUT seconds for the jobs (600), WORKDIR (default: a new temporary folder, removed on
# success; kept for inspection on failure), KEEP=1 keeps it on success too.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
EXPERIMENT=${EXPERIMENT:-$repo/experiments/sensitivity/sir_sobol.toml}
SHARDS=${SHARDS:-4}
SEED=${SEED:-20261207}
TIMEOUT=${TIMEOUT:-600}

fail() {
    echo "test_submit.sh: FAIL: $*" >&2
    exit 1
}
say() { echo "test_submit.sh: $*" >&2; }

for tool in sbatch squeue scontrol scancel sinfo jq cmp; do
    command -v "$tool" >/dev/null ||
        fail "$tool not found (Slurm: run scripts/slurm/setup_local.sh as root first; jq: apt-get install jq)"
done
scontrol ping 2>/dev/null | grep -q UP ||
    fail "slurmctld does not answer (scontrol ping): run scripts/slurm/setup_local.sh first"
sinfo -h -o '%T' | grep -qE '^(idle|mixed|allocated)' ||
    fail "no usable Slurm node (sinfo: $(sinfo -h -o '%N %T' | tr '\n' ' '))"

if [ -z "${PRESSURE:-}" ]; then
    say "building the release binary (cargo build --release --bin pressure)"
    (cd "$repo" && cargo build --release --bin pressure)
    PRESSURE=$(cd "$repo" && cd "${CARGO_TARGET_DIR:-target}/release" && pwd)/pressure
fi
[ -x "$PRESSURE" ] || fail "PRESSURE=$PRESSURE is not an executable"
export PRESSURE

work=${WORKDIR:-$(mktemp -d -t pressure-slurm-test.XXXXXX)}
mkdir -p "$work"
work=$(realpath "$work")
out=$work/sharded
rm -rf "$out" "$work/single"
say "experiment $EXPERIMENT, $SHARDS shards, seed $SEED, work folder $work"

# --- the unsharded reference -----------------------------------------------------------------
# Written where the merge will write, then moved aside: the figure index names the folder its
# data came from, so both runs must have used the same path for it to compare byte for byte.
single=$work/single
merged=$out/merged
mkdir -p "$out"
start=$SECONDS
"$PRESSURE" sensitivity "$EXPERIMENT" --out "$merged" --seed "$SEED" >/dev/null
mv "$merged" "$single"
say "unsharded run done in $((SECONDS - start)) s"

# --- the cluster path -------------------------------------------------------------------------
# Small resources so the array fits a one-node test cluster (the scripts' defaults ask for 8
# cores per shard); the scripts' other defaults stay as they are.
start=$SECONDS
ids=$(SHARD_SBATCH_ARGS="--cpus-per-task=1 --mem=512M --time=00:10:00" \
    MERGE_SBATCH_ARGS="--mem=512M --time=00:10:00" \
    "$repo/experiments/slurm/submit.sh" "$EXPERIMENT" "$out" "$SHARDS" "$SEED")
read -r array merge <<<"$ids"
[ -n "${array:-}" ] && [ -n "${merge:-}" ] || fail "submit.sh printed '$ids', not two job ids"
say "submitted: array job $array (tasks 1-$SHARDS), merge job $merge (afterok:$array)"

# Wait until neither job is in the queue (pending, running or completing).
while squeue -h -j "$array,$merge" -o '%i' 2>/dev/null | grep -q .; do
    if [ $((SECONDS - start)) -gt "$TIMEOUT" ]; then
        scancel "$array" "$merge" || true
        fail "jobs $array and $merge not finished after $TIMEOUT s (cancelled; logs in $out/logs)"
    fi
    sleep 1
done
jobs_seconds=$((SECONDS - start))

# Every array task and the merge must have COMPLETED with exit code 0 (scontrol keeps finished
# jobs for MinJobAge seconds; there is no accounting database to ask).
states=$(scontrol -o show job "$array" 2>/dev/null; scontrol -o show job "$merge" 2>/dev/null)
n_completed=$(grep -c 'JobState=COMPLETED .*ExitCode=0:0' <<<"$states" || true)
if [ "$n_completed" != $((SHARDS + 1)) ]; then
    # One line per job: its id (and array task), state, reason and exit code.
    awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(JobId|ArrayTaskId|JobState|Reason|ExitCode)=/)
        printf "%s ", $i; print "" }' <<<"$states" >&2
    for log in "$out"/logs/*.log; do
        [ -e "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
    done
    fail "expected $((SHARDS + 1)) jobs COMPLETED with exit code 0, found $n_completed (logs in $out/logs)"
fi
say "all $SHARDS shard tasks and the merge completed in ${jobs_seconds} s (submission to end)"

# --- the comparison ---------------------------------------------------------------------------
[ -d "$merged" ] || fail "the merge job wrote no $merged"
(cd "$single" && find . -type f ! -name manifest.json | LC_ALL=C sort) >"$work/files.single"
(cd "$merged" && find . -type f ! -name manifest.json | LC_ALL=C sort) >"$work/files.merged"
diff -u "$work/files.single" "$work/files.merged" >&2 ||
    fail "the merged folder has different files from the unsharded run's"
compared=0
while IFS= read -r f; do
    cmp "$single/$f" "$merged/$f" >&2 || fail "$f differs between the unsharded run and the merge"
    compared=$((compared + 1))
done <"$work/files.single"
[ "$compared" -gt 0 ] || fail "the unsharded run wrote no result files"

fields='{seed, experiment_file: .inputs[0], runs: .extra.runs, failed_runs: .extra.failed_runs,
  experiment_sha256: .extra.experiment_sha256, model: .extra.model,
  model_sha256: .extra.model_sha256, method: .extra.method, parameters: .extra.parameters}'
m_single=$(jq -S "$fields" "$single/manifest.json")
m_merged=$(jq -S "$fields" "$merged/manifest.json")
[ "$m_single" = "$m_merged" ] ||
    fail "manifest fields differ: $(diff <(echo "$m_single") <(echo "$m_merged") || true)"
grep -q null <<<"$m_single" && fail "a manifest field is missing: $m_single"
[ "$(jq -r .extra.shards "$merged/manifest.json")" = "$SHARDS" ] ||
    fail "the merged manifest does not record $SHARDS shards"

say "PASS: merged result of $SHARDS Slurm shards (array job $array, merge job $merge) equals the unsharded run: $compared files identical byte for byte ($(paste -sd' ' "$work/files.single")), manifest fields equal: seed, experiment file (path, sha256), runs ($(jq .runs <<<"$m_single")), failed_runs, experiment_sha256, model, model_sha256, method, parameters"
if [ "${KEEP:-0}" = 1 ] || [ -n "${WORKDIR:-}" ]; then
    say "results kept in $work"
else
    rm -rf "$work"
fi
