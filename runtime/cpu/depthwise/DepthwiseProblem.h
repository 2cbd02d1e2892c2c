// fusor_rt_depthwise_conv2d_f32's operands, which its kernels for particular shapes
// (DepthwiseChannels.cpp, DepthwiseDirect.cpp) take.
#pragma once

#include <cstdint>

namespace fusor::runtime {

// The operands of fusor_rt_depthwise_conv2d_f32 (fusor/runtime/abi/Calls.h), offsets applied.
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

}  // namespace fusor::runtime
