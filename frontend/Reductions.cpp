// Reductions: as Tensor methods and free functions.
#include <algorithm>

#include "Trace.h"
#include "autograd/GradGraph.h"
#include "fusor/Functions.h"

namespace fusor {
using ir::OpKind;
using trace::cast;
using trace::check;
using trace::fail;

namespace {

// Normalized, sorted, distinct dims; an empty list means every dim (as torch's sum(dim=[])).
std::vector<int64_t> reductionDims(const Tensor &x, std::vector<int64_t> dims,
                                   std::string_view name, const Where &where) {
  if (dims.empty()) {
    for (int64_t d = 0; d < x.dim(); ++d) dims.push_back(d);
    return dims;
  }
  for (int64_t &d : dims) d = trace::normalizeDim(d, x.dim(), name, x, where);
  std::sort(dims.begin(), dims.end());
  if (std::adjacent_find(dims.begin(), dims.end()) != dims.end())
    fail(name, "a dim appears more than once", {&x}, where);
  return dims;
}

Tensor reduce(OpKind op, const Tensor &x, std::vector<int64_t> dims, bool keepdim,
              DType dtype, std::string_view name, const Where &where) {
  check(x, name, where);
  dims = reductionDims(x, std::move(dims), name, where);
  // A rank-0 tensor reduces over "dim 0" in torch; it is its own result.
  if (x.dim() == 0) return cast(x, dtype, where);
  shape::Shape shape = trace::unwrap(shape::reduce(x.sizes(), dims, keepdim), name, {&x}, where);
  Tensor t = trace::make(op, dtype, std::move(shape), {cast(x, dtype, where)}, where);
  t.node()->attrs = ir::ReduceAttrs{std::move(dims), keepdim};
  return t;
}

// Sums and products of integers and bools accumulate in int64, as in torch.
DType accumulating(DType t) { return isFloatingType(t) ? t : kInt64; }

// Like torch, a maximum or minimum over no elements is an error (not -inf or +inf).
void requireElements(const Tensor &x, const std::vector<int64_t> &dims, std::string_view name,
                     const Where &where) {
  bool empty = x.numel() == 0 && dims.empty();
  for (int64_t d : dims) empty |= x.dim() > 0 && x.sizes()[trace::normalizeDim(d, x.dim(), name, x, where)] == 0;
  if (empty) fail(name, "cannot reduce over an empty dim (there is no maximum or minimum)", {&x}, where);
}

// max/min keep the type; bools go through int8 (the dialect has no i1 max).
Tensor extremum(OpKind op, const Tensor &x, std::vector<int64_t> dims, bool keepdim,
                std::string_view name, const Where &where) {
  check(x, name, where);
  requireElements(x, dims, name, where);
  if (x.dtype() != kBool) return reduce(op, x, std::move(dims), keepdim, x.dtype(), name, where);
  return cast(reduce(op, cast(x, kInt8, where), std::move(dims), keepdim, kInt8, name, where),
              kBool, where);
}

Tensor argmaxImpl(const Tensor &x, int64_t dim, bool keepdim, const Where &where) {
  check(x, "argmax", where);
  Tensor in = x.dtype() == kBool ? cast(x, kInt8, where) : x;
  if (x.dim() == 0) return full({}, 0, TensorOptions(kInt64).device(x.device()), where);
  requireElements(x, {dim}, "argmax", where);
  int64_t d = trace::normalizeDim(dim, x.dim(), "argmax", x, where);
  shape::Shape shape =
      trace::unwrap(shape::reduce(x.sizes(), {&d, 1}, keepdim), "argmax", {&x}, where);
  Tensor t = trace::make(OpKind::Argmax, kInt64, std::move(shape), {in}, where);
  t.node()->attrs = ir::ArgmaxAttrs{d, keepdim};
  return t;
}

// An order-reversing map, so that argmin(x) = argmax(reversed(x)): -x for floats, and
// -1 - x for integers (which, unlike -x, cannot overflow).
Tensor reversed(const Tensor &x, const Where &where) {
  if (isFloatingType(x.dtype())) return neg(x, where);
  Tensor in = x.dtype() == kBool ? cast(x, kInt8, where) : x;
  return sub(trace::scalar(-1, in.dtype(), where), in, where);
}

// max(dim)/min(dim): the gradient goes to the returned index only, as in torch (amax shares
// it between ties).
std::tuple<Tensor, Tensor> indexed(Tensor values, Tensor indices, const Tensor &x, int64_t dim,
                                   bool keepdim, const char *name, const Where &where) {
  if (!values.requires_grad()) return {values, indices};
  int64_t d = x.dim() == 0 ? 0 : trace::normalizeDim(dim, x.dim(), name, x, where);
  autograd::metaOf(values).gradFn = nullptr;
  std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
  autograd::attachFunction(values, {x}, name, {indices}, [d, keepdim, shape](const Tensor &g, const std::vector<Tensor> &saved) {
    if (shape.empty()) return std::vector<Tensor>{g};
    Tensor idx = keepdim ? saved[0] : saved[0].unsqueeze(d);
    Tensor gk = keepdim ? g : g.unsqueeze(d);
    std::vector<int64_t> along(shape.size(), 1);
    along[d] = shape[d];
    Tensor positions = arange(shape[d], TensorOptions(kInt64).device(g.device())).reshape(along);
    return std::vector<Tensor>{fusor::where(eq(positions, idx), gk, zeros_like(gk)).expand(shape)};
  }, where);
  return {values, indices};
}

}  // namespace

Tensor sum(const Tensor &x, std::vector<int64_t> dims, bool keepdim, Where where) {
  check(x, "sum", where);
  return reduce(OpKind::ReduceSum, x, std::move(dims), keepdim, accumulating(x.dtype()), "sum", where);
}
Tensor mean(const Tensor &x, std::vector<int64_t> dims, bool keepdim, Where where) {
  check(x, "mean", where);
  if (!isFloatingType(x.dtype()))
    fail("mean", "needs a floating-point tensor (convert with .to(fusor::kFloat32))", {&x}, where);
  return reduce(OpKind::ReduceMean, x, std::move(dims), keepdim, x.dtype(), "mean", where);
}
Tensor amax(const Tensor &x, std::vector<int64_t> dims, bool keepdim, Where where) {
  return extremum(OpKind::ReduceMax, x, std::move(dims), keepdim, "amax", where);
}
Tensor amin(const Tensor &x, std::vector<int64_t> dims, bool keepdim, Where where) {
  return extremum(OpKind::ReduceMin, x, std::move(dims), keepdim, "amin", where);
}
Tensor argmax(const Tensor &x, int64_t dim, bool keepdim, Where where) {
  return argmaxImpl(x, dim, keepdim, where);
}

Tensor prod(const Tensor &x, Where where) { return check(x, "prod", where).prod(where); }
Tensor max(const Tensor &x, Where where) { return check(x, "max", where).max(where); }
Tensor min(const Tensor &x, Where where) { return check(x, "min", where).min(where); }

Tensor Tensor::sum(Where where) const { return fusor::sum(*this, {}, false, where); }
Tensor Tensor::sum(std::vector<int64_t> dims, bool keepdim, Where where) const {
  return fusor::sum(*this, std::move(dims), keepdim, where);
}
Tensor Tensor::mean(Where where) const { return fusor::mean(*this, {}, false, where); }
Tensor Tensor::mean(std::vector<int64_t> dims, bool keepdim, Where where) const {
  return fusor::mean(*this, std::move(dims), keepdim, where);
}
Tensor Tensor::prod(Where where) const {
  check(*this, "prod", where);
  return reduce(OpKind::ReduceProd, *this, {}, false, accumulating(dtype()), "prod", where);
}
Tensor Tensor::prod(int64_t dim, bool keepdim, Where where) const {
  check(*this, "prod", where);
  return reduce(OpKind::ReduceProd, *this, {dim}, keepdim, accumulating(dtype()), "prod", where);
}
Tensor Tensor::max(Where where) const { return fusor::amax(*this, {}, false, where); }
Tensor Tensor::min(Where where) const { return fusor::amin(*this, {}, false, where); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim, Where where) const {
  return indexed(fusor::amax(*this, {dim}, keepdim, where), argmaxImpl(*this, dim, keepdim, where), *this, dim,
                 keepdim, "max", where);
}
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim, Where where) const {
  check(*this, "min", where);
  return indexed(fusor::amin(*this, {dim}, keepdim, where),
                 argmaxImpl(reversed(*this, where), dim, keepdim, where), *this, dim, keepdim, "min", where);
}
Tensor Tensor::amax(std::vector<int64_t> dims, bool keepdim, Where where) const {
  return fusor::amax(*this, std::move(dims), keepdim, where);
}
Tensor Tensor::amin(std::vector<int64_t> dims, bool keepdim, Where where) const {
  return fusor::amin(*this, std::move(dims), keepdim, where);
}
Tensor Tensor::argmax(Where where) const {
  check(*this, "argmax", where);
  return argmaxImpl(reshape({-1}, where), 0, false, where);
}
Tensor Tensor::argmax(int64_t dim, bool keepdim, Where where) const {
  return argmaxImpl(*this, dim, keepdim, where);
}

}  // namespace fusor
