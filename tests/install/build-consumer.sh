#!/usr/bin/env bash
# usage: build-consumer.sh FUSOR_BUILD_DIR CONSUMER_SOURCE_DIR SCRATCH_DIR
set -euo pipefail
build=$1 consumer=$2 scratch=$3
rm -rf "$scratch"
cmake --install "$build" --prefix "$scratch/prefix" > "$scratch.install.log"
cmake -S "$consumer" -B "$scratch/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$scratch/prefix"
cmake --build "$scratch/build"
"$scratch/build/consumer"
"$scratch/build/train" "$scratch"
# The installed tool runs from the prefix too.
"$scratch/prefix/bin/fusor-opt" --help > "$scratch/help.txt"
grep -q -- --fusor-refine-shapes "$scratch/help.txt"
echo "consumer built and ran against $scratch/prefix"
