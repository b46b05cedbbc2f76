#!/usr/bin/env bash
# Experiment (b) of the GOCO/DRACO issue (setting in stragglers_async.toml:
# 32 agents, lognormal speeds with sigma 1, agents 0-2 10x slower, 300
# simulated seconds):
#   dpsgd      synchronous D-PSGD (every round waits for the slowest neighbour),
#   deadline   D-PSGD with a 0.2 s deadline: late agents skip their step but
#              still gossip (goco with scaling = none, d = 1),
#   draco      DRACO, receive buffer unlimited (psi = 0),
#   draco-psiN DRACO keeping at most N senders' models per mixing (N = 1, 2, 4).
# Seeds 1-3. Prints (and writes to OUTPUT_DIR/report.md) simulated time to
# 80% accuracy of the average model, final accuracy, messages sent and
# delivered (used for mixing) and local steps; plots accuracy against
# simulated time (seed 1 of dpsgd, deadline, draco) and DRACO's accuracy
# against messages delivered for each psi into OUTPUT_DIR/*.png.
#
#   bash experiments/stragglers_async.sh [OUTPUT_DIR]   (default /tmp/stragglers_async)
#
# 18 runs of 2-30 s each. A run whose folder exists is reused, so an
# interrupted script resumes. MURMUR=path/to/murmur overrides the binary.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mkdir -p "${1:-/tmp/stragglers_async}" && cd "${1:-/tmp/stragglers_async}" && pwd)"
murmur="${MURMUR:-$here/../build/murmur}"
config="$here/stragglers_async.toml"
[ -x "$murmur" ] || { echo "stragglers_async: no binary at $murmur; run experiments/setup.sh or set MURMUR" >&2; exit 2; }

draco="algorithm.name=draco algorithm.compute_rate=10 algorithm.comm_rate=10 algorithm.tau_max=1.0 algorithm.channel=erasure algorithm.erasure=0.1"
declare -A sets
sets[dpsgd]="algorithm.name=dpsgd"
sets[deadline]="algorithm.name=goco algorithm.scaling=none algorithm.straggler=deadline algorithm.deadline=0.2"
sets[draco]="$draco algorithm.psi=0"
sets[draco-psi1]="$draco algorithm.psi=1"
sets[draco-psi2]="$draco algorithm.psi=2"
sets[draco-psi4]="$draco algorithm.psi=4"
methods=(dpsgd deadline draco draco-psi1 draco-psi2 draco-psi4)

start=$SECONDS
folders=()
for method in "${methods[@]}"; do
  for seed in 1 2 3; do
    name="$method-s$seed"
    folders+=("$out/runs/$name")
    [ -f "$out/runs/$name/metrics.csv" ] && continue
    echo "== $name"
    # shellcheck disable=SC2086 # sets[] holds several key=value words
    "$murmur" run "$config" --set run.output="$out/runs" run.name="$name" \
      seed="$seed" ${sets[$method]} 2>/dev/null | tail -n 1
  done
done
"$murmur" report "${folders[@]}" --target 0.8 --also messages_sent \
  --also messages_delivered --also local_steps | tee "$out/report.md"
"$murmur" plot "$out/runs/dpsgd-s1" "$out/runs/deadline-s1" "$out/runs/draco-s1" \
  -o "$out/time.png" --x time --y test_accuracy \
  --title "32 agents, lognormal speeds, 3 agents 10x slower"
"$murmur" plot "$out/runs/draco-s1" "$out/runs/draco-psi1-s1" \
  "$out/runs/draco-psi2-s1" "$out/runs/draco-psi4-s1" \
  -o "$out/psi.png" --x messages_delivered --y test_accuracy \
  --title "DRACO: accuracy against messages used, by buffer cap psi"
echo "stragglers_async: done in $((SECONDS - start)) s; table in $out/report.md, plots in $out/*.png"
