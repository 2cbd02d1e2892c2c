// Element conversion on the host (reading results, filling inputs), f16/bf16 included.
#pragma once

#include <cstdint>
#include <cstring>

#include "fusor/ir/DType.h"

namespace fusor::host {

float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f);
inline float bfloat16ToFloat(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
uint16_t floatToBFloat16(float f);

// The DType that stores a C++ type T (float -> Float32, ...).
template <typename T>
constexpr DType dtypeOf();
template <> constexpr DType dtypeOf<float>() { return kFloat32; }
template <> constexpr DType dtypeOf<double>() { return kFloat64; }
template <> constexpr DType dtypeOf<int8_t>() { return kInt8; }
template <> constexpr DType dtypeOf<int32_t>() { return kInt32; }
template <> constexpr DType dtypeOf<int64_t>() { return kInt64; }
template <> constexpr DType dtypeOf<bool>() { return kBool; }

// Converts `count` elements of type `from` at `src` into `to` at `dst` (as a cast would).
void convert(const void *src, DType from, void *dst, DType to, int64_t count);

}  // namespace fusor::host
