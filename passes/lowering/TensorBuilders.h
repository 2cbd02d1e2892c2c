// Builders of linalg/tensor IR shared by the fusor lowering patterns.
#pragma once

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

namespace mlir::fusor::lowering {

using ScalarBody = function_ref<Value(OpBuilder &, Location, ValueRange)>;

// f16 and bf16, which reductions and contractions accumulate in f32.
bool isLowPrecision(Type t);
// The type a sum or product of `element` values accumulates in: f32 for f16/bf16.
Type accumulatorType(Type element);

// Whether every operand and result of `op` is a tensor of static shape.
bool allStatic(Operation *op);

// Dynamic sizes ('?'): a `?` operand dim never stretches against a larger one (the JIT keys
// programs on that), so a `?` result dim of an elementwise op is the size of any operand's
// `?` dim in its place.

// The size of dim `d` of the ranked tensor `value`: a constant, or tensor.dim where it is `?`.
Value buildDim(OpBuilder &b, Location loc, Value value, int64_t d);
// A tensor.empty of `type` with `dynamic` as its `?` sizes (one index each, in order).
Value buildEmpty(OpBuilder &b, Location loc, RankedTensorType type, ValueRange dynamic = {});
// The `?` sizes of an elementwise result of `type` over `inputs` (trailing-aligned); failure
// if some `?` dim has no `?` operand dim in its place.
FailureOr<SmallVector<Value>> elementwiseSizes(OpBuilder &b, Location loc, ValueRange inputs,
                                               RankedTensorType type);

// A linalg.generic computing `body` on `inputs` broadcast (NumPy style) to `resultType`.
Value buildElementwise(OpBuilder &b, Location loc, ValueRange inputs,
                       RankedTensorType resultType, ScalarBody body);

// Writes `source` into `dest` at `offsets` (unit strides); an empty source changes nothing.
Value buildInsert(OpBuilder &b, Location loc, Value source, Value dest, ArrayRef<int64_t> offsets);

// `input` with `low`/`high` elements of `value` added before/after each dim.
Value buildPadded(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> low,
                  ArrayRef<int64_t> high, Value value);

// `value` (a tensor) with elements cast to `element`; itself if they already are.
Value buildCastTo(OpBuilder &b, Location loc, Value value, Type element);

// A tensor of `type` (`dynamic`: its `?` sizes) filled with `value`.
Value buildFilled(OpBuilder &b, Location loc, RankedTensorType type, Value value, ValueRange dynamic = {});

// Reinterprets `source` in row-major order with the shape of `type`. With `?` sizes, only where
// the shapes map onto each other by collapsing or expanding dims and each expanded group has
// at most one `?` (null otherwise).
Value buildReshape(OpBuilder &b, Location loc, Value source, RankedTensorType type);

// The reduction of `kind` ("sum", "prod", "max", "min") over `dims` of `input`, without
// keepdim, accumulated in `accType`'s element type.
Value buildReduction(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> dims,
                     StringRef kind, Type accElement);

}  // namespace mlir::fusor::lowering
