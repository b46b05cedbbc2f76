#!/usr/bin/env bash
# Experiment (e): experiments/plexus.sweep.toml (Plexus, Plexus without
# churn, FL, D-PSGD, dpsgd-periodic, Gossip Learning; each tuned on its own
# lr grid on seed 0, seeds 1-3 reported) with real traces read by path from
# the folder TRACES names: the 227-site latency matrix latencies-227.csv
# (agent i at site i mod 227) and FLASH device bandwidths
# flash-bandwidth-kbps.json. The sweep's report gives each method's time,
# bytes and compute seconds to 75% accuracy. Interrupted sweeps resume.
#
#   TRACES=DIR bash experiments/plexus.sh [AGENTS] [OUTPUT_DIR]   (default 1000, runs/plexus)
#
# MURMUR=path/to/murmur overrides the binary (default build/murmur).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
agents="${1:-1000}"
out="${2:-runs/plexus}"
murmur="${MURMUR:-$here/../build/murmur}"
traces="${TRACES:?plexus.sh: set TRACES to the folder holding latencies-227.csv and flash-bandwidth-kbps.json}"
[ -x "$murmur" ] || { echo "plexus.sh: no binary at $murmur; run experiments/setup.sh or set MURMUR" >&2; exit 2; }
for f in latencies-227.csv flash-bandwidth-kbps.json; do
  [ -f "$traces/$f" ] || { echo "plexus.sh: no $traces/$f; set TRACES to the folder holding it" >&2; exit 2; }
done
"$murmur" sweep "$here/plexus.sweep.toml" --output "$out/n$agents" \
  --set run.agents="$agents" \
  network.latency_trace="\"$traces/latencies-227.csv\"" network.capacity=trace \
  network.capacity_trace="\"$traces/flash-bandwidth-kbps.json\""
