// The GEMM's side of fusor/runtime/ConstantWeights.h: packed copies of B made from registered
// weights, made once and shared by every later call with the same B.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace fusor::runtime {

// The packed copy (`floats` long, 64-byte aligned) of the B at `b` with these strides and
// sizes if all of it lies in registered weights, written by `pack` on first use; else null.
std::shared_ptr<const float> packedWeights(const float *b, int64_t rsB, int64_t csB, int64_t k, int64_t n,
                                           size_t floats, const std::function<void(float *)> &pack);

// The same for Winograd's transform of the dense outChannels x inChannels x 3 x 3 weights at
// `weights` (kept apart from packed copies of B).
std::shared_ptr<const float> winogradWeights(const float *weights, int64_t outChannels, int64_t inChannels,
                                             size_t floats, const std::function<void(float *)> &transform);

}  // namespace fusor::runtime
