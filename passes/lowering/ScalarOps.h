// The scalar computation of each elementwise fusor op, emitted into a linalg body.
#pragma once

#include "mlir/IR/Builders.h"

namespace mlir::fusor::lowering {

// Emits `op` (an elementwise fusor op) applied to scalar `args`, producing a `resultElement`
// value. f16 and bf16 are computed in f32 and rounded once at the end, as torch does.
Value emitElementwise(OpBuilder &b, Location loc, Operation *op, ValueRange args,
                      Type resultElement);

// Converts a scalar to another element type with fusor.cast's semantics.
Value emitCast(OpBuilder &b, Location loc, Value value, Type to);

// The neutral element of a reduction ("sum", "prod", "max", "min") in `type`.
Value emitIdentity(OpBuilder &b, Location loc, StringRef kind, Type type);

// acc (+, *, max, min) x, for a reduction of `kind`.
Value emitCombine(OpBuilder &b, Location loc, StringRef kind, Value acc, Value x);

}  // namespace mlir::fusor::lowering
