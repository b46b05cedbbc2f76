#!/usr/bin/env bash
# Experiment (a): experiments/relaysgd_dirichlet.sweep.toml (RelaySGD on a
# chain and on double binary trees, D-PSGD on a ring, All-Reduce; each tuned
# on its own lr grid on seed 0, seeds 1-3 reported) at Dirichlet alpha 1,
# 0.1 and 0.01; one sweep folder (report.md, plots) per alpha under
# OUTPUT_DIR. Interrupted sweeps resume. MODEL=lenet5 runs the same with
# LeNet-5 (relaysgd_dirichlet_lenet5.sweep.toml) instead of softmax
# regression.
#
#   bash experiments/relaysgd_dirichlet.sh [OUTPUT_DIR]   (default runs/relay)
#   MODEL=lenet5 bash experiments/relaysgd_dirichlet.sh runs/relay-lenet5
#
# MURMUR=path/to/murmur overrides the binary (default build/murmur).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-runs/relay}"
murmur="${MURMUR:-$here/../build/murmur}"
[ -x "$murmur" ] || { echo "relaysgd_dirichlet: no binary at $murmur; run experiments/setup.sh or set MURMUR" >&2; exit 2; }
case "${MODEL:-softmax}" in
  softmax) sweep="$here/relaysgd_dirichlet.sweep.toml" ;;
  lenet5) sweep="$here/relaysgd_dirichlet_lenet5.sweep.toml" ;;
  *) echo "relaysgd_dirichlet: MODEL=$MODEL: use softmax or lenet5" >&2; exit 2 ;;
esac
# A sweep with a failed run (e.g. a diverged grid point) still writes its
# report; go on with the other alphas and exit non-zero at the end.
status=0
for alpha in 1 0.1 0.01; do
  "$murmur" sweep "$sweep" \
    --output "$out/alpha$alpha" --set partition.alpha="$alpha" || status=$?
done
exit "$status"
