#!/usr/bin/env bash
# Sets up and builds fusor, then shows the main job as it stands: fusor-opt reading a model
# written in the fusor dialect, canonicalizing it and refining its shapes.
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/setup.sh >/dev/null
example=tools/examples/mlp.mlir
opt=build/bin/fusor-opt

echo "== input: $example"
grep -v '^//' "$example"
echo
echo "== fusor-opt --canonicalize: constants folded, x*1 and a transpose pair gone"
"$opt" "$example" --canonicalize
echo
echo "== fusor-opt --fusor-refine-shapes --canonicalize: '?' sizes made static from the arguments"
"$opt" "$example" --fusor-refine-shapes --canonicalize
