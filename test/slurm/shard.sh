#!/bin/bash
# Sharding on a real one-node Slurm cluster: an sbatch --array job of 3
# tasks, each running `uvsup --shard K/3` over its share of 30 values with
# its own joblog; task 2 is cancelled while one of its jobs waits, then
# resubmitted alone with --resume-failed; every job must end up run to its
# end exactly once. Needs root, slurm-wlm and munge; exits 77 (skipped,
# with a message) where the daemons cannot start.
# Usage: shard.sh UVSUP TESTCHILD
set -euo pipefail
uvsup=$1
child=$2

skip() {
  echo "skipped: $*" >&2
  exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root to start slurmctld and slurmd"
for tool in munged slurmctld slurmd sbatch sinfo scancel squeue; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (slurm-wlm, munge)"
done

dir=$(mktemp -d /tmp/uvsup-slurm.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT

# A port nobody listens on, from the kernel's ephemeral range.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 20000))
}

# waitfor SECONDS COMMAND...: runs COMMAND until it succeeds, at most
# SECONDS: a wait for an event (a daemon up, a file written) with a deadline.
waitfor() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

mkdir -p "$dir/state" "$dir/spool" "$dir/out"
head -c 1024 /dev/urandom >"$dir/munge.key"
chmod 400 "$dir/munge.key"
munged --force --key-file="$dir/munge.key" --socket="$dir/munge.sock" \
  --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" \
  --seed-file="$dir/munged.seed" || skip "munged does not start"
pids+=("$(cat "$dir/munged.pid")")

host=$(hostname)
cat >"$dir/slurm.conf" <<CONF
ClusterName=uvsup
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge.sock
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
KillWait=5
MaxArraySize=100
NodeName=$host NodeAddr=127.0.0.1 CPUs=4 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF=$dir/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" >"$dir/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$dir/slurmd.out" 2>&1 &
pids+=($!)
node_up() { sinfo -h -N -o %t | grep -qE '^(idle|mix|alloc)'; }
waitfor 30 node_up || {
  tail -5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 2>/dev/null || true
  skip "slurmctld/slurmd did not bring the node up"
}

seq 30 >"$dir/inputs"
# Every value's gate exists but that of 5 (job 5, in shard 2 of 3).
for v in $(seq 30); do [ "$v" = 5 ] || touch "$dir/gate.$v"; done
# N is fixed: a task resubmitted alone must still run shard K of 3.
cat >"$dir/task.sh" <<TASK
#!/bin/sh
exec "$uvsup" -j 1 --shard "\$SLURM_ARRAY_TASK_ID/3" \
  --joblog "$dir/log.\$SLURM_ARRAY_TASK_ID" --resume-failed \
  "$child" mark "$dir/started" {} pauseifmissing "$dir/gate.{}" \
  mark "$dir/done" {} :::: "$dir/inputs"
TASK
chmod +x "$dir/task.sh"

job=$(sbatch --parsable --array=1-3 -o "$dir/out/%a.out" -e "$dir/out/%a.err" "$dir/task.sh")
started_5() { grep -qx 5 "$dir/started"; }
waitfor 60 started_5 || skip "the array job did not start (see $dir)"
scancel "${job}_2"
array_done() { [ -z "$(squeue -h -j "$job" 2>/dev/null)" ]; }
waitfor 60 array_done || { echo "the array job did not end" >&2; exit 1; }
if grep -qx 5 "$dir/done"; then
  echo "job 5 ran to its end before its task was cancelled" >&2
  exit 1
fi

touch "$dir/gate.5"
again=$(sbatch --parsable --array=2 -o "$dir/out/again.out" -e "$dir/out/again.err" "$dir/task.sh")
again_done() { [ -z "$(squeue -h -j "$again" 2>/dev/null)" ]; }
waitfor 60 again_done || { echo "the resubmitted task did not end" >&2; exit 1; }

got=$(sort -n "$dir/done" | tr '\n' ' ')
want=$(seq 30 | tr '\n' ' ')
if [ "$got" != "$want" ]; then
  echo "jobs run to their end: $got" >&2
  echo "expected each once:    $want" >&2
  cat "$dir"/out/* >&2 || true
  exit 1
fi
echo "30 jobs over 3 shards, one task cancelled and resumed: each ran once"
