#!/usr/bin/env bash
# Start a single-node Slurm cluster on this Debian machine, to test experiments/slurm/ for real
# (scripts/slurm/test_submit.sh). Installs Debian's slurm-wlm (slurmctld, slurmd, client),
# munge and jq, writes /etc/slurm/slurm.conf for this host (node `hostname -s`, CPUs from
# nproc, half of the memory up to 4 GB, one partition `debug`), creates the munge key, starts
# munged, slurmctld and slurmd directly (no systemd needed) and waits until `sinfo` shows the
# node idle.
#
#   scripts/slurm/setup_local.sh          # as root; safe to run again (starts what is not running)
#   scripts/slurm/setup_local.sh --stop   # stop the three daemons (pid files under /run)
#
# It refuses to overwrite a slurm.conf it did not write. The cluster is for testing only: jobs
# run as the submitting user on this machine, with no cgroups and no accounting database.
set -euo pipefail

CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
MARK="# Written by Pressure's scripts/slurm/setup_local.sh (single-node test cluster)."
RUN_DIR=/run/slurm
STATE_DIR=/var/lib/slurm/slurmctld
SPOOL_DIR=/var/lib/slurm/slurmd
LOG_DIR=/var/log/slurm
MUNGE_KEY=/etc/munge/munge.key
MUNGE_PID=/run/munge/munged.pid
WAIT_SECONDS=${WAIT_SECONDS:-90}

die() {
    echo "setup_local.sh: error: $*" >&2
    exit 1
}
say() { echo "setup_local.sh: $*" >&2; }

# True when the process named in pid file $1 is alive.
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stop the daemon whose pid file is $1 (TERM, then wait up to 20 s).
stop_daemon() {
    local pidfile=$1 name=$2
    if alive "$pidfile"; then
        local pid
        pid=$(cat "$pidfile")
        say "stopping $name (pid $pid)"
        kill "$pid"
        for _ in $(seq 1 40); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -0 "$pid" 2>/dev/null && die "$name (pid $pid) did not stop within 20 s"
    fi
    rm -f "$pidfile"
}

[ "$(id -u)" = 0 ] || die "run as root (it installs packages and starts system daemons)"

if [ "${1:-}" = "--stop" ]; then
    stop_daemon "$RUN_DIR/slurmd.pid" slurmd
    stop_daemon "$RUN_DIR/slurmctld.pid" slurmctld
    stop_daemon "$MUNGE_PID" munged
    say "stopped"
    exit 0
