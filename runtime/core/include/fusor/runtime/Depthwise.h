// The CPU's direct depthwise convolution, which compiled f32 depthwise convolutions call: it
// pads as it reads (no padded copy of the input) and applies the epilogue as it stores.
#pragma once

#include <cstdint>

extern "C" {
// y[n][c][i][j] = sum_{p, q} w[c][p][q] * x[n][c][i * stepH + p * dilationH - padTop]
//                                            [j * stepW + q * dilationW - padLeft]
// with x read as 0 outside its height x width, then the epilogue as in fusor_rt_gemm_f32_fused
// with the output seen as a (batch * channels) x (outHeight * outWidth) matrix: a bias per row
// (biasKind 1) or none (0), a residual laid out as y (none if residual is 0), a clamp to
// [lo, hi]. x has any strides; w (channels x kernelH x kernelW) and y are dense. x and y may
// be the same memory, laid out alike (an in-place convolution).
void fusor_rt_depthwise_conv2d_f32(intptr_t x, int64_t offsetX, int64_t strideXN, int64_t strideXC,
                                   int64_t strideXH, int64_t strideXW, int64_t batch, int64_t channels,
                                   int64_t height, int64_t width, intptr_t w, int64_t offsetW,
                                   int64_t kernelH, int64_t kernelW, intptr_t y, int64_t offsetY,
                                   int64_t outHeight, int64_t outWidth, int64_t stepH, int64_t stepW,
                                   int64_t dilationH, int64_t dilationW, int64_t padTop, int64_t padLeft,
                                   int64_t biasKind, intptr_t bias, int64_t biasOffset, intptr_t residual,
                                   int64_t residualOffset, float lo, float hi);
}
