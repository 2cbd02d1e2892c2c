#!/usr/bin/env bash
# Sets up and builds fusor (tools/setup.sh), then runs every test through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/setup.sh
# Compiled programs go to the build's own disk cache, not the user's (~/.cache/fusor); a
# later run starts warm, and a change to the compiler's sources changes every key.
export FUSOR_CACHE_DIR="$PWD/build/test-cache"
ctest --test-dir build --output-on-failure -j "${FUSOR_JOBS:-$(nproc)}"
