#!/usr/bin/env bash
# Packs what a GPU machine needs to run fusor's GPU checks (tools/bench/gpu_session.sh) into
# .gpu/ (ignored by git through .git/info/exclude): the test and tool binaries, the shared
# libraries they need beyond glibc and libstdc++ (libMLIR, libLLVM and the rest, stripped and
# xz-packed), and the GPU benchmark's libraries from gpu_prepare.sh. The GPU machines have no
# LLVM/MLIR and take at most 64 MiB with a call, so two libraries that only keep LLVM's
# dynamic linking satisfied become empty stubs: libz3 (LLVM's optional SMT solver, bound
# lazily and never called) and libicudata (ICU's data, reached only through libxml2's
# encoding conversion, which fusor never asks for).
#
# usage: tools/bench/gpu_pack.sh [BUILD] [--keep-libs]     then carry .gpu to the GPU machine
#   --keep-libs: reuse .gpu/libs.tar.xz from the last run (xz takes minutes)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
keep_libs=${2:-}
mkdir -p .git/info; grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
if [ "$keep_libs" = --keep-libs ] && [ -f .gpu/libs.tar.xz ]; then mv .gpu/libs.tar.xz /tmp/fusor-libs.tar.xz.$$; fi
rm -rf .gpu && mkdir -p .gpu/bin .gpu/lib
bins="fusor-e2e fusor-run fusor-compile fusor-aot-test fusor-unit-cuda"
for b in $bins; do cp "$build/bin/$b" .gpu/bin/; done
cp "$build/lib/libfusor_runtime.so" .gpu/lib/
strip --strip-unneeded .gpu/bin/* .gpu/lib/*
if [ -f /tmp/fusor-libs.tar.xz.$$ ]; then
  mv /tmp/fusor-libs.tar.xz.$$ .gpu/libs.tar.xz
else
libs=$(mktemp -d)
for b in $bins; do ldd "$build/bin/$b" | awk '/=> \//{print $3}'; done | sort -u |
  grep -v -e '/libc\.so' -e '/libm\.so' -e '/libgcc_s\.so' -e '/libstdc++\.so' |
  while read -r lib; do cp -L "$lib" "$libs/"; done
strip --strip-unneeded "$libs"/*
stub() { echo "$2" > "$libs/stub.c"; gcc -shared -fPIC -Wl,-soname,"$1" -o "$libs/$1" "$libs/stub.c"; rm "$libs/stub.c"; }
stub libz3.so.4 ''
stub libicudata.so.72 'const char icudt72_dat[64] = {0};'
tar cf - -C "$libs" . | xz -T0 -9 > .gpu/libs.tar.xz
rm -rf "$libs"
fi
tar cf - -C .gpu bin lib | xz -T0 -9 > .gpu/bin.tar.xz
rm -rf .gpu/bin .gpu/lib
tools/bench/gpu_prepare.sh .gpu/gpu-bench > /dev/null
echo "gpu_pack: .gpu is $(du -sh .gpu | cut -f1)"
