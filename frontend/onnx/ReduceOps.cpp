// ONNX reductions (the Reduce* family, ArgMax, ArgMin, CumSum, CumProd) and the
// normalizations made of them (RMSNormalization, LpNormalization, Hardmax) on the tensor API.
#include <algorithm>
#include <cmath>

#include "Node.h"
#include "fusor/Functions.h"

namespace fusor::onnx {
namespace {

using Reducer = std::function<Tensor(const Tensor &, std::vector<int64_t>, bool)>;

// Axes come as an attribute before `axesInputSince` and as input 1 from it; none means all,
// unless noop_with_empty_axes says the input passes through.
Tensor reduce(const Node &n, int64_t axesInputSince, const Reducer &f) {
  Tensor x = n.in(0);
  std::optional<std::vector<int64_t>> axes = n.axes(1, axesInputSince);
  bool keep = n.i("keepdims", 1) != 0;
  if ((!axes || axes->empty()) && n.i("noop_with_empty_axes", 0)) return x;
  std::vector<int64_t> dims = axes ? *axes : std::vector<int64_t>{};
  if (dims.empty() && x.dim() == 0) return x;
  return f(x, dims, keep);
}

// A sum that keeps the input's element type (fusor, like torch, widens integer sums).
Tensor sumAs(const Tensor &x, std::vector<int64_t> dims, bool keep, DType type) {
  return x.sum(std::move(dims), keep).to(type);
}

// The product over several dims: fusor's prod takes one dim at a time.
Tensor prodOver(const Tensor &x, std::vector<int64_t> dims, bool keep) {
  int64_t rank = x.dim();
  if (dims.empty())
    for (int64_t d = 0; d < rank; ++d) dims.push_back(d);
  for (int64_t &d : dims) d = d < 0 ? d + rank : d;
  std::sort(dims.begin(), dims.end());
  dims.erase(std::unique(dims.begin(), dims.end()), dims.end());
  Tensor r = x;
  for (int64_t d : dims) r = r.prod(d, true).to(x.dtype());
  if (keep) return r;
  std::vector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d)
    if (!std::binary_search(dims.begin(), dims.end(), d)) shape.push_back(x.sizes()[d]);
  return r.reshape(shape);
}

// ArgMax / ArgMin: the first extremum along `axis`, or with select_last_index the last.
Tensor argExtremum(const Node &n, bool maximum) {
  Tensor x = n.in(0);
  if (x.dtype() == kBool) x = x.to(kInt32);
  int64_t rank = x.dim(), axis = n.axis(n.i("axis", 0), rank);
  bool keep = n.i("keepdims", 1) != 0;
  // The first minimum is the first maximum of the negation.
  if (!n.i("select_last_index", 0)) return (maximum ? x : neg(x)).argmax(axis, keep);
  // The largest index at which the slice reaches its extremum.
  Tensor extremum = maximum ? x.amax({axis}, true) : x.amin({axis}, true);
  std::vector<int64_t> along(rank, 1);
  along[axis] = x.sizes()[axis];
  Tensor index = arange(x.sizes()[axis], TensorOptions(kInt64)).reshape(along);
  return where(x == extremum, index, full({}, -1, kInt64)).amax({axis}, keep);
}

// CumSum and CumProd along `axis` as a log-step scan: after step s every element has folded
// in the 2^s elements before it (shifted copies padded with the identity), so log2(n) whole
// tensor ops rather than n. `exclusive` shifts by one first; `reverse` runs from the end.
Tensor cumulative(const Node &n, bool product) {
  Tensor x = n.in(0);
  std::vector<int64_t> axisValue = n.values(1);
  if (axisValue.size() != 1) n.fail("axis must be one value");
  int64_t axis = n.axis(axisValue[0], x.dim());
  int64_t size = x.sizes()[axis];
  if (size == 0) return x;
  Tensor order = arange(size - 1, -1, -1, TensorOptions(kInt64));
  bool reverse = n.i("reverse", 0) != 0;
  if (reverse) x = index_select(x, axis, order);
  // x shifted `by` places along the axis, the first `by` filled with the identity.
  auto shifted = [&](const Tensor &t, int64_t by) {
    std::vector<int64_t> fill = sizesOf(t);
    fill[axis] = std::min(by, size);
    Tensor identity = product ? ones(fill, t.dtype()) : zeros(fill, t.dtype());
    if (by >= size) return identity;
    return cat({identity, t.narrow(axis, 0, size - by)}, axis);
  };
  if (n.i("exclusive", 0)) x = shifted(x, 1);
  for (int64_t by = 1; by < size; by *= 2) x = product ? x * shifted(x, by) : x + shifted(x, by);
  if (reverse) x = index_select(x, axis, order);
  return x;
}

}  // namespace

