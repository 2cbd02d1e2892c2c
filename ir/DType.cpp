#include "fusor/ir/DType.h"

#include "fusor/aot/Runtime.h"

namespace fusor {

// The C API's dtype codes (AOT libraries, their headers) are DType's numbers.
static_assert(static_cast<int>(DType::Bool) == FUSOR_BOOL && static_cast<int>(DType::Int8) == FUSOR_INT8 &&
              static_cast<int>(DType::Int32) == FUSOR_INT32 && static_cast<int>(DType::Int64) == FUSOR_INT64 &&
              static_cast<int>(DType::Float16) == FUSOR_FLOAT16 && static_cast<int>(DType::BFloat16) == FUSOR_BFLOAT16 &&
              static_cast<int>(DType::Float32) == FUSOR_FLOAT32 && static_cast<int>(DType::Float64) == FUSOR_FLOAT64);

size_t elementSize(DType t) {
  switch (t) {
    case DType::Bool:
    case DType::Int8: return 1;
    case DType::Float16:
    case DType::BFloat16: return 2;
    case DType::Int32:
    case DType::Float32: return 4;
    case DType::Int64:
    case DType::Float64: return 8;
  }
  return 0;
}

std::string_view toString(DType t) {
  switch (t) {
    case DType::Bool: return "bool";
    case DType::Int8: return "int8";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
    case DType::Float16: return "float16";
    case DType::BFloat16: return "bfloat16";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
  }
  return "?";
}

bool isFloatingType(DType t) {
  return t == DType::Float16 || t == DType::BFloat16 || t == DType::Float32 ||
         t == DType::Float64;
}

bool isIntegralType(DType t, bool includeBool) {
  return t == DType::Int8 || t == DType::Int32 || t == DType::Int64 ||
         (includeBool && t == DType::Bool);
}

DType promoteTypes(DType a, DType b) {
  if (a == b) return a;
  if ((a == DType::Float16 && b == DType::BFloat16) || (a == DType::BFloat16 && b == DType::Float16))
    return DType::Float32;
  // The enum is ordered by promotion rank within and across categories.
  return a > b ? a : b;
}

}  // namespace fusor
