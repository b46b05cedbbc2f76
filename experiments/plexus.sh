#!/usr/bin/env bash
# Plexus against its baselines on Fashion-MNIST (non-IID shards, softmax),
# with real traces read by path from the folder TRACES names: the 227-site
# latency matrix latencies-227.csv (agent i at site i mod 227) and FLASH
# device bandwidths flash-bandwidth-kbps.json; lognormal
# compute speeds; exponential on/off churn (diurnal) for the protocols that
# model it. experiments/plexus.toml holds the common settings.
#
#   TRACES=DIR bash experiments/plexus.sh [AGENTS] [OUTPUT_DIR]   (default 1000, /tmp/plexus)
#
# Methods: plexus (s = 10, sf = 0.8), plexus without churn, FL (Plexus with
# one fixed, central, always-online aggregator), D-PSGD on a random
# 10-regular graph without churn (synchronous rounds do not model it),
# D-PSGD with fixed 5 s rounds of 5 steps on the same graph under churn
# (dpsgd-periodic, the Plexus code's D-PSGD baseline), and Gossip Learning
# (5 s rounds of 5 steps, one random peer of all). Prints, for the
# target accuracy 75%, each method's simulated time, bytes and compute
# seconds ("training resources") when the average model first reaches it,
# and the ratios method / Plexus (means over SEEDS, default "1 2 3", of the
# seeds that reached it), also into OUTPUT_DIR/report.md. A run whose folder
# exists is reused. MURMUR=path overrides the binary (build/murmur);
# TRACES (required) is the folder holding the two trace files.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
agents="${1:-1000}"
out="$(mkdir -p "${2:-/tmp/plexus}" && cd "${2:-/tmp/plexus}" && pwd)"
murmur="${MURMUR:-$here/../build/murmur}"
traces="${TRACES:?plexus.sh: set TRACES to the folder holding latencies-227.csv and flash-bandwidth-kbps.json}"
target=0.75
seeds="${SEEDS:-1 2 3}"
[ -x "$murmur" ] || { echo "plexus.sh: no binary at $murmur; run experiments/setup.sh or set MURMUR" >&2; exit 2; }
for f in latencies-227.csv flash-bandwidth-kbps.json; do
  [ -f "$traces/$f" ] || { echo "plexus.sh: no $traces/$f; set TRACES to the folder holding it" >&2; exit 2; }
done

methods=(plexus plexus-nochurn fl dpsgd dpsgd-periodic gossip)
plexus="algorithm.name=plexus algorithm.sample_size=10 algorithm.success_fraction=0.8 algorithm.local_steps=5"
declare -A sets
sets[plexus]="$plexus"
sets[plexus-nochurn]="$plexus churn.kind=none"
sets[fl]="$plexus algorithm.fixed_aggregator=true"
sets[dpsgd]="algorithm.name=dpsgd churn.kind=none run.eval_every=5"
sets[dpsgd-periodic]="algorithm.name=dpsgd-periodic algorithm.period=5 algorithm.local_steps=5"
sets[gossip]="algorithm.name=gossip-learning algorithm.period=5 algorithm.local_steps=5 topology.kind=complete"

# first_at RUN: "seconds bytes compute" of the first row reaching the target.
first_at() {
  awk -F, -v t="$target" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $c["test_accuracy"] >= t { print $c["time_seconds"], $c["bytes_sent"], $c["compute_seconds"]; found = 1; exit }
    END { if (!found) print "- - -" }' "$1/metrics.csv"
}

start=$SECONDS
for seed in $seeds; do
  for m in "${methods[@]}"; do
    name="$m-n$agents-s$seed"
    [ -f "$out/runs/$name/metrics.csv" ] && continue
    echo "== $name"
    t0=$SECONDS
    # shellcheck disable=SC2086 # sets[] holds several key=value words
    "$murmur" run "$here/plexus.toml" --set run.output="$out/runs" run.name="$name" \
      seed="$seed" run.agents="$agents" \
      network.latency_trace="\"$traces/latencies-227.csv\"" network.capacity=trace \
      network.capacity_trace="\"$traces/flash-bandwidth-kbps.json\"" ${sets[$m]} \
      2>/dev/null | tail -n 1
    echo "   $((SECONDS - t0)) s wall"
  done
done

# One line per method and seed: method acc seconds bytes compute.
rows() {
  for m in "${methods[@]}"; do
    for seed in $seeds; do
      run="$out/runs/$m-n$agents-s$seed"
      acc=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "test_accuracy") a = i; next } { v = $a } END { print v }' "$run/metrics.csv")
      echo "$m $acc $(first_at "$run")"
    done
  done
}

{
  echo "## $agents agents, seeds $seeds: first time the average model reaches $target test accuracy"
  echo
  echo "| method | final acc. (%) | reached | time to target (s) | bytes to target | compute to target (s) | time / Plexus | bytes / Plexus | compute / Plexus |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  rows | awk '
    { n[$1]++; acc[$1] += $2
      if ($3 != "-") { hit[$1]++; t[$1] += $3; b[$1] += $4; c[$1] += $5 } }
    !($1 in seen) { seen[$1] = 1; order[++k] = $1 }
    END {
      # Means over the seeds that reached the target.
      for (i = 1; i <= k; i++) { m = order[i]
        if (hit[m]) { t[m] /= hit[m]; b[m] /= hit[m]; c[m] /= hit[m] } }
      p = "plexus"
      for (i = 1; i <= k; i++) { m = order[i]
        printf "| %s | %.2f | %d/%d |", m, 100 * acc[m] / n[m], hit[m], n[m]
        if (!hit[m] || !hit[p]) { print " | | | | | |"; continue }
        printf " %.0f | %.3g | %.0f | %.2f | %.1f | %.1f |\n", t[m], b[m], c[m],
          t[m] / t[p], b[m] / b[p], c[m] / c[p] } }'
} | tee "$out/report.md"
echo "plexus.sh: $((SECONDS - start)) s; runs and report.md in $out"
