// A depthwise convolution vectorized across channels (DepthwiseChannels.cpp), which
// fusor_rt_depthwise_conv2d_f32 runs where it suits the shape.
#pragma once

#include <cstdint>

namespace fusor::runtime {

// fusor_rt_depthwise_conv2d_f32's operands (see fusor/runtime/Depthwise.h), offsets applied.
struct DepthwiseProblem {
  const float *x;
  int64_t strideXN, strideXC, strideXH, strideXW, batch, channels, height, width;
  const float *w;
  int64_t kernelH, kernelW;
  float *y;
  int64_t outHeight, outWidth, stepH, stepW, dilationH, dilationW, padTop, padLeft;
  const float *bias;      // one per (image, channel) plane, or null
  const float *residual;  // laid out as y, or null
  float lo, hi;
};

// Runs the convolution eight channels at a time and returns true, or returns false (having
// done nothing) where that kernel does not suit it: without AVX2, with a column stride in x,
// or on larger maps, where the plane-at-a-time kernel is as fast or faster.
bool depthwiseAcrossChannels(const DepthwiseProblem &p);

}  // namespace fusor::runtime
