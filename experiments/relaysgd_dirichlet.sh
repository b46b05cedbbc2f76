#!/usr/bin/env bash
# Experiment (a): experiments/relaysgd_dirichlet.sweep.toml (RelaySGD on a
# chain and on double binary trees, D-PSGD on a ring, All-Reduce; each tuned
# on its own lr grid on seed 0, seeds 1-3 reported) at Dirichlet alpha 1,
# 0.1 and 0.01; one sweep folder (report.md, plots) per alpha under
# OUTPUT_DIR. Interrupted sweeps resume.
#
#   bash experiments/relaysgd_dirichlet.sh [OUTPUT_DIR]   (default runs/relay)
#
# MURMUR=path/to/murmur overrides the binary (default build/murmur).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-runs/relay}"
murmur="${MURMUR:-$here/../build/murmur}"
[ -x "$murmur" ] || { echo "relaysgd_dirichlet: no binary at $murmur; run experiments/setup.sh or set MURMUR" >&2; exit 2; }
for alpha in 1 0.1 0.01; do
  "$murmur" sweep "$here/relaysgd_dirichlet.sweep.toml" \
    --output "$out/alpha$alpha" --set partition.alpha="$alpha"
done
