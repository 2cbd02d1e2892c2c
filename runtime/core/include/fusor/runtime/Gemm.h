// The GEMM that compiled matmuls call: C = A B (+ C), any strides, f32 or f64.
#pragma once

#include <cstdint>

extern "C" {
// C[m][n] (+)= sum_k A[m][k] * B[k][n]; element (i, j) of X is at
// X + offsetX + i * rowStrideX + j * colStrideX. `accumulate` != 0 adds to C.
void fusor_rt_gemm_f32(intptr_t a, int64_t offsetA, int64_t rowStrideA, int64_t colStrideA,
                       intptr_t b, int64_t offsetB, int64_t rowStrideB, int64_t colStrideB,
                       intptr_t c, int64_t offsetC, int64_t rowStrideC, int64_t colStrideC,
                       int64_t m, int64_t n, int64_t k, int64_t accumulate);
void fusor_rt_gemm_f64(intptr_t a, int64_t offsetA, int64_t rowStrideA, int64_t colStrideA,
                       intptr_t b, int64_t offsetB, int64_t rowStrideB, int64_t colStrideB,
                       intptr_t c, int64_t offsetC, int64_t rowStrideC, int64_t colStrideC,
                       int64_t m, int64_t n, int64_t k, int64_t accumulate);

// `count` GEMMs as above, the i-th with A, B and C at offsetX + i * batchStrideX (a stride of
// 0 broadcasts an operand): one call for a batched matmul's innermost batch loop.
void fusor_rt_gemm_f32_batched(intptr_t a, int64_t offsetA, int64_t rowStrideA, int64_t colStrideA,
                               intptr_t b, int64_t offsetB, int64_t rowStrideB, int64_t colStrideB,
                               intptr_t c, int64_t offsetC, int64_t rowStrideC, int64_t colStrideC,
                               int64_t m, int64_t n, int64_t k, int64_t accumulate, int64_t count,
                               int64_t batchStrideA, int64_t batchStrideB, int64_t batchStrideC);
void fusor_rt_gemm_f64_batched(intptr_t a, int64_t offsetA, int64_t rowStrideA, int64_t colStrideA,
                               intptr_t b, int64_t offsetB, int64_t rowStrideB, int64_t colStrideB,
                               intptr_t c, int64_t offsetC, int64_t rowStrideC, int64_t colStrideC,
                               int64_t m, int64_t n, int64_t k, int64_t accumulate, int64_t count,
                               int64_t batchStrideA, int64_t batchStrideB, int64_t batchStrideC);

// The CPU's fused GEMM: C = A B (+ C) as above, then each element gets a bias (biasKind 1: per
// row, bias[biasOffset + i]; 2: per column, bias[biasOffset + j]; 0: none), then a residual
// laid out as C is (residual + residualOffset, or none if residual is 0), and is clamped to
// [lo, hi], before C is stored.
void fusor_rt_gemm_f32_fused(intptr_t a, int64_t offsetA, int64_t rowStrideA, int64_t colStrideA,
                             intptr_t b, int64_t offsetB, int64_t rowStrideB, int64_t colStrideB,
                             intptr_t c, int64_t offsetC, int64_t rowStrideC, int64_t colStrideC,
                             int64_t m, int64_t n, int64_t k, int64_t accumulate, int64_t biasKind,
                             intptr_t bias, int64_t biasOffset, intptr_t residual,
                             int64_t residualOffset, float lo, float hi);
}

namespace fusor::runtime {
// What the CUDA GEMM applies to each result element (cuBLASLt epilogues), as bits: a bias per
// column of C (indexed by n), then at most one activation.
enum GemmEpilogue : int64_t { kEpilogueBias = 1, kEpilogueRelu = 2, kEpilogueGeluTanh = 4 };

// Which implementation runs (fusor's kernel for f32 on AVX2 CPUs, "OpenBLAS (core type X)" or
// "built-in"), for reports.
const char *gemmBackend();
}
