#!/usr/bin/env bash
# Experiment (b): experiments/detag.sweep.toml (DeTAG vs D-PSGD vs gradient
# tracking, each tuned on its own lr grid) for every shuffled fraction in
# {0, 0.5, 1} and ring size in {8, 16, 32, 64}; one sweep folder (report.md,
# plots) per setting under OUTPUT_DIR. Interrupted sweeps resume.
#
#   bash experiments/detag_unshuffled.sh [OUTPUT_DIR]   (default runs/detag)
#
# MURMUR=path/to/murmur overrides the binary (default build/murmur).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-runs/detag}"
murmur="${MURMUR:-$here/../build/murmur}"
[ -x "$murmur" ] || { echo "detag_unshuffled: no binary at $murmur; run experiments/setup.sh or set MURMUR" >&2; exit 2; }
# A sweep with a failed run (e.g. a diverged grid point) still writes its
# report; go on with the other settings and exit non-zero at the end.
status=0
for fraction in 0 0.5 1; do
  for agents in 8 16 32 64; do
    "$murmur" sweep "$here/detag.sweep.toml" --output "$out/f$fraction-n$agents" \
      --set partition.shuffled_fraction="$fraction" run.agents="$agents" || status=$?
  done
done
exit "$status"
