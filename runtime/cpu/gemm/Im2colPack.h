// A convolution's im2col matrix as the GEMM's B, gathered from the input block by block as
// the GEMM packs it: the matrix (Cg * KH * KW rows by OH * OW columns, 9x a 3x3 convolution's
// input) is never written out and read back, and the zero padding is never copied.
#pragma once

#include <cstdint>

namespace fusor::runtime {

// Row (c, kh, kw) of the window, column (oh, ow) of the output:
// x[c][oh * strideH + kh * dilationH - top][ow * strideW + kw * dilationW - left], or 0
// outside the input. The input's rows are contiguous (unit column stride).
struct Im2colB {
  const float *x;  // the group's first channel
  int64_t channelStride, rowStride, height, width;
  int64_t kernelH, kernelW, outWidth;
  int64_t strideH, strideW, dilationH, dilationW, top, left;

  float at(int64_t row, int64_t col) const {
    int64_t window = kernelH * kernelW, c = row / window, kh = row % window / kernelW, kw = row % kernelW;
    int64_t ih = col / outWidth * strideH + kh * dilationH - top, iw = col % outWidth * strideW + kw * dilationW - left;
    bool inside = ih >= 0 && ih < height && iw >= 0 && iw < width;
    return inside ? x[c * channelStride + ih * rowStride + iw] : 0.0f;
  }
};

// Rows [p0, p0 + depth) and columns [j0, j0 + cols) of the matrix, laid out as the GEMM's
// packed blocks are: ceil(cols / 16) panels, each depth rows of 16 floats, zero-padded past
// the last column. `out` is 64-byte aligned.
void packIm2colAvx512(const Im2colB &b, int64_t p0, int64_t depth, int64_t j0, int64_t cols, float *out);
void packIm2colAvx2(const Im2colB &b, int64_t p0, int64_t depth, int64_t j0, int64_t cols, float *out);

}  // namespace fusor::runtime
