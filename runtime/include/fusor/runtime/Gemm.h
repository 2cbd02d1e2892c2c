// The GEMM behind compiled matmuls (its entry points are in fusor/runtime/abi/Calls.h).
#pragma once

namespace fusor::runtime {
// Which implementation runs (fusor's kernel for f32 on AVX2 CPUs, "OpenBLAS (core type X)" or
// "built-in"), for reports.
const char *gemmBackend();
}
