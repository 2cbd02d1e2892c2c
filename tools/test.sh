#!/usr/bin/env bash
# Sets up and builds fusor (tools/setup.sh), then runs every test through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
./tools/setup.sh
ctest --test-dir build --output-on-failure -j "${FUSOR_JOBS:-$(nproc)}"
