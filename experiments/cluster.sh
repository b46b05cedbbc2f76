#!/usr/bin/env bash
# Runs CONFIG across the hosts of HOSTFILE: starts a `murmur node` on every
# host (over ssh, or the command MURMUR_SSH names), waits until each says
# where it listens, launches the run from this machine, and stops the nodes
# when it ends (also on error or Ctrl-C). Exits with the run's code.
#
#   bash experiments/cluster.sh HOSTFILE CONFIG [murmur run options...]
#
# HOSTFILE: one node per line, `HOST [PORT [THREADS [DATA_PATH]]]`; '#'
# starts a comment. PORT 0 or absent: a free port the node picks and
# reports. THREADS 0 or absent: all of the host's cores. DATA_PATH: that
# host's copy of the dataset (`murmur node --data-path`), when it is not at
# the config's data.path.
#
# Environment: NODE_FLAGS, flags for every node (TLS: "--certificate F
# --key F --cafile F"; the launcher takes hosts.certificate/key/cafile from
# CONFIG or --set); MURMUR, the binary here (default build/murmur);
# REMOTE_MURMUR, its path on the hosts (default: the same path);
# MURMUR_SSH, how to run a command on a host (default "ssh -tt -o
# BatchMode=yes": a terminal, so the node goes when the session does; called
# as `$MURMUR_SSH HOST COMMAND...`); NODE_WAIT,
# seconds to wait for every node to listen (default 60).
#
# Under Slurm, start the nodes with srun instead (one task per host, e.g.
# `srun --ntasks-per-node=1 murmur node --listen 0.0.0.0:7070 &`) and pass
# their addresses to `murmur run CONFIG --hosts ...`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fail() {
  echo "cluster.sh: $*" >&2
  exit 2
}
[ $# -ge 2 ] || fail "usage: cluster.sh HOSTFILE CONFIG [murmur run options...]"
hostfile="$1"
config="$2"
shift 2
[ -f "$hostfile" ] || fail "no hostfile $hostfile; give a file of 'HOST [PORT [THREADS [DATA_PATH]]]' lines"
murmur="${MURMUR:-$here/../build/murmur}"
[ -x "$murmur" ] || fail "no binary at $murmur; run experiments/setup.sh or set MURMUR"
remote="${REMOTE_MURMUR:-$murmur}"
read -r -a ssh <<<"${MURMUR_SSH:-ssh -tt -o BatchMode=yes}"
read -r -a node_flags <<<"${NODE_FLAGS:-}"
wait_limit="${NODE_WAIT:-60}"

logs="$(mktemp -d "${TMPDIR:-/tmp}/murmur-cluster.XXXXXX")"
pids=()
# SIGTERM stops a node (over ssh -tt, closing the session hangs it up);
# whatever still runs 10 s later is killed.
stop_nodes() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for _ in $(seq 50); do
    alive=0
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null && alive=1
    done
    [ "$alive" = 1 ] || break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$logs"
}
trap stop_nodes EXIT
trap 'exit 130' INT TERM

n=0
while read -r host port threads data extra; do
  [ -n "${host:-}" ] || continue
  [ -z "${extra:-}" ] || fail "$hostfile: '$host $port $threads $data $extra' has more than 4 fields"
  port="${port:-0}"
  threads="${threads:-0}"
  [[ "$port" =~ ^[0-9]+$ ]] || fail "$hostfile: port '$port' of $host is not a number"
  [[ "$threads" =~ ^[0-9]+$ ]] || fail "$hostfile: threads '$threads' of $host is not a number"
  args=("$remote" node --listen "$host:$port" --threads "$threads" "${node_flags[@]}")
  [ -z "${data:-}" ] || args+=(--data-path "$data")
  "${ssh[@]}" "$host" "${args[@]}" >"$logs/$n.out" 2>"$logs/$n.err" </dev/null &
  pids+=($!)
  n=$((n + 1))
done < <(sed 's/#.*//' "$hostfile")
[ "$n" -gt 0 ] || fail "$hostfile names no host"

# Each node's first line: "murmur node listening on HOST:PORT (...)".
list=""
deadline=$((SECONDS + wait_limit))
for ((k = 0; k < n; k++)); do
  address=""
  while [ -z "$address" ]; do
    address="$(sed -n 's/^murmur node listening on \([^ ]*\).*/\1/p' "$logs/$k.out")"
    if [ -z "$address" ]; then
      if ! kill -0 "${pids[$k]}" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
        echo "cluster.sh: node $((k + 1)) of $hostfile did not start within ${wait_limit} s (NODE_WAIT):" >&2
        cat "$logs/$k.err" >&2
        exit 1
      fi
      sleep 0.2
    fi
  done
  list="${list:+$list,}$address"
done
echo "cluster.sh: nodes $list" >&2

status=0
"$murmur" run "$config" --hosts "$list" "$@" || status=$?
exit "$status"
