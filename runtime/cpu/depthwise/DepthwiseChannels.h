// A depthwise convolution vectorized across channels (DepthwiseChannels.cpp), which
// fusor_rt_depthwise_conv2d_f32 runs where it suits the shape.
#pragma once

#include "cpu/depthwise/DepthwiseProblem.h"

namespace fusor::runtime {

// Runs the convolution eight channels at a time and returns true, or returns false (having
// done nothing) where that kernel does not suit it: without AVX2, with a column stride in x,
// or on larger maps, where the plane-at-a-time kernel is as fast or faster.
bool depthwiseAcrossChannels(const DepthwiseProblem &p);

}  // namespace fusor::runtime
