// Elementwise ops and operators.
#include "Trace.h"
#include "fusor/Functions.h"

namespace fusor {
using ir::OpKind;
using trace::binary;
using trace::cast;
using trace::check;
using trace::fail;
using trace::resultType;

namespace {

Tensor unary(OpKind op, const Tensor &x, DType dtype, std::string_view name, const Where &where) {
  check(x, name, where);
  return trace::make(op, dtype, shape::Shape(x.sizes().begin(), x.sizes().end()),
                     {cast(x, dtype, where)}, where);
}

// exp, log, ...: integers and bools compute in the default float type, as in torch.
Tensor floating(OpKind op, const Tensor &x, std::string_view name, const Where &where) {
  check(x, name, where);
  return unary(op, x, isFloatingType(x.dtype()) ? x.dtype() : kFloat32, name, where);
}

Tensor numeric(OpKind op, const Tensor &x, std::string_view name, const Where &where) {
  check(x, name, where);
  if (x.dtype() == kBool) fail(name, "is not defined for bool tensors", {&x}, where);
  return unary(op, x, x.dtype(), name, where);
}

// add/sub/mul/max/min/pow; on bools add is `or`, mul and min are `and`, max is `or`.
Tensor arithmetic(OpKind op, const Tensor &a, const Tensor &b, std::string_view name,
                  const Where &where) {
  check(a, name, where);
  check(b, name, where);
  DType common = resultType({&a, &b});
  if (common == kBool) {
    if (op == OpKind::Add || op == OpKind::Max) op = OpKind::LogicalOr;
    else if (op == OpKind::Mul || op == OpKind::Min) op = OpKind::LogicalAnd;
    else fail(name, "is not defined for two bool tensors", {&a, &b}, where);
  }
  return binary(op, a, b, common, common, name, where);
}

Tensor compare(OpKind op, const Tensor &a, const Tensor &b, std::string_view name,
               const Where &where) {
  check(a, name, where);
  check(b, name, where);
  return binary(op, a, b, resultType({&a, &b}), kBool, name, where);
}

Tensor trueDivide(const Tensor &a, const Tensor &b, const Where &where) {
  check(a, "div", where);
  check(b, "div", where);
  DType common = resultType({&a, &b});
  if (!isFloatingType(common)) common = kFloat32;
  return binary(OpKind::Div, a, b, common, common, "div", where);
}

// A number operand as a rank-0 tensor of the type it promotes to with `other`.
Tensor scalarFor(const Scalar &s, const Tensor &other, bool floating, const Where &where) {
  check(other, "operator", where);
  DType t = resultType({&other}, {&s});
  if (floating && !isFloatingType(t)) t = kFloat32;
  return trace::scalar(s, t, where);
}

}  // namespace

// The plain elementwise ops, from Ops.def; the Custom ones are written below.
#define FUSOR_UNARY(Kind, mnemonic, function, Rule) FUSOR_UNARY_##Rule(Kind, function)
#define FUSOR_UNARY_Floating(Kind, function) \
  Tensor function(const Tensor &x, Where where) { return floating(OpKind::Kind, x, #function, where); }
#define FUSOR_UNARY_Numeric(Kind, function) \
  Tensor function(const Tensor &x, Where where) { return numeric(OpKind::Kind, x, #function, where); }
#define FUSOR_UNARY_Custom(Kind, function)
#define FUSOR_BINARY(Kind, mnemonic, function, Rule) FUSOR_BINARY_##Rule(Kind, function)
#define FUSOR_BINARY_Arithmetic(Kind, function)                   \
  Tensor function(const Tensor &a, const Tensor &b, Where where) { \
    return arithmetic(OpKind::Kind, a, b, #function, where);      \
  }
#define FUSOR_BINARY_Compare(Kind, function)                      \
  Tensor function(const Tensor &a, const Tensor &b, Where where) { \
    return compare(OpKind::Kind, a, b, #function, where);         \
  }
#define FUSOR_BINARY_Custom(Kind, function)
#include "fusor/ir/Ops.def"
#undef FUSOR_UNARY_Floating
#undef FUSOR_UNARY_Numeric
#undef FUSOR_UNARY_Custom
#undef FUSOR_BINARY_Arithmetic
#undef FUSOR_BINARY_Compare
#undef FUSOR_BINARY_Custom

// floor and ceil leave integers as they are, as torch does.
Tensor floor(const Tensor &x, Where where) {
  check(x, "floor", where);
  return isFloatingType(x.dtype()) ? unary(OpKind::Floor, x, x.dtype(), "floor", where) : x;
}
Tensor ceil(const Tensor &x, Where where) {
  check(x, "ceil", where);
  return isFloatingType(x.dtype()) ? unary(OpKind::Ceil, x, x.dtype(), "ceil", where) : x;
}

Tensor gelu(const Tensor &x, std::string_view approximate, Where where) {
  if (approximate != "none" && approximate != "tanh")
    fail("gelu", "approximate must be \"none\" or \"tanh\", not \"" + std::string(approximate) + "\"",
         {&x}, where);
  Tensor t = floating(OpKind::Gelu, x, "gelu", where);
  t.node()->attrs = ir::GeluAttrs{approximate == "tanh"};
  return t;
}

Tensor logical_not(const Tensor &x, Where where) {
  return unary(OpKind::LogicalNot, check(x, "logical_not", where), kBool, "logical_not", where);
}

Tensor div(const Tensor &a, const Tensor &b, Where where) { return trueDivide(a, b, where); }
Tensor pow(const Tensor &a, Scalar e, Where where) {
  return pow(a, scalarFor(e, a, false, where), where);
}

Tensor add(const Tensor &a, Scalar b, Where where) { return add(a, scalarFor(b, a, false, where), where); }
Tensor sub(const Tensor &a, Scalar b, Where where) { return sub(a, scalarFor(b, a, false, where), where); }
Tensor mul(const Tensor &a, Scalar b, Where where) { return mul(a, scalarFor(b, a, false, where), where); }
Tensor div(const Tensor &a, Scalar b, Where where) { return div(a, scalarFor(b, a, true, where), where); }

Tensor clamp(const Tensor &x, std::optional<Scalar> min, std::optional<Scalar> max, Where at) {
  check(x, "clamp", at);
  if (!min && !max) fail("clamp", "needs at least one of min and max", {&x}, at);
  if (x.dtype() == kBool) fail("clamp", "is not defined for bool tensors", {&x}, at);
  // Selects, so the gradient passes wherever x is within the bounds (ties included), as torch.
  Tensor y = x;
  if (min) {
    Tensor lo = scalarFor(*min, x, false, at);
    y = where(lt(y, lo, at), lo, y, at);
  }
  if (max) {
    Tensor hi = scalarFor(*max, x, false, at);
    y = where(gt(y, hi, at), hi, y, at);
  }
  return y;
}

Tensor logical_and(const Tensor &a, const Tensor &b, Where where) {
  return binary(OpKind::LogicalAnd, check(a, "logical_and", where), check(b, "logical_and", where),
                kBool, kBool, "logical_and", where);
}
Tensor logical_or(const Tensor &a, const Tensor &b, Where where) {
  return binary(OpKind::LogicalOr, check(a, "logical_or", where), check(b, "logical_or", where),
                kBool, kBool, "logical_or", where);
}

Tensor where(const Tensor &condition, const Tensor &a, const Tensor &b, Where at) {
  check(condition, "where", at);
  check(a, "where", at);
  check(b, "where", at);
  shape::Shape s0(condition.sizes().begin(), condition.sizes().end());
  shape::Shape s1(a.sizes().begin(), a.sizes().end()), s2(b.sizes().begin(), b.sizes().end());
  shape::ShapeRef all[] = {s0, s1, s2};
  shape::Shape shape = trace::unwrap(shape::broadcast(all), "where", {&condition, &a, &b}, at);
  DType common = resultType({&a, &b});
  return trace::make(OpKind::Select, common, std::move(shape),
                     {cast(condition, kBool, at), cast(a, common, at), cast(b, common, at)}, at);
}

Tensor scalar_tensor(Scalar value, DType dtype, Where where) { return trace::scalar(value, dtype, where); }

#define FUSOR_DEFINE_OPERATOR(op, fn, floating)                                          \
  Tensor operator op(const Tensor &a, TensorArg b) { return fn(a, b.tensor, b.where); }  \
  Tensor operator op(const Tensor &a, Scalar b) {                                        \
    return fn(a, scalarFor(b, a, floating, b.where()), b.where());                       \
  }                                                                                      \
  Tensor operator op(Scalar a, TensorArg b) {                                            \
    return fn(scalarFor(a, b.tensor, floating, b.where), b.tensor, b.where);             \
  }
FUSOR_DEFINE_OPERATOR(+, add, false)
FUSOR_DEFINE_OPERATOR(-, sub, false)
FUSOR_DEFINE_OPERATOR(*, mul, false)
FUSOR_DEFINE_OPERATOR(/, div, true)
FUSOR_DEFINE_OPERATOR(==, eq, false)
FUSOR_DEFINE_OPERATOR(!=, ne, false)
FUSOR_DEFINE_OPERATOR(<, lt, false)
FUSOR_DEFINE_OPERATOR(<=, le, false)
FUSOR_DEFINE_OPERATOR(>, gt, false)
FUSOR_DEFINE_OPERATOR(>=, ge, false)
#undef FUSOR_DEFINE_OPERATOR

Tensor operator-(TensorArg x) { return neg(x.tensor, x.where); }

}  // namespace fusor
