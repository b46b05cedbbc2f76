#!/usr/bin/env bash
# LeNet-5 three ways, per agent-round of D-PSGD on a ring of 64 agents, batch
# 32, 2 threads (issue's setting): murmur's native layers, the same network
# through murmur's TorchScript path (experiments/models/lenet5.pt; needs a
# build with MURMUR_TORCH, i.e. experiments/setup.sh --torch), and a plain
# PyTorch per-agent loop over the same file (experiments/models/
# pytorch_loop.py; Debian's python3-torch). Also prints the native step's
# GFLOP/s against Eigen's GEMM on one thread.
#
#   bash experiments/bench_lenet5.sh [ROUNDS]   (default 20)
#
# MURMUR=path/to/murmur overrides the binary (default build/murmur).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rounds="${1:-20}"
murmur="${MURMUR:-$here/../build/murmur}"
[ -x "$murmur" ] || { echo "bench_lenet5: no binary at $murmur; run experiments/setup.sh or set MURMUR" >&2; exit 2; }
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "bench_lenet5: ROUNDS=$rounds: give a positive whole number" >&2; exit 2; }
bench=(bench dpsgd --agents 64 --threads 2 --rounds "$rounds" --repeat 3)
best() { awk '/murmur \(actors\)/ { print $3 }'; }

echo "== native LeNet-5: one step on one thread"
"$murmur" bench step --set model.kind=lenet5 --repeat 5
echo "== native LeNet-5: D-PSGD"
native="$("$murmur" "${bench[@]}" --set model.kind=lenet5)"
echo "$native"
echo "== TorchScript path (experiments/models/lenet5.pt): D-PSGD"
if torch="$("$murmur" "${bench[@]}" --set model.kind=torchscript \
  model.path="$here/models/lenet5.pt" 2>&1)"; then
  echo "$torch"
  torch_us="$(best <<<"$torch")"
else
  echo "$torch" | tail -1
  torch_us="not built (experiments/setup.sh --torch)"
fi
echo "== plain PyTorch loop over the same file"
if /usr/bin/python3 -c "import torch" 2>/dev/null; then
  loop="$(/usr/bin/python3 "$here/models/pytorch_loop.py" "$here/models/lenet5.pt" \
    --agents 64 --batch 32 --threads 2 --rounds "$rounds" --repeat 3)"
  echo "$loop"
  loop_us="$(sed -n 's/.*best of [0-9]*: \([0-9.]*\) us.*/\1/p' <<<"$loop")"
else
  loop_us="no python3-torch (experiments/setup.sh --torch)"
fi
echo "== us per agent-round, best of 3: native $(best <<<"$native"), TorchScript path $torch_us, PyTorch loop $loop_us"
