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

}  // namespace fusor::runtime
