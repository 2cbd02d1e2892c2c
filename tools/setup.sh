#!/usr/bin/env bash
# Installs what fusor needs (Debian 12 packages; apt only when something is missing),
# then configures and builds fusor in build/ (Release, Ninja, both cores). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools ninja-build cmake g++ python3
          libfmt-dev libzstd-dev googletest libgtest-dev libomp-22-dev libopenblas-dev
          libonnx-dev libprotobuf-dev protobuf-compiler liblld-22-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

jobs=${FUSOR_JOBS:-$(nproc)}
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir
fi
cmake --build build -j "$jobs"
