#!/usr/bin/env bash
# Builds the GPU benchmark's libraries here (no GPU needed): the workloads as fusor-dialect
# files, each compiled with fusor-compile --target cuda into OUTDIR/lib*.so next to
# libfusor_runtime.so. Carry OUTDIR and tools/bench/gpu_bench.py to a GPU machine, which needs
# no MLIR or LLVM, and run: python3 gpu_bench.py OUTDIR
#
# usage: tools/bench/gpu_prepare.sh [OUTDIR] [--small] [--cuda-arch 90]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build/gpu-bench}
shift || true
small=""; arch=90
while (($#)); do
  case "$1" in
    --small) small="--small" ;;
    --cuda-arch) arch="$2"; shift ;;
    *) echo "gpu_prepare: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
build/bin/fusor-gpu-workloads "$out/mlir" $small
for w in chain mse softmax layernorm mlp attention; do
  build/bin/fusor-compile "$out/mlir/$w.mlir" -o "$out" --target cuda --cuda-arch "$arch" --name "$w"
done
[ -n "$small" ] && echo small > "$out/SIZES" || echo full > "$out/SIZES"
echo "gpu_prepare: $out is ready ($(du -sh "$out" | cut -f1)); on the GPU machine: python3 gpu_bench.py $out"
