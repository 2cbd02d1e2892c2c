// Evaluation of fusor ops on small constant tensors, for folding. Values are computed in
// double (floats) or int64 (integers, i1 as 0/1) and rounded or wrapped once on the way out.
#pragma once

#include <cstdint>
#include <optional>

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"

namespace mlir::fusor::constfold {

// Folding stops at this many result elements unless every operand is a splat.
inline constexpr int64_t kMaxFoldedElements = 1024;

using FloatFn = llvm::function_ref<std::optional<double>(double)>;
using IntFn = llvm::function_ref<std::optional<int64_t>(int64_t)>;
using FloatFn2 = llvm::function_ref<std::optional<double>(double, double)>;
using IntFn2 = llvm::function_ref<std::optional<int64_t>(int64_t, int64_t)>;

// Applies `onFloat` or `onInt` (by the operand's element type) to each element of a constant
// operand. Null when the operand is not constant, a function is missing or gives up, or the
// result would be too large.
Attribute map(Attribute operand, Type resultType, FloatFn onFloat, IntFn onInt = nullptr);

// The same for two operands that broadcast to `resultType`.
Attribute zip(Attribute lhs, Attribute rhs, Type resultType, FloatFn2 onFloat,
              IntFn2 onInt = nullptr);

// fusor.select on three constants.
Attribute select(Attribute condition, Attribute onTrue, Attribute onFalse, Type resultType);

// fusor.broadcast_to and fusor.transpose on a constant.
Attribute broadcastTo(Attribute operand, Type resultType);
Attribute transpose(Attribute operand, ArrayRef<int64_t> perm, Type resultType);

// Element conversion as fusor.cast defines it.
Attribute cast(Attribute operand, Type resultType);

// Whether `attr` is a constant whose elements all equal `value`.
bool isSplatOf(Attribute attr, double value);

}  // namespace mlir::fusor::constfold
