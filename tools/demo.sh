#!/usr/bin/env bash
# Sets up and builds fusor, then runs the main job: an attention block and an MLP traced,
# compiled through MLIR and LLVM, cached, re-run, and recompiled for a new batch size; then a
# second process that finds the compiled code in the disk cache.
# Then fusor-opt shows the same compiler on a model written in the fusor dialect, and an MLP
# trains (tools/examples/spiral.cpp).
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/setup.sh >/dev/null

# A private cache folder, so the first process starts cold whatever ran before.
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
echo "== build/bin/fusor-demo   (FUSOR_CACHE_DIR empty: compiles, and stores the code on disk)"
FUSOR_CACHE_DIR="$cache" build/bin/fusor-demo
echo
echo "== build/bin/fusor-demo again: a second process loads the compiled code from the disk cache"
FUSOR_CACHE_DIR="$cache" build/bin/fusor-demo
echo
example=tools/examples/mlp.mlir
echo "== build/bin/fusor-opt $example --fusor-refine-shapes --canonicalize"
echo "   (the input has '?' sizes and redundancies: see the file)"
build/bin/fusor-opt "$example" --fusor-refine-shapes --canonicalize
echo
echo "== build/bin/fusor-example-spiral   (a short training run: one fusor::jit program per step)"
build/bin/fusor-example-spiral
