// fusor's own f32 GEMM for x86 CPUs with AVX2 and FMA: packed panels, a 6x16 register tile
// (6x48 where the CPU has AVX-512), and the epilogue (bias, clamp) applied while each tile of
// C is still in registers.
#pragma once

#include "cpu/gemm/Im2colPack.h"
#include "fusor/runtime/abi/Calls.h"

#include <cstdint>

namespace fusor::runtime {

// What is applied to each element of C = A B (+ C) before it is stored: a bias indexed by
// the row or the column of C, then a residual laid out as C is (a skip connection), then a
// clamp to [lo, hi] (relu: [0, inf]; relu6: [0, 6]).
struct GemmEpilogueOp {
  abi::BiasKind biasKind = abi::kBiasNone;
  const float *bias = nullptr;
  const float *residual = nullptr;
  float lo = -__builtin_inff(), hi = __builtin_inff();
};

// The epilogue as the runtime's entry points take it (fusor_rt_epilogue, abi/Calls.h).
inline GemmEpilogueOp epilogueFrom(const fusor_rt_epilogue &e) {
  GemmEpilogueOp epilogue;
  epilogue.biasKind = static_cast<abi::BiasKind>(e.biasKind);
  epilogue.bias = e.biasKind != abi::kBiasNone ? reinterpret_cast<const float *>(e.bias) + e.biasOffset : nullptr;
  epilogue.residual = e.residual ? reinterpret_cast<const float *>(e.residual) + e.residualOffset : nullptr;
  epilogue.lo = static_cast<float>(e.lo);
  epilogue.hi = static_cast<float>(e.hi);
  return epilogue;
}

// One element of C through the epilogue: v (the product, plus C when accumulating), then the
// bias at (row, col), then *residual if not null, clamped (NaN stays NaN). The kernels apply
// it in this order; the OpenBLAS path calls it after each panel.
inline float applyEpilogue(float v, const GemmEpilogueOp &epilogue, int64_t row, int64_t col,
                           const float *residual) {
  if (epilogue.biasKind == abi::kBiasPerRow) v += epilogue.bias[row];
  if (epilogue.biasKind == abi::kBiasPerColumn) v += epilogue.bias[col];
  if (residual) v += *residual;
  v = v < epilogue.lo ? epilogue.lo : v;  // as std::max(v, lo): a NaN v is kept
  return epilogue.hi < v ? epilogue.hi : v;
}

// Whether this CPU runs the kernel (AVX2 and FMA).
bool hasGemmKernelF32();

// Whether the runtime's kernels use AVX-512F here: where the CPU has it, unless
// FUSOR_CPU_ISA=avx2 asks for the AVX2 ones.
bool useAvx512();

// The instruction set the kernel uses here: "AVX-512" where the CPU has AVX-512F (unless
// FUSOR_CPU_ISA=avx2), else "AVX2".
const char *gemmKernelIsa();

// C[i][j] (+)= sum_p A[i][p] B[p][j], then the epilogue. A and B with any strides; C row-major
// with row stride ldc. Single-threaded: callers split C across threads.
void gemmKernelF32(const float *a, int64_t rsA, int64_t csA, const float *b, int64_t rsB,
                   int64_t csB, float *c, int64_t ldc, int64_t m, int64_t n, int64_t k,
                   bool accumulate, const GemmEpilogueOp &epilogue);

// C[i][j] = sum_p A[i][p] B[p][col0 + j], then the epilogue, for B a convolution's im2col
// matrix (never written out: each block is gathered from the input as it is packed). A
// row-major with row stride rsA; C row-major with row stride ldc. Single-threaded.
void convGemmKernelF32(const float *a, int64_t rsA, const Im2colB &b, int64_t col0, float *c, int64_t ldc, int64_t m,
                       int64_t n, int64_t k, const GemmEpilogueOp &epilogue);

// One row or column of C, as dot products: y[t * sy] (+)= sum_p x[p * sx] * rows[t * ld + p]
// for t in [0, count), then the epilogue with bias[t * biasStep] (biasStep 0: one bias for
// all; ignored without a bias) and the residual laid out as y. For a vector times a
// transposed matrix (a classifier's Gemm), where the tiled kernel would waste 5 of 6 rows.
void gemvKernelF32(const float *x, int64_t sx, const float *rows, int64_t ld, int64_t count,
                   int64_t depth, float *y, int64_t sy, bool accumulate,
                   const GemmEpilogueOp &epilogue, int64_t biasStep);

}  // namespace fusor::runtime
