// A 3x3 convolution over few input channels read straight from the input (ConvolutionDirect.cpp),
// which fusor_rt_conv2d_f32 runs where it suits the shape.
#pragma once

#include <cstdint>

namespace fusor::runtime {

// fusor_rt_conv2d_f32's operands (see fusor/runtime/abi/Calls.h), offsets applied.
struct ConvolutionProblem {
  const float *x;
  int64_t strideXN, strideXC, strideXH, batch, channels, height, width;
  const float *w;
  int64_t strideWG, strideWO, groups, outChannels, kernelH, kernelW;
  float *y;
  int64_t outHeight, outWidth, stepH, stepW, dilationH, dilationW, padTop, padLeft;
  const float *bias;      // one per (image, output channel), or null
  const float *residual;  // laid out as y, or null
  float lo, hi;
};

// Runs the convolution and returns true, or returns false (having done nothing) where this
// kernel does not apply: without AVX-512, other than a 3x3 window with unit dilations and
// equal strides of 1 or 2, with more than a few input channels per group (there the implicit
// GEMM's depth makes it as fast), or with output rows narrower than 14 columns.
bool convolutionDirect3x3(const ConvolutionProblem &p);

}  // namespace fusor::runtime