elif [ $# -gt 0 ]; then
    die "unknown argument '$1' (usage: $0 [--stop])"
fi

# --- packages ---------------------------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
    ! command -v sbatch >/dev/null || ! command -v munged >/dev/null || ! command -v jq >/dev/null; then
    command -v apt-get >/dev/null || die "apt-get not found: this script needs Debian (or Ubuntu)"
    say "installing slurm-wlm, munge and jq (for test_submit.sh) with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends slurm-wlm munge jq >/dev/null; then
        say "apt-get install failed; updating the package lists and trying again"
        apt-get update -q >/dev/null || die "apt-get update failed (no network to the Debian mirror?)"
        apt-get install -y -q --no-install-recommends slurm-wlm munge jq >/dev/null ||
            die "apt-get install slurm-wlm munge jq failed"
    fi
fi
say "$(slurmctld -V) and munge $(dpkg-query -W -f '${Version}' munge 2>/dev/null || echo '?')"

# --- munge ------------------------------------------------------------------------------------
getent passwd munge >/dev/null || die "user 'munge' missing: the munge package did not install cleanly"
install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
install -d -o munge -g munge -m 0755 /run/munge
if [ ! -s "$MUNGE_KEY" ]; then
    say "creating the munge key $MUNGE_KEY"
    if command -v mungekey >/dev/null; then
        mungekey --create --keyfile "$MUNGE_KEY"
    else
        dd if=/dev/urandom of="$MUNGE_KEY" bs=1024 count=1 status=none
    fi
fi
chown munge:munge "$MUNGE_KEY"
chmod 0400 "$MUNGE_KEY"
if ! alive "$MUNGE_PID"; then
    say "starting munged"
    rm -f "$MUNGE_PID"
    runuser -u munge -- /usr/sbin/munged --pid-file "$MUNGE_PID" ||
        die "munged did not start (see /var/log/munge/munged.log)"
fi
for _ in $(seq 1 20); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.5
done
munge -n | unmunge >/dev/null || die "munge does not work (munge -n | unmunge failed; see /var/log/munge/munged.log)"

# --- slurm.conf -------------------------------------------------------------------------------
host=$(hostname -s)
[ -n "$host" ] || die "hostname -s is empty"
getent hosts "$host" >/dev/null ||
    die "the host name '$host' does not resolve: add '127.0.0.1 $host' to /etc/hosts"
cpus=$(nproc)
mem_total_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
real_memory=$((mem_total_mb / 2))
[ "$real_memory" -gt 4096 ] && real_memory=4096
if getent passwd slurm >/dev/null; then slurm_user=slurm; else slurm_user=root; fi

new_conf=$(
    cat <<EOF
$MARK
# Regenerated on every run; edit the script, not this file.
ClusterName=pressure-local
SlurmctldHost=$host
SlurmUser=$slurm_user
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
MailProg=/bin/true
SwitchType=switch/none
# No systemd or cgroup setup needed: processes tracked through /proc, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# A shard that fails cancels the merge job waiting on it instead of leaving it pending forever.
DependencyParameters=kill_invalid_depend
# Finished jobs stay visible to scontrol for 10 minutes (there is no accounting database).
MinJobAge=600
ReturnToService=2
# A job asking for more than the node has is refused at submission, not left pending forever.
EnforcePartLimits=ALL
# Trust the node line below rather than the hardware probe (containers, VMs).
SlurmdParameters=config_overrides
StateSaveLocation=$STATE_DIR
SlurmdSpoolDir=$SPOOL_DIR
SlurmctldPidFile=$RUN_DIR/slurmctld.pid
SlurmdPidFile=$RUN_DIR/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$real_memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
)

install -d -m 0755 "$CONF_DIR"
if [ -e "$CONF" ] && ! grep -qxF "$MARK" "$CONF"; then
    die "$CONF exists and was not written by this script; move it away to use the test cluster"
fi
changed=0
if [ ! -e "$CONF" ] || [ "$(cat "$CONF")" != "$new_conf" ]; then
    printf '%s\n' "$new_conf" >"$CONF.tmp"
    chmod 0644 "$CONF.tmp"
    mv "$CONF.tmp" "$CONF"
    changed=1
    say "wrote $CONF (node $host, $cpus CPUs, RealMemory $real_memory MB, partition debug)"
fi

install -d -o "$slurm_user" -g "$slurm_user" -m 0755 "$STATE_DIR" "$LOG_DIR" "$RUN_DIR"
install -d -m 0755 "$SPOOL_DIR"

# --- daemons ----------------------------------------------------------------------------------
if [ "$changed" = 1 ]; then
    # A running daemon keeps its old node and partition definitions: restart with the new file.
    stop_daemon "$RUN_DIR/slurmd.pid" slurmd
    stop_daemon "$RUN_DIR/slurmctld.pid" slurmctld
fi
if ! alive "$RUN_DIR/slurmctld.pid"; then
    say "starting slurmctld (log $LOG_DIR/slurmctld.log)"
    slurmctld || die "slurmctld did not start; see $LOG_DIR/slurmctld.log"
fi
for _ in $(seq 1 40); do
    scontrol ping 2>/dev/null | grep -q UP && break
    sleep 0.5
done
scontrol ping 2>/dev/null | grep -q UP ||
    die "slurmctld does not answer (scontrol ping); last log lines:
$(tail -n 15 "$LOG_DIR/slurmctld.log" 2>/dev/null)"
if ! alive "$RUN_DIR/slurmd.pid"; then
    say "starting slurmd (log $LOG_DIR/slurmd.log)"
    slurmd || die "slurmd did not start; see $LOG_DIR/slurmd.log"
fi

# --- wait for the node ------------------------------------------------------------------------
say "waiting up to $WAIT_SECONDS s for node $host to be idle"
resumed=0
state=""
for _ in $(seq 1 $((WAIT_SECONDS * 2))); do
    state=$(sinfo -h -N -n "$host" -o '%T' 2>/dev/null | head -n 1)
    case "$state" in
    idle | mixed | allocated) break ;;
    drain* | down* | fail*)
        # A node left drained or down by an earlier run comes back once the daemons are healthy.
        if [ "$resumed" = 0 ]; then
            scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true
            resumed=1
        fi
        ;;
    esac
    sleep 0.5
done
case "$state" in
idle | mixed | allocated) ;;
*)
    die "node $host is '${state:-unknown}' after $WAIT_SECONDS s; $(scontrol show node "$host" 2>/dev/null | grep -i reason || true)
last slurmd log lines:
$(tail -n 15 "$LOG_DIR/slurmd.log" 2>/dev/null)"
    ;;
esac
sinfo
say "ready: node $host is $state in partition debug"
