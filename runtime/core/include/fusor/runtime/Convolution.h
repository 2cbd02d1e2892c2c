// The CPU's convolution as an implicit GEMM, which compiled f32 convolutions other than
// Winograd's and depthwise ones call: the im2col matrix is gathered from the input as the
// GEMM packs it (never written out, the padding never copied), and the epilogue is applied
// as the output is stored. 3x3 windows over a few input channels (an image's stem) run
// straight from the input instead, with AVX-512.
#pragma once

#include <cstdint>

extern "C" {
// y[n][g * og + o][i][j] = sum_{c, p, q} w[g][o][(c * kernelH + p) * kernelW + q] *
//     x[n][g * cg + c][i * stepH + p * dilationH - padTop][j * stepW + q * dilationW - padLeft]
// for og = outChannels / groups and cg = channels / groups, with x read as 0 outside its
// height x width; then the epilogue as in fusor_rt_gemm_f32_fused with the output seen as a
// (batch * outChannels) x (outHeight * outWidth) matrix: a bias per row (biasKind 1) or none
// (0), a residual laid out as y (none if residual is 0), a clamp to [lo, hi]. x has any
// strides but a unit one along its width; w has strides strideWG and strideWO over groups and
// output channels and a unit one along the window; y is dense and shares no memory with x or w.
void fusor_rt_conv2d_f32(intptr_t x, int64_t offsetX, int64_t strideXN, int64_t strideXC, int64_t strideXH,
                         int64_t strideXW, int64_t batch, int64_t channels, int64_t height, int64_t width,
                         intptr_t w, int64_t offsetW, int64_t strideWG, int64_t strideWO, int64_t groups,
                         int64_t outChannels, int64_t kernelH, int64_t kernelW, intptr_t y, int64_t offsetY,
                         int64_t outHeight, int64_t outWidth, int64_t stepH, int64_t stepW, int64_t dilationH,
                         int64_t dilationW, int64_t padTop, int64_t padLeft, int64_t biasKind, intptr_t bias,
                         int64_t biasOffset, intptr_t residual, int64_t residualOffset, float lo, float hi);
}
