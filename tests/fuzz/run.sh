#!/usr/bin/env bash
# Runs one fuzz target for SECONDS from a copy of its committed corpus (what
# it discovers goes to the copy, never into the source tree). A crash, a
# sanitizer report, a leak, an input slower than 10 s, an allocation over
# 64 MB or 1 GB resident fails the run; the input is kept in ARTIFACTS.
#   usage: run.sh TARGET CORPUS SECONDS ARTIFACTS
set -euo pipefail
target=$1 corpus=$2 seconds=$3 artifacts=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$corpus" "$work/corpus"
mkdir -p "$artifacts"
UBSAN_OPTIONS=print_stacktrace=1 "$target" "$work/corpus" \
  -max_total_time="$seconds" -timeout=10 -malloc_limit_mb=64 \
  -rss_limit_mb=1024 -print_final_stats=1 \
  -artifact_prefix="$artifacts/$(basename "$target")-"
