// The C signatures of the runtime's entry points that compiled code calls (listed in
// Entries.def). Buffers are passed as an address and an element offset; sizes and strides in
// elements, as int64; epilogue kinds as Bits.h defines them. Any change here changes the
// function types the passes declare (fusor::abi::Entry), so an emitter that disagrees fails
// the verifier, and the JIT's table takes each address from these declarations.
//
// Calls with many operands take them as a problem descriptor: a struct of 8-byte fields
// (addresses, offsets, sizes and strides as int64; bounds as double), listed once in a
// FUSOR_RT_*_FIELDS macro below. The passes fill it field by field, by name
// (fusor::abi::Conv2dField::strideXN, ...), and pass its address.
#pragma once

#include <cstdint>
#include <type_traits>

#include "fusor/runtime/abi/Bits.h"

// F(type, name) for each field, in order.
#define FUSOR_RT_EPILOGUE_FIELDS(F) \
  F(int64_t, biasKind) F(intptr_t, bias) F(int64_t, biasOffset) F(intptr_t, residual) F(int64_t, residualOffset) \
  F(double, lo) F(double, hi)
#define FUSOR_RT_CONV2D_FIELDS(F)                                                                                 \
  F(intptr_t, x) F(int64_t, offsetX) F(int64_t, strideXN) F(int64_t, strideXC) F(int64_t, strideXH)              \
  F(int64_t, strideXW) F(int64_t, batch) F(int64_t, channels) F(int64_t, height) F(int64_t, width)               \
  F(intptr_t, w) F(int64_t, offsetW) F(int64_t, strideWG) F(int64_t, strideWO) F(int64_t, groups)                \
  F(int64_t, outChannels) F(int64_t, kernelH) F(int64_t, kernelW) F(intptr_t, y) F(int64_t, offsetY)             \
  F(int64_t, outHeight) F(int64_t, outWidth) F(int64_t, stepH) F(int64_t, stepW) F(int64_t, dilationH)           \
  F(int64_t, dilationW) F(int64_t, padTop) F(int64_t, padLeft)
#define FUSOR_RT_DEPTHWISE_FIELDS(F)                                                                              \
  F(intptr_t, x) F(int64_t, offsetX) F(int64_t, strideXN) F(int64_t, strideXC) F(int64_t, strideXH)              \
  F(int64_t, strideXW) F(int64_t, batch) F(int64_t, channels) F(int64_t, height) F(int64_t, width)               \
  F(intptr_t, w) F(int64_t, offsetW) F(int64_t, kernelH) F(int64_t, kernelW) F(intptr_t, y) F(int64_t, offsetY)  \
  F(int64_t, outHeight) F(int64_t, outWidth) F(int64_t, stepH) F(int64_t, stepW) F(int64_t, dilationH)           \
  F(int64_t, dilationW) F(int64_t, padTop) F(int64_t, padLeft)
#define FUSOR_RT_WINOGRAD_FIELDS(F)                                                                               \
  F(intptr_t, x) F(int64_t, offsetX) F(int64_t, strideXN) F(int64_t, strideXC) F(int64_t, strideXH)              \
  F(int64_t, strideXW) F(int64_t, batch) F(int64_t, channels) F(int64_t, tilesH) F(int64_t, tilesW)              \
  F(intptr_t, u) F(int64_t, offsetU) F(int64_t, rawWeights) F(int64_t, outChannels) F(intptr_t, y)               \
  F(int64_t, offsetY) F(int64_t, outHeight) F(int64_t, outWidth)

#define FUSOR_RT_FIELD(type, name) type name;
extern "C" {
// The epilogue the CPU kernels apply to each element as they store it: a bias (biasKind,
// Bits.h: per row, bias[biasOffset + i]; per column, bias[biasOffset + j]; or none), then a
// residual laid out as the output (residual + residualOffset; none if residual is 0), then a
// clamp to [lo, hi] (-inf and inf for none).
struct fusor_rt_epilogue {
  FUSOR_RT_EPILOGUE_FIELDS(FUSOR_RT_FIELD)
};
struct fusor_rt_conv2d_problem {
  FUSOR_RT_CONV2D_FIELDS(FUSOR_RT_FIELD)
};
struct fusor_rt_depthwise_problem {
  FUSOR_RT_DEPTHWISE_FIELDS(FUSOR_RT_FIELD)
};
struct fusor_rt_winograd_problem {
  FUSOR_RT_WINOGRAD_FIELDS(FUSOR_RT_FIELD)
};
}
#undef FUSOR_RT_FIELD

