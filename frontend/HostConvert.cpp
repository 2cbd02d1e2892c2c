#include "HostConvert.h"

#include <cmath>
#include <type_traits>

namespace fusor::host {

float halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);  // inf, NaN
  } else if (exponent) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa) {  // subnormal: value = mantissa * 2^-24
    float f = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -f : f;
  } else {
    bits = sign;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t floatToHalf(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  uint16_t sign = (bits >> 16) & 0x8000;
  if (std::isnan(f)) return sign | 0x7e00;
  float a = std::fabs(f);
  if (a >= 65520.0f) return sign | 0x7c00;  // rounds to inf
  if (a < 6.103515625e-05f) {               // subnormal or zero: multiples of 2^-24
    return sign | static_cast<uint16_t>(std::nearbyint(a * 16777216.0f));
  }
  uint32_t abits = bits & 0x7fffffffu;
  // Round to nearest even on the 13 dropped mantissa bits.
  uint32_t rounded = abits + 0xfffu + ((abits >> 13) & 1u);
  return sign | static_cast<uint16_t>((rounded - (112u << 23)) >> 13);
}

uint16_t floatToBFloat16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if (std::isnan(f)) return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1u);  // round to nearest even
  return static_cast<uint16_t>(bits >> 16);
}

namespace {

// Reads element i as double (floats) or int64 (integers, bool).
double readReal(const void *p, DType t, int64_t i) {
  switch (t) {
    case DType::Float16: return halfToFloat(static_cast<const uint16_t *>(p)[i]);
    case DType::BFloat16: return bfloat16ToFloat(static_cast<const uint16_t *>(p)[i]);
    case DType::Float32: return static_cast<const float *>(p)[i];
    case DType::Float64: return static_cast<const double *>(p)[i];
    default: return 0;
  }
}

int64_t readInt(const void *p, DType t, int64_t i) {
  switch (t) {
    case DType::Bool: return static_cast<const uint8_t *>(p)[i] != 0;
    case DType::Int8: return static_cast<const int8_t *>(p)[i];
    case DType::Int32: return static_cast<const int32_t *>(p)[i];
    case DType::Int64: return static_cast<const int64_t *>(p)[i];
    default: return 0;
  }
}

// Float to integer as the kernels convert (truncation, wrapping to the width); NaN and values
// beyond int64 give 0 instead of C++'s undefined behaviour.
template <typename T>
int64_t toInteger(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    if (!(std::fabs(v) < 9.2e18)) return 0;
  }
  return static_cast<int64_t>(v);
}

template <typename T>
void writeAs(void *p, int64_t i, T v, DType t) {
  switch (t) {
    case DType::Bool: static_cast<uint8_t *>(p)[i] = v != T(0); break;
    case DType::Int8: static_cast<int8_t *>(p)[i] = static_cast<int8_t>(toInteger(v)); break;
    case DType::Int32: static_cast<int32_t *>(p)[i] = static_cast<int32_t>(toInteger(v)); break;
    case DType::Int64: static_cast<int64_t *>(p)[i] = toInteger(v); break;
    case DType::Float16: static_cast<uint16_t *>(p)[i] = floatToHalf(static_cast<float>(v)); break;
    case DType::BFloat16: static_cast<uint16_t *>(p)[i] = floatToBFloat16(static_cast<float>(v)); break;
    case DType::Float32: static_cast<float *>(p)[i] = static_cast<float>(v); break;
    case DType::Float64: static_cast<double *>(p)[i] = static_cast<double>(v); break;
  }
}

}  // namespace

void convert(const void *src, DType from, void *dst, DType to, int64_t count) {
  if (from == to) {
    std::memcpy(dst, src, count * elementSize(from));
    return;
  }
  for (int64_t i = 0; i < count; ++i) {
    if (isFloatingType(from))
      writeAs(dst, i, readReal(src, from, i), to);
    else
      writeAs(dst, i, readInt(src, from, i), to);
  }
}

}  // namespace fusor::host
