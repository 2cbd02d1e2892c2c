// The CPU's Winograd F(2x2, 3x3) input and output transforms, which compiled Winograd
// convolutions call around their 16 GEMMs (see passes/lowering/Winograd.cpp for the math).
#pragma once

#include <cstdint>

extern "C" {
// V[e1 * 4 + e2][c][(n * tilesH + ty) * tilesW + tx] = (B^T d B)[e1][e2] for the 4x4 tile d
// at rows 2ty.., columns 2tx.. of plane (n, c) of x, the zero-padded input (batch x channels
// x (2 tilesH + 2) x (2 tilesW + 2), any strides). V is dense.
void fusor_rt_winograd_input_f32(intptr_t x, int64_t offsetX, int64_t strideXN, int64_t strideXC,
                                 int64_t strideXH, int64_t strideXW, int64_t batch, int64_t channels,
                                 int64_t tilesH, int64_t tilesW, intptr_t v, int64_t offsetV);

// y[n][o][2ty + i][2tx + j] = (A^T M A)[i][j] for M[e1][e2] = m[e1 * 4 + e2][o][tile (n, ty, tx)],
// cropped to outHeight x outWidth, then the epilogue as in fusor_rt_gemm_f32_fused with y seen
// as a (batch * outChannels) x (outHeight * outWidth) matrix: a bias per row (biasKind 1) or
// none (0), a residual laid out as y (none if residual is 0), a clamp to [lo, hi]. m and y are
// dense.
void fusor_rt_winograd_output_f32(intptr_t m, int64_t offsetM, int64_t batch, int64_t outChannels,
                                  int64_t tilesH, int64_t tilesW, intptr_t y, int64_t offsetY,
                                  int64_t outHeight, int64_t outWidth, int64_t biasKind, intptr_t bias,
                                  int64_t biasOffset, intptr_t residual, int64_t residualOffset, float lo,
                                  float hi);

// The whole convolution, the transforms and the 16 GEMMs between them (products
// m[e][o][t] = sum_c u[e][o][c] v[e][c][t]) a block of tile rows at a time, so that a block's
// transformed tiles and products stay in cache: y from x as the two calls above would write
// it, with u dense and y dense. u is Winograd's transformed weights (16 x outChannels x
// channels), or with rawWeights set the weights as they are (outChannels x channels x 3 x 3),
// which the call transforms: once for weights registered as constant (see ConstantWeights.h).
void fusor_rt_winograd_conv3x3_f32(intptr_t x, int64_t offsetX, int64_t strideXN, int64_t strideXC,
                                   int64_t strideXH, int64_t strideXW, int64_t batch, int64_t channels,
                                   int64_t tilesH, int64_t tilesW, intptr_t u, int64_t offsetU, int64_t rawWeights,
                                   int64_t outChannels, intptr_t y, int64_t offsetY, int64_t outHeight,
                                   int64_t outWidth, int64_t biasKind, intptr_t bias, int64_t biasOffset,
                                   intptr_t residual, int64_t residualOffset, float lo, float hi);
}
