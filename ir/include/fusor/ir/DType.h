// Element types of fusor tensors and torch's promotion rules (no MLIR).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fusor {

enum class DType : uint8_t { Bool, Int8, Int32, Int64, Float16, BFloat16, Float32, Float64 };

inline constexpr DType kBool = DType::Bool;
inline constexpr DType kInt8 = DType::Int8;
inline constexpr DType kInt32 = DType::Int32;
inline constexpr DType kInt = DType::Int32;
inline constexpr DType kInt64 = DType::Int64;
inline constexpr DType kLong = DType::Int64;
inline constexpr DType kFloat16 = DType::Float16;
inline constexpr DType kHalf = DType::Float16;
inline constexpr DType kBFloat16 = DType::BFloat16;
inline constexpr DType kFloat32 = DType::Float32;
inline constexpr DType kFloat = DType::Float32;
inline constexpr DType kFloat64 = DType::Float64;
inline constexpr DType kDouble = DType::Float64;

size_t elementSize(DType t);
// "float32", as torch prints dtypes (without the "torch." prefix).
std::string_view toString(DType t);
bool isFloatingType(DType t);
// Integers, and bool if includeBool.
bool isIntegralType(DType t, bool includeBool);

// torch.promote_types: bool < integers < floating types, wider wins; f16 with bf16 is f32.
DType promoteTypes(DType a, DType b);

}  // namespace fusor
