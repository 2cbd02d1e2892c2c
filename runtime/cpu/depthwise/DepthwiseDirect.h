// A 3x3 depthwise convolution read straight from the input planes (DepthwiseDirect.cpp),
// which fusor_rt_depthwise_conv2d_f32 runs where it suits the shape.
#pragma once

#include "cpu/depthwise/DepthwiseProblem.h"

namespace fusor::runtime {

// Runs the convolution and returns true, or returns false (having done nothing) where this
// kernel does not apply: without AVX-512, other than a 3x3 window with unit dilations and
// equal strides of 1 or 2, with a column stride in x, with y overlapping x other than in place
// (each plane over itself), or with output rows narrower than 7 columns (DepthwiseChannels.cpp
// is faster there).
bool depthwiseDirect3x3(const DepthwiseProblem &p);

}  // namespace fusor::runtime
