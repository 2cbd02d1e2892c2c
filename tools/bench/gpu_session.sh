#!/usr/bin/env bash
# Runs fusor's GPU checks on a GPU machine, from the .gpu/ that tools/bench/gpu_pack.sh made:
# the CUDA unit tests, the whole e2e suite with CUDA as the default device (the suite the
# emulator runs in CI), the ahead-of-time CUDA test, the GPU benchmark beside PyTorch, and the
# four ONNX models compiled with --target cuda. Logs go to $LOGS (default .gpu/logs); a short
# summary is printed last.
#
# usage (in the repository root on the GPU machine): bash tools/bench/gpu_session.sh [steps]
#   steps: any of unit e2e aot bench onnx sanitize (default: all but sanitize)
#   sanitize: the e2e suite under compute-sanitizer's memcheck, and the reductions and
#   composites (shared memory, shuffles, barriers) under racecheck and synccheck
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
logs=${LOGS:-$root/.gpu/logs}
steps=${*:-unit e2e aot bench onnx}
mkdir -p "$logs" /tmp/fusor-libs
tar xJf .gpu/libs.tar.xz -C /tmp/fusor-libs
tar xJf .gpu/bin.tar.xz -C .gpu
cuda_dirs=$(find /usr/local /opt /usr/lib -name 'libnvrtc.so.13*' -o -name 'libcublasLt.so.13*' 2>/dev/null |
  xargs -r -n1 dirname | sort -u | tr '\n' ':')
export LD_LIBRARY_PATH="/tmp/fusor-libs:$root/.gpu/lib:${cuda_dirs}${LD_LIBRARY_PATH:-}"
export FUSOR_CACHE_DIR=/tmp/fusor-cache
# fusor-aot-test runs the fusor-compile of the build it was made in, by absolute path.
aot_compile=$(strings .gpu/bin/fusor-aot-test | grep -m1 '/bin/fusor-compile$' || true)
if [ -n "$aot_compile" ] && [ ! -e "$aot_compile" ]; then
  mkdir -p "$(dirname "$aot_compile")" "$(dirname "$(dirname "$aot_compile")")/lib"
  ln -sf "$root/.gpu/bin/fusor-compile" "$aot_compile"
  ln -sf "$root/.gpu/lib/libfusor_runtime.so" "$(dirname "$(dirname "$aot_compile")")/lib/"
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$logs/gpu.txt"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH" >> "$logs/gpu.txt"
summary=()
run_step() {  # name, command...
  local name=$1; shift
  local start=$SECONDS
  "$@" > "$logs/$name.log" 2>&1
  local rc=$?
  summary+=("$name: exit $rc, $((SECONDS - start)) s")
  tail -n 25 "$logs/$name.log"
}
for step in $steps; do
  case $step in
    unit) run_step unit .gpu/bin/fusor-unit-cuda ;;
    e2e)  # shards in parallel: each test compiles its programs through MLIR and NVRTC
      shards=${shards:-8}
      e2e() {
        local pids=() rc=0
        for i in $(seq 0 $((shards - 1))); do
          FUSOR_TEST_DEVICE=cuda GTEST_TOTAL_SHARDS=$shards GTEST_SHARD_INDEX=$i \
            .gpu/bin/fusor-e2e > "$logs/e2e.$i.log" 2>&1 & pids+=($!)
        done
        for p in "${pids[@]}"; do wait "$p" || rc=1; done
        cat "$logs"/e2e.*.log > "$logs/e2e-shards.txt" && rm "$logs"/e2e.*.log
        grep -h -E '^\[  (FAILED|PASSED|SKIPPED) ' "$logs/e2e-shards.txt" | sort | uniq -c
        grep -h -B5 -A25 'Failure\|error:' "$logs/e2e-shards.txt" | head -200
        return $rc
      }
      run_step e2e e2e ;;
    sanitize)
      sanitize() {
        local pids=() rc=0 cs
        cs=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
        for i in $(seq 0 $((shards - 1))); do
          FUSOR_TEST_DEVICE=cuda GTEST_TOTAL_SHARDS=$shards GTEST_SHARD_INDEX=$i "$cs" --tool memcheck \
            --error-exitcode 1 .gpu/bin/fusor-e2e > "$logs/memcheck.$i.log" 2>&1 & pids+=($!)
        done
        for p in "${pids[@]}"; do wait "$p" || rc=1; done
        for tool in racecheck synccheck; do
          FUSOR_TEST_DEVICE=cuda "$cs" --tool $tool --error-exitcode 1 .gpu/bin/fusor-e2e \
            --gtest_filter='Reductions.*:Composites.*' > "$logs/$tool.log" 2>&1 || rc=1
        done
        cat "$logs"/memcheck.*.log > "$logs/memcheck.txt" && rm "$logs"/memcheck.*.log
        grep -h -E '^\[  (FAILED|PASSED) |ERROR SUMMARY' "$logs"/memcheck.txt "$logs"/racecheck.log "$logs"/synccheck.log
        return $rc
      }
      shards=${shards:-8}
      run_step sanitize sanitize ;;
    aot) run_step aot .gpu/bin/fusor-aot-test ;;
    bench) run_step bench python3 tools/bench/gpu_bench.py .gpu/gpu-bench ;;
    onnx) run_step onnx python3 tools/bench/gpu_onnx_models.py --compile .gpu/bin/fusor-compile \
            --work /tmp/fusor-onnx ;;
    *) echo "gpu_session: unknown step $step" >&2; exit 2 ;;
  esac
done
printf '%s\n' "${summary[@]}" | tee "$logs/summary.txt"