namespace fusor::abi {
// Each descriptor's fields by name, in order (kCount last), whether each is a double, and
// their names as text (the passes label each store with it); FieldTable<Field> finds the two
// tables from the enum.
template <typename Field>
struct FieldTable;
#define FUSOR_RT_FIELD_NAME(type, name) name,
#define FUSOR_RT_FIELD_IS_FLOAT(type, name) std::is_floating_point_v<type>,
#define FUSOR_RT_FIELD_STRING(type, name) #name,
#define FUSOR_RT_PROBLEM(Name, struct_, FIELDS)                                                   \
  enum class Name : int64_t { FIELDS(FUSOR_RT_FIELD_NAME) kCount };                              \
  inline constexpr bool k##Name##IsFloat[] = {FIELDS(FUSOR_RT_FIELD_IS_FLOAT)};                  \
  inline constexpr const char *k##Name##Names[] = {FIELDS(FUSOR_RT_FIELD_STRING)};               \
  template <>                                                                                    \
  struct FieldTable<Name> {                                                                      \
    static constexpr const bool *isFloat = k##Name##IsFloat;                                     \
    static constexpr const char *const *names = k##Name##Names;                                  \
  };                                                                                             \
  static_assert(sizeof(struct_) == 8 * static_cast<int64_t>(Name::kCount), "8-byte fields only");
FUSOR_RT_PROBLEM(EpilogueField, fusor_rt_epilogue, FUSOR_RT_EPILOGUE_FIELDS)
FUSOR_RT_PROBLEM(Conv2dField, fusor_rt_conv2d_problem, FUSOR_RT_CONV2D_FIELDS)
FUSOR_RT_PROBLEM(DepthwiseField, fusor_rt_depthwise_problem, FUSOR_RT_DEPTHWISE_FIELDS)
FUSOR_RT_PROBLEM(WinogradField, fusor_rt_winograd_problem, FUSOR_RT_WINOGRAD_FIELDS)
#undef FUSOR_RT_PROBLEM
#undef FUSOR_RT_FIELD_IS_FLOAT
#undef FUSOR_RT_FIELD_STRING
#undef FUSOR_RT_FIELD_NAME
}  // namespace fusor::abi

