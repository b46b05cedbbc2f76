#!/usr/bin/env bash
# Experiment (d): experiments/stragglers_async.sweep.toml (synchronous
# D-PSGD, deadline D-PSGD, DRACO with psi unlimited, 1, 2, 4; each tuned on
# its own lr grid) on iid data and on Dirichlet (alpha 0.1) data; one sweep
# folder (report.md, plots) per data setting under OUTPUT_DIR. Interrupted
# sweeps resume.
#
#   bash experiments/stragglers_async.sh [OUTPUT_DIR]   (default runs/draco)
#
# MURMUR=path/to/murmur overrides the binary (default build/murmur).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-runs/draco}"
murmur="${MURMUR:-$here/../build/murmur}"
[ -x "$murmur" ] || { echo "stragglers_async: no binary at $murmur; run experiments/setup.sh or set MURMUR" >&2; exit 2; }
"$murmur" sweep "$here/stragglers_async.sweep.toml" --output "$out/iid"
"$murmur" sweep "$here/stragglers_async.sweep.toml" --output "$out/dirichlet" \
  --set partition.kind=dirichlet partition.alpha=0.1
