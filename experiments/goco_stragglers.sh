#!/usr/bin/env bash
# Experiment (c): experiments/goco_stragglers.sweep.toml (D-PSGD that waits,
# D-PSGD whose stragglers skip, uncoded replication d = 2, GOCO d = 1, 2, 3;
# each tuned on its own lr grid) for straggler probability p in {0.1, 0.3,
# 0.5}, on Fashion-MNIST (softmax regression with L2, 120 simulated s) and on
# a synthetic least-squares set (200 features, noise 0.5, 16 target
# quantiles, 2 per agent; 30 s); one sweep folder per problem and p under
# OUTPUT_DIR. Interrupted sweeps resume.
#
#   bash experiments/goco_stragglers.sh [OUTPUT_DIR]   (default runs/goco)
#
# MURMUR=path/to/murmur overrides the binary (default build/murmur).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-runs/goco}"
murmur="${MURMUR:-$here/../build/murmur}"
[ -x "$murmur" ] || { echo "goco_stragglers: no binary at $murmur; run experiments/setup.sh or set MURMUR" >&2; exit 2; }
regression=(data.name=synthetic-regression model.kind=linear
  data.synthetic.train_size=16000 data.synthetic.test_size=4000
  data.synthetic.dim=200 data.synthetic.classes=16 data.synthetic.noise=0.5
  run.time_budget=30 run.eval_every=10)
for p in 0.1 0.3 0.5; do
  "$murmur" sweep "$here/goco_stragglers.sweep.toml" --output "$out/fmnist-p$p" \
    --set stragglers.outage_probability="$p" algorithm.p="$p"
  "$murmur" sweep "$here/goco_stragglers.sweep.toml" --output "$out/regression-p$p" \
    --set stragglers.outage_probability="$p" algorithm.p="$p" "${regression[@]}"
done