extern "C" {

// GEMM (runtime/cpu/gemm/Gemm.cpp).
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

// The CPU's fused GEMM: C = A B (+ C) as above, with the epilogue applied to each element
// (a bias per row i or column j of C, a residual laid out as C, a clamp) before C is stored.
void fusor_rt_gemm_f32_fused(intptr_t a, int64_t offsetA, int64_t rowStrideA, int64_t colStrideA,
                             intptr_t b, int64_t offsetB, int64_t rowStrideB, int64_t colStrideB,
                             intptr_t c, int64_t offsetC, int64_t rowStrideC, int64_t colStrideC,
                             int64_t m, int64_t n, int64_t k, int64_t accumulate,
                             const fusor_rt_epilogue *epilogue);

// Only in CUDA launch plans (cuBLASLt; no host definition): fusor_rt_gemm_f32's arguments, then
// the epilogue's GemmEpilogueBits (Bits.h) and the bias, one value per column of C, as a
// pointer and an element offset (0, 0 for none).
void fusor_rt_gemm_f32_epilogue(intptr_t a, int64_t offsetA, int64_t rowStrideA, int64_t colStrideA,
                                intptr_t b, int64_t offsetB, int64_t rowStrideB, int64_t colStrideB,
                                intptr_t c, int64_t offsetC, int64_t rowStrideC, int64_t colStrideC,
                                int64_t m, int64_t n, int64_t k, int64_t accumulate, int64_t bits,
                                intptr_t bias, int64_t biasOffset);

// Implicit-GEMM convolution (runtime/cpu/conv/Convolution.cpp): the im2col matrix is gathered from
// the input as the GEMM packs it (never written out, the padding never copied), and the
// epilogue is applied as the output is stored. 3x3 windows over a few input channels (an
// image's stem) run straight from the input instead, with AVX-512.
// y[n][g * og + o][i][j] = sum_{c, p, q} w[g][o][(c * kernelH + p) * kernelW + q] *
//     x[n][g * cg + c][i * stepH + p * dilationH - padTop][j * stepW + q * dilationW - padLeft]
// for og = outChannels / groups and cg = channels / groups, with x read as 0 outside its
// height x width; then the epilogue with the output seen as a (batch * outChannels) x
// (outHeight * outWidth) matrix (a bias per row or none). x has any strides but a unit one
// along its width; w has strides strideWG and strideWO over groups and output channels and a
// unit one along the window; y is dense and shares no memory with x or w.
void fusor_rt_conv2d_f32(const fusor_rt_conv2d_problem *problem, const fusor_rt_epilogue *epilogue);

// Direct depthwise convolution (runtime/cpu/depthwise/Depthwise.cpp): pads as it reads (no padded copy
// of the input) and applies the epilogue as it stores.
// y[n][c][i][j] = sum_{p, q} w[c][p][q] * x[n][c][i * stepH + p * dilationH - padTop]
//                                            [j * stepW + q * dilationW - padLeft]
// with x read as 0 outside its height x width, then the epilogue with the output seen as a
// (batch * channels) x (outHeight * outWidth) matrix (a bias per row or none). x has any
// strides; w (channels x kernelH x kernelW) and y are dense. x and y may be the same memory,
// laid out alike (an in-place convolution).
void fusor_rt_depthwise_conv2d_f32(const fusor_rt_depthwise_problem *problem, const fusor_rt_epilogue *epilogue);

// Winograd F(2x2, 3x3) (runtime/cpu/winograd/Winograd.cpp; passes/lowering/Winograd.cpp has the math).
// V[e1 * 4 + e2][c][(n * tilesH + ty) * tilesW + tx] = (B^T d B)[e1][e2] for the 4x4 tile d
// at rows 2ty.., columns 2tx.. of plane (n, c) of x, the zero-padded input (batch x channels
// x (2 tilesH + 2) x (2 tilesW + 2), any strides). V is dense.
void fusor_rt_winograd_input_f32(intptr_t x, int64_t offsetX, int64_t strideXN, int64_t strideXC,
                                 int64_t strideXH, int64_t strideXW, int64_t batch, int64_t channels,
                                 int64_t tilesH, int64_t tilesW, intptr_t v, int64_t offsetV);

// y[n][o][2ty + i][2tx + j] = (A^T M A)[i][j] for M[e1][e2] = m[e1 * 4 + e2][o][tile (n, ty, tx)],
// cropped to outHeight x outWidth, then the epilogue with y seen as a (batch * outChannels) x
// (outHeight * outWidth) matrix (a bias per row or none). m and y are dense.
void fusor_rt_winograd_output_f32(intptr_t m, int64_t offsetM, int64_t batch, int64_t outChannels,
                                  int64_t tilesH, int64_t tilesW, intptr_t y, int64_t offsetY,
                                  int64_t outHeight, int64_t outWidth, const fusor_rt_epilogue *epilogue);

// The whole convolution, the transforms and the 16 GEMMs between them (products
// m[e][o][t] = sum_c u[e][o][c] v[e][c][t]) a block of tile rows at a time, so that a block's
// transformed tiles and products stay in cache: y from x as the two calls above would write
// it, with u dense and y dense. u is Winograd's transformed weights (16 x outChannels x
// channels), or with rawWeights set the weights as they are (outChannels x channels x 3 x 3),
// which the call transforms: once for weights registered as constant (see ConstantWeights.h).
void fusor_rt_winograd_conv3x3_f32(const fusor_rt_winograd_problem *problem, const fusor_rt_epilogue *epilogue);
}