void addReduceHandlers(std::unordered_map<std::string, Handler> &h) {
  h["ReduceSum"] = [](const Node &n) {
    return one(reduce(n, 13, [](const Tensor &x, std::vector<int64_t> d, bool k) { return sumAs(x, d, k, x.dtype()); }));
  };
  h["ReduceMean"] = [](const Node &n) {
    return one(reduce(n, 18, [](const Tensor &x, std::vector<int64_t> d, bool k) {
      if (isFloatingType(x.dtype())) return x.mean(d, k);
      return x.to(kFloat64).mean(d, k).to(x.dtype());
    }));
  };
  // ONNX defines the maximum of nothing as -inf (minimum: +inf); torch, and so fusor's
  // amax, make it an error. Empty inputs are filled here instead.
  auto extremum = [](bool maximum) {
    return [maximum](const Tensor &x, std::vector<int64_t> d, bool k) {
      if (x.numel() != 0) return maximum ? x.amax(d, k) : x.amin(d, k);
      return full(sizesOf(x.sum(d, k)), maximum ? -INFINITY : INFINITY, x.dtype());
    };
  };
  h["ReduceMax"] = [extremum](const Node &n) { return one(reduce(n, 18, extremum(true))); };
  h["ReduceMin"] = [extremum](const Node &n) { return one(reduce(n, 18, extremum(false))); };
  h["ReduceProd"] = [](const Node &n) { return one(reduce(n, 18, prodOver)); };
  h["ReduceSumSquare"] = [](const Node &n) {
    return one(reduce(n, 18, [](const Tensor &x, std::vector<int64_t> d, bool k) { return sumAs(x * x, d, k, x.dtype()); }));
  };
  h["ReduceL1"] = [](const Node &n) {
    return one(reduce(n, 18, [](const Tensor &x, std::vector<int64_t> d, bool k) { return sumAs(abs(x), d, k, x.dtype()); }));
  };
  h["ReduceL2"] = [](const Node &n) {
    return one(reduce(n, 18, [](const Tensor &x, std::vector<int64_t> d, bool k) {
      Tensor squares = x.to(kFloat64);
      return sqrt(sumAs(squares * squares, d, k, kFloat64)).to(x.dtype());
    }));
  };
  h["ReduceLogSum"] = [](const Node &n) {
    return one(reduce(n, 18, [](const Tensor &x, std::vector<int64_t> d, bool k) { return log(sumAs(x, d, k, x.dtype())); }));
  };
  // log(sum(exp(x))) = m + log(sum(exp(x - m))) with m the maximum, so exp cannot overflow;
  // an all -inf (or empty) slice takes m = 0 and gives log(0) = -inf.
  h["ReduceLogSumExp"] = [](const Node &n) {
    return one(reduce(n, 18, [](const Tensor &x, std::vector<int64_t> d, bool k) {
      if (x.numel() == 0) return log(sumAs(x, d, k, x.dtype()));
      Tensor m = x.amax(d, true);
      m = where(m == -INFINITY, zeros({}, x.dtype()), m);
      Tensor r = log(sumAs(exp(x - m), d, true, x.dtype())) + m;
      return k ? r : sumAs(r, d, false, x.dtype());  // drops the kept size-1 dims
    }));
  };
  // X / sqrt(mean(X^2 over dims axis..) + epsilon), computed in float32 (stash_type 1) or the
  // input's type, cast back, then times scale.
  h["RMSNormalization"] = [](const Node &n) {
    Tensor x = n.in(0);
    int64_t rank = x.dim(), axis = n.axis(n.i("axis", -1), rank);
    std::vector<int64_t> dims;
    for (int64_t d = axis; d < rank; ++d) dims.push_back(d);
    Tensor wide = n.i("stash_type", 1) == 1 ? x.to(kFloat32) : x;
    Tensor normalized = wide * rsqrt((wide * wide).mean(dims, true) + static_cast<double>(n.f("epsilon", 1e-5f)));
    return one(normalized.to(x.dtype()) * n.in(1));
  };
  h["LpNormalization"] = [](const Node &n) {
    Tensor x = n.in(0);
    int64_t axis = n.axis(n.i("axis", -1), x.dim()), p = n.i("p", 2);
    if (p != 1 && p != 2) n.fail("p must be 1 or 2, not " + std::to_string(p));
    Tensor norm = p == 1 ? abs(x).sum({axis}, true) : sqrt((x * x).sum({axis}, true));
    return one(where(norm == 0.0, zeros({}, x.dtype()), x / norm));  // a zero vector stays 0
  };
  // 1 at the first maximum along axis, 0 elsewhere.
  h["Hardmax"] = [](const Node &n) {
    Tensor x = n.in(0);
    int64_t rank = x.dim(), axis = n.axis(n.i("axis", -1), rank);
    std::vector<int64_t> along(rank, 1);
    along[axis] = x.sizes()[axis];
    Tensor index = arange(x.sizes()[axis], TensorOptions(kInt64)).reshape(along);
    return one((index == x.argmax(axis, true)).to(x.dtype()));
  };
  h["CumSum"] = [](const Node &n) { return one(cumulative(n, false)); };
  h["CumProd"] = [](const Node &n) { return one(cumulative(n, true)); };
  h["ArgMax"] = [](const Node &n) { return one(argExtremum(n, true)); };
  h["ArgMin"] = [](const Node &n) { return one(argExtremum(n, false)); };
}

}  // namespace fusor::onnx
