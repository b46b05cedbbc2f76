#!/usr/bin/env bash
# Experiment (a) of the GOCO/DRACO issue (config and straggler model in
# goco_stragglers.toml): for straggler probability p in {0.1, 0.3, 0.5},
#   dpsgd   D-PSGD that waits for everyone,
#   skip    D-PSGD whose stragglers skip (goco, scaling = none, d = 1),
#   goco-dD GOCO with SGC scaling 1/(1-p), data replicated to d = 1, 2, 3,
# on two strongly convex problems:
#   fmnist      softmax regression with L2 on Fashion-MNIST, 120 simulated s,
#   regression  least squares on a synthetic linear set (200 features, noise
#               0.5, label = one of 16 target quantiles, 2 per agent), 30 s.
# Seeds 1-3. Prints (and writes to OUTPUT_DIR/report.md) one table per problem
# and p: final test loss and accuracy (R^2 for regression) at the end of the
# common simulated-time budget, local steps and bytes sent; and plots test
# loss against simulated time and against bytes sent (seed 1) per problem
# and p into OUTPUT_DIR/*.png.
#
#   bash experiments/goco_stragglers.sh [OUTPUT_DIR]   (default /tmp/goco_stragglers)
#
# 90 runs of 0.2-5 s each. A run whose folder exists is reused, so an
# interrupted script resumes. MURMUR=path/to/murmur overrides the binary.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mkdir -p "${1:-/tmp/goco_stragglers}" && cd "${1:-/tmp/goco_stragglers}" && pwd)"
murmur="${MURMUR:-$here/../build/murmur}"
config="$here/goco_stragglers.toml"
[ -x "$murmur" ] || { echo "goco_stragglers: no binary at $murmur; run experiments/setup.sh or set MURMUR" >&2; exit 2; }

problems=(fmnist regression)
declare -A data
data[fmnist]=""
data[regression]="data.name=synthetic-regression model.kind=linear data.synthetic.train_size=16000 data.synthetic.test_size=4000 data.synthetic.dim=200 data.synthetic.classes=16 data.synthetic.noise=0.5 optimizer.lr=0.01 run.time_budget=30 run.eval_every=10"
methods=(dpsgd skip goco-d1 goco-d2 goco-d3)

# sets METHOD P: the method's keys; every agent misses the 0.15 s deadline
# exactly when its step stalls (probability p), so p is known.
sets() {
  local goco="algorithm.name=goco algorithm.straggler=deadline algorithm.deadline=0.15 algorithm.p=$2"
  case $1 in
    dpsgd) echo "algorithm.name=dpsgd" ;;
    skip) echo "$goco algorithm.scaling=none" ;;
    goco-d*) echo "$goco partition.replication=${1#goco-d}" ;;
  esac
}

start=$SECONDS
: > "$out/report.md"
for problem in "${problems[@]}"; do
  for p in 0.1 0.3 0.5; do
    folders=()
    for method in "${methods[@]}"; do
      for seed in 1 2 3; do
        name="$problem-p$p-$method-s$seed"
        folders+=("$out/runs/$name")
        [ -f "$out/runs/$name/metrics.csv" ] && continue
        echo "== $name"
        # shellcheck disable=SC2046,SC2086 # word lists on purpose
        "$murmur" run "$config" --set run.output="$out/runs" run.name="$name" \
          seed="$seed" stragglers.outage_probability="$p" ${data[$problem]} \
          $(sets "$method" "$p") 2>/dev/null | tail -n 1
      done
    done
    {
      echo
      echo "### $problem, p = $p"
      echo
      "$murmur" report "${folders[@]}" --also test_loss --also local_steps \
        --also bytes_sent
    } | tee -a "$out/report.md"
    seed1=()
    for method in "${methods[@]}"; do seed1+=("$out/runs/$problem-p$p-$method-s1"); done
    "$murmur" plot "${seed1[@]}" -o "$out/$problem-p$p-time.png" --x time \
      --y test_loss --title "$problem, p = $p: test loss vs simulated time"
    "$murmur" plot "${seed1[@]}" -o "$out/$problem-p$p-bytes.png" \
      --x bytes_sent --y test_loss \
      --title "$problem, p = $p: test loss vs bytes sent"
  done
done
echo "goco_stragglers: done in $((SECONDS - start)) s; tables in $out/report.md, plots in $out/*.png"
