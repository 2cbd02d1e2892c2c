// Matmul and composite ops built from primitives (the compiler fuses them back together).
#include "Trace.h"
#include "fusor/Functions.h"

namespace fusor {
using trace::cast;
using trace::check;
using trace::fail;

Tensor matmul(const Tensor &a, const Tensor &b, Where where) {
  check(a, "matmul", where);
  check(b, "matmul", where);
  DType common = trace::resultType({&a, &b});
  if (common == kBool) fail("matmul", "is not defined for bool tensors", {&a, &b}, where);
  shape::Shape shape = trace::unwrap(shape::matmul(a.sizes(), b.sizes()), "matmul", {&a, &b}, where);
  return trace::make(ir::OpKind::Matmul, common, std::move(shape),
                     {cast(a, common, where), cast(b, common, where)}, where);
}

Tensor linear(const Tensor &x, const Tensor &weight, const Tensor &bias, Where where) {
  check(weight, "linear", where);
  Tensor y = matmul(x, weight.dim() == 2 ? weight.t(where) : weight, where);
  return bias.defined() ? add(y, bias, where) : y;
}

Tensor softmax(const Tensor &x, int64_t dim, Where where) {
  check(x, "softmax", where);
  Tensor in = isFloatingType(x.dtype()) ? x : cast(x, kFloat32, where);
  int64_t d = x.dim() == 0 ? 0 : trace::normalizeDim(dim, x.dim(), "softmax", x, where);
  if (x.dim() == 0) return div(exp(sub(in, in, where), where), exp(sub(in, in, where), where), where);
  // Subtracting the row maximum keeps exp from overflowing.
  Tensor shifted = sub(in, amax(in, {d}, true, where), where);
  Tensor e = exp(shifted, where);
  return div(e, sum(e, {d}, true, where), where);
}

Tensor log_softmax(const Tensor &x, int64_t dim, Where where) {
  check(x, "log_softmax", where);
  Tensor in = isFloatingType(x.dtype()) ? x : cast(x, kFloat32, where);
  if (x.dim() == 0) return sub(in, in, where);
  int64_t d = trace::normalizeDim(dim, x.dim(), "log_softmax", x, where);
  Tensor shifted = sub(in, amax(in, {d}, true, where), where);
  return sub(shifted, log(sum(exp(shifted, where), {d}, true, where), where), where);
}

Tensor layer_norm(const Tensor &x, std::vector<int64_t> normalized_shape, const Tensor &weight,
                  const Tensor &bias, double eps, Where where) {
  check(x, "layer_norm", where);
  if (!isFloatingType(x.dtype())) fail("layer_norm", "needs a floating-point tensor", {&x}, where);
  int64_t k = static_cast<int64_t>(normalized_shape.size());
  bool fits = k <= x.dim();
  for (int64_t i = 0; fits && i < k; ++i) fits = x.sizes()[x.dim() - k + i] == normalized_shape[i];
  if (!fits || k == 0)
    fail("layer_norm", "normalized_shape must match the last dims of the input", {&x}, where);
  std::vector<int64_t> dims;
  for (int64_t d = x.dim() - k; d < x.dim(); ++d) dims.push_back(d);
  Tensor centered = sub(x, mean(x, dims, true, where), where);
  Tensor variance = mean(mul(centered, centered, where), dims, true, where);
  Tensor y = mul(centered, rsqrt(add(variance, trace::scalar(eps, x.dtype(), where), where), where), where);
  if (weight.defined()) y = mul(y, weight, where);
  if (bias.defined()) y = add(y, bias, where);
  return y;
}

}  // namespace fusor
