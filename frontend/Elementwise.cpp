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

#define FUSOR_FLOAT_UNARY(fn, Op) \
  Tensor fn(const Tensor &x, Where where) { return floating(OpKind::Op, x, #fn, where); }
FUSOR_FLOAT_UNARY(exp, Exp)
FUSOR_FLOAT_UNARY(log, Log)
FUSOR_FLOAT_UNARY(sqrt, Sqrt)
FUSOR_FLOAT_UNARY(rsqrt, Rsqrt)
FUSOR_FLOAT_UNARY(tanh, Tanh)
FUSOR_FLOAT_UNARY(sigmoid, Sigmoid)
FUSOR_FLOAT_UNARY(silu, Silu)
FUSOR_FLOAT_UNARY(sin, Sin)
FUSOR_FLOAT_UNARY(cos, Cos)
FUSOR_FLOAT_UNARY(erf, Erf)
#undef FUSOR_FLOAT_UNARY

Tensor neg(const Tensor &x, Where where) { return numeric(OpKind::Neg, x, "neg", where); }
Tensor abs(const Tensor &x, Where where) { return numeric(OpKind::Abs, x, "abs", where); }
Tensor relu(const Tensor &x, Where where) { return numeric(OpKind::Relu, x, "relu", where); }

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
  t.node()->flag = approximate == "tanh";
  return t;
}

Tensor logical_not(const Tensor &x, Where where) {
  return unary(OpKind::LogicalNot, check(x, "logical_not", where), kBool, "logical_not", where);
}

Tensor add(const Tensor &a, const Tensor &b, Where where) { return arithmetic(OpKind::Add, a, b, "add", where); }
Tensor sub(const Tensor &a, const Tensor &b, Where where) { return arithmetic(OpKind::Sub, a, b, "sub", where); }
Tensor mul(const Tensor &a, const Tensor &b, Where where) { return arithmetic(OpKind::Mul, a, b, "mul", where); }
Tensor div(const Tensor &a, const Tensor &b, Where where) { return trueDivide(a, b, where); }
Tensor pow(const Tensor &a, const Tensor &b, Where where) { return arithmetic(OpKind::Pow, a, b, "pow", where); }
Tensor pow(const Tensor &a, Scalar e, Where where) {
  return pow(a, scalarFor(e, a, false, where), where);
}
Tensor maximum(const Tensor &a, const Tensor &b, Where where) { return arithmetic(OpKind::Max, a, b, "maximum", where); }
Tensor minimum(const Tensor &a, const Tensor &b, Where where) { return arithmetic(OpKind::Min, a, b, "minimum", where); }
Tensor eq(const Tensor &a, const Tensor &b, Where where) { return compare(OpKind::Eq, a, b, "eq", where); }
Tensor ne(const Tensor &a, const Tensor &b, Where where) { return compare(OpKind::Ne, a, b, "ne", where); }
Tensor lt(const Tensor &a, const Tensor &b, Where where) { return compare(OpKind::Lt, a, b, "lt", where); }
Tensor le(const Tensor &a, const Tensor &b, Where where) { return compare(OpKind::Le, a, b, "le", where); }
Tensor gt(const Tensor &a, const Tensor &b, Where where) { return compare(OpKind::Gt, a, b, "gt", where); }
Tensor ge(const Tensor &a, const Tensor &b, Where where) { return compare(OpKind::Ge, a, b, "ge", where); }

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
