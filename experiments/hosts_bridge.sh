#!/usr/bin/env bash
# Direct node links against the launcher as a hub, on shaped links: a
# launcher and NODES `murmur node`s (TLS), each in a network namespace on a
# bridge, every host's link shaped to RATE each way with tc tbf; D-PSGD on
# a ring of 12 agents placed round-robin (every edge between nodes), an MLP
# with HIDDEN units (25 x HIDDEN + 4 parameters), evaluated at round 0 and
# at the end. Runs hosts.routing = direct, then launcher, and prints the
# seconds per round of each (the agents' computing and waiting seconds over
# the rounds, agents.csv), when round 0's evaluation came, and the set-up
# and byte counts the launcher logged. Needs root, openssl and iproute2;
# removes its namespaces on exit.
#
#   bash experiments/hosts_bridge.sh [RATE] [NODES] [HIDDEN] [ROUNDS] [OUTPUT_DIR]
#   (defaults: 50mbit 3 31800 6 runs/hosts-bridge)
#
# MURMUR=path/to/murmur overrides the binary (default build/murmur).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rate="${1:-50mbit}"
nodes="${2:-3}"
hidden="${3:-31800}"
rounds="${4:-6}"
out="$(mkdir -p "${5:-runs/hosts-bridge}" && cd "${5:-runs/hosts-bridge}" && pwd)"
murmur="${MURMUR:-$here/../build/murmur}"
fail() {
  echo "hosts_bridge.sh: $*" >&2
  exit 2
}
[ -x "$murmur" ] || fail "no binary at $murmur; run experiments/setup.sh or set MURMUR"
[ "$(id -u)" = 0 ] || fail "needs root (network namespaces and tc)"
[[ "$nodes" =~ ^[1-9][0-9]?$ ]] || fail "NODES '$nodes' must be 1-99"
command -v openssl >/dev/null || fail "needs the openssl CLI for certificates"

tag="mb$$"
net="10.234.$(($$ % 250))"
cleanup() {
  for ((i = 0; i <= nodes; i++)); do ip netns del "$tag-h$i" 2>/dev/null || true; done
  ip netns del "$tag-sw" 2>/dev/null || true
}
trap cleanup EXIT
ns() { ip netns exec "$@"; }

pki="$out/pki"
mkdir -p "$pki"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
openssl req -x509 "${ec[@]}" -keyout "$pki/ca.key" -out "$pki/ca.pem" -days 1 -subj /CN=ca 2>/dev/null
for ((i = 0; i <= nodes; i++)); do
  openssl req "${ec[@]}" -keyout "$pki/h$i.key" -out "$pki/h$i.csr" -subj "/CN=h$i" 2>/dev/null
  openssl x509 -req -in "$pki/h$i.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
    -CAcreateserial -out "$pki/h$i.pem" -days 1 2>/dev/null
done

ip netns add "$tag-sw"
ns "$tag-sw" ip link add br0 type bridge
ns "$tag-sw" ip link set br0 up
shape=(root tbf rate "$rate" burst 32kb latency 2s)
for ((i = 0; i <= nodes; i++)); do
  h="$tag-h$i"
  ip netns add "$h"
  ip link add eth0 netns "$h" type veth peer name "s$i" netns "$tag-sw"
  ns "$tag-sw" ip link set "s$i" master br0 up
  ns "$h" ip addr add "$net.$((i + 1))/24" dev eth0
  ns "$h" ip link set eth0 up
  ns "$h" ip link set lo up
  ns "$h" tc qdisc add dev eth0 "${shape[@]}"
  ns "$tag-sw" tc qdisc add dev "s$i" "${shape[@]}"
done

for routing in direct launcher; do
  rm -rf "${out:?}/$routing"
  list=""
  pids=()
  for ((i = 1; i <= nodes; i++)); do
    ns "$tag-h$i" "$murmur" node --listen "$net.$((i + 1)):7000" --threads 1 \
      --certificate "$pki/h$i.pem" --key "$pki/h$i.key" --cafile "$pki/ca.pem" \
      >"$out/node$i-$routing.log" 2>&1 &
    pids+=($!)
    list="${list:+$list,}$net.$((i + 1)):7000"
  done
  for ((i = 1; i <= nodes; i++)); do
    for _ in $(seq 100); do
      grep -q "listening on" "$out/node$i-$routing.log" && break
      sleep 0.1
    done
  done
  ns "$tag-h0" "$murmur" run /dev/null --hosts "$list" --set data.name=synthetic \
    model.kind=mlp "model.hidden=[$hidden]" run.agents=12 "run.rounds=$rounds" \
    "run.eval_every=$rounds" run.threads=1 topology.kind=ring algorithm.name=dpsgd \
    hosts.placement=round-robin "hosts.routing=$routing" eval.test_samples=200 \
    "hosts.certificate=\"$pki/h0.pem\"" "hosts.key=\"$pki/h0.key\"" \
    "hosts.cafile=\"$pki/ca.pem\"" "run.output=\"$out\"" "run.name=$routing" \
    >"$out/$routing.log" 2>&1 || fail "the $routing run failed: see $out/$routing.log"
  # Fresh nodes for the next run: a node keeps the direct connections it
  # made, and CAF would go on using them. `ip netns exec` may run the node
  # as its child, so every process in the namespaces goes.
  for ((i = 1; i <= nodes; i++)); do
    ip netns pids "$tag-h$i" | xargs -r kill 2>/dev/null || true
  done
  for _ in $(seq 100); do
    left=0
    for ((i = 1; i <= nodes; i++)); do
      [ -z "$(ip netns pids "$tag-h$i")" ] || left=1
    done
    [ "$left" = 1 ] || break
    sleep 0.1
  done
  wait "${pids[@]}" 2>/dev/null || true
  echo "== hosts.routing = $routing"
  grep -E "^murmur: (set-up|TCP bytes)" "$out/$routing.log" || true
  awk -F, 'NR == 2 { printf "round 0 evaluated at %.2f s; ", $2 }' \
    "$out/$routing/metrics.csv"
  # Per round as the agents lived it (computing + waiting, agents.csv): the
  # rows' times also count each evaluation's own delay.
  awk -F, -v rounds="$rounds" 'NR > 1 { t += $3 + $4; n++ }
    END { printf "%.3f s per round\n", t / n / rounds }' \
    "$out/$routing/agents.csv"
done
