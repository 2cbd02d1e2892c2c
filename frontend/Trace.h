// Recording ops into the graph IR: node construction, type promotion, located errors.
#pragma once

#include <string>
#include <string_view>

#include "fusor/Tensor.h"
#include "fusor/ir/ShapeRules.h"

namespace fusor::trace {

// "[2, 3] float32"
std::string describe(const Tensor &t);
// "[2, 3]"
std::string sizesString(std::span<const int64_t> sizes);

// Throws fusor::Error "fusor::<op>: <reason> (operands: ...)" at `where`.
[[noreturn]] void fail(std::string_view op, const std::string &reason,
                       std::initializer_list<const Tensor *> operands, const Where &where);

// Throws unless `t` is defined.
const Tensor &check(const Tensor &t, std::string_view op, const Where &where);

// A new node with inputs, inferred dtype and shape.
Tensor make(ir::OpKind op, DType dtype, shape::Shape shape, std::vector<Tensor> inputs,
            const Where &where);

// Result of a shape rule, or a located error naming the operands.
shape::Shape unwrap(const shape::ShapeOr &r, std::string_view op,
                    std::initializer_list<const Tensor *> operands, const Where &where);

// Maps dim into [0, rank) (negative counts from the end) or fails.
int64_t normalizeDim(int64_t dim, int64_t rank, std::string_view op, const Tensor &t,
                     const Where &where);

Tensor cast(const Tensor &t, DType dtype, const Where &where);

// `t` with `low`/`high` (non-negative) elements of `value` before/after each dim.
Tensor padConstant(const Tensor &t, const std::vector<int64_t> &low, const std::vector<int64_t> &high,
                   Scalar value, const Where &where);

// The device `options` name, or the default device.
Device deviceOf(const TensorOptions &options);
// Throws unless `device` is the CPU or an existing CUDA device.
void checkDevice(const Device &device, std::string_view op, const Where &where);
// `t` on `device`: a lazy tensor of literals is retargeted, anything else copied.
Tensor place(Tensor t, const Device &device, std::string_view op, const Where &where);
// A lazy node computed from literals only (a fill, say): it can be computed on any device.
bool literalsOnly(const ir::Node &n);
// A graph input shaped like `like` but without data (fusor::jit and export_mlir trace on these).
ir::NodePtr placeholder(const Tensor &like, const Where &where);
Tensor scalar(Scalar value, DType dtype, const Where &where);
// A number as a literal attribute (its float and integer forms).
ir::LiteralAttrs literal(const Scalar &value);
// Marks a factory's result as a leaf requiring grad when `options` ask for it.
Tensor finish(Tensor t, const TensorOptions &options, const Where &where);

// torch's result type of an op over tensors and numbers: dimensioned tensors outrank rank-0
// tensors, which outrank numbers, unless a lower tier holds a higher category
// (bool < integer < floating).
DType resultType(std::initializer_list<const Tensor *> tensors,
                 std::initializer_list<const Scalar *> scalars = {});

// An elementwise binary op after promotion to `common` (nullopt: the result type).
Tensor binary(ir::OpKind op, const Tensor &a, const Tensor &b, DType operandType,
              DType resultType, std::string_view name, const Where &where);

}  // namespace fusor::trace
