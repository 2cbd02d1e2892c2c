// Gradients of ops that move data: reshape, transpose, broadcast, slice, concat, pad, and
// indexing (whose adjoint scatter-adds, written here as a one-hot product).
#include "RuleFamilies.h"
#include "../Trace.h"
#include "fusor/Functions.h"

namespace fusor::autograd {
namespace {

// One-hot rows of `index` (any shape, int) over `size` classes, as `dtype`: shape index+[size].
// Negative indices count from the end, as the forward ops read them.
Tensor oneHot(const Tensor &index, int64_t size, DType dtype, const Where &w) {
  Tensor idx = index.to(kInt64, w);
  idx = where(lt(idx, zeros_like(idx, w), w), add(idx, size, w), idx, w);
  Tensor classes = arange(size, TensorOptions(kInt64).device(index.device()), w);
  return eq(idx.unsqueeze(-1, w), classes, w).to(dtype, w);
}

// `t` with its last dim moved to `position`.
Tensor moveLastTo(const Tensor &t, int64_t position, const Where &w) {
  std::vector<int64_t> perm;
  for (int64_t d = 0; d + 1 < t.dim(); ++d) {
    if (d == position) perm.push_back(t.dim() - 1);
    perm.push_back(d);
  }
  if (position == t.dim() - 1) perm.push_back(t.dim() - 1);
  return t.permute(perm, w);
}

Tensor sliceGradient(const RuleArgs &a) {
  const Tensor &x = a.inputs[0];
  const Where &w = a.where;
  const auto &s = a.attrs<ir::SliceAttrs>();
  if (a.grad.numel() == 0) return zeros_like(x, w);
  Tensor g = a.grad;
  std::vector<int64_t> low(x.dim()), high(x.dim());
  for (int64_t d = 0; d < x.dim(); ++d) {
    g = zeroInsert(g, d, s.steps[d], w);
    low[d] = s.starts[d];
    high[d] = x.sizes()[d] - s.starts[d] - g.sizes()[d];
  }
  return trace::padConstant(g, low, high, 0, w);
}

Tensor indexSelectGradient(const RuleArgs &a) {
  const Tensor &x = a.inputs[0], &index = a.inputs[1];
  const Where &w = a.where;
  int64_t dim = a.attrs<ir::DimAttrs>().dim;
  int64_t before = 1, after = 1, n = index.numel(), size = x.sizes()[dim];
  for (int64_t d = 0; d < dim; ++d) before *= x.sizes()[d];
  for (int64_t d = dim + 1; d < x.dim(); ++d) after *= x.sizes()[d];
  if (n == 0) return zeros_like(x, w);
  // [before, n, after] -> [before, after, n] @ [n, size] -> [before, size, after]
  Tensor g = a.grad.reshape({before, n, after}, w).transpose(1, 2, w);
  Tensor hot = oneHot(index.reshape({n}, w), size, x.dtype(), w);
  return matmul(g, hot, w).transpose(1, 2, w).reshape(sizesOf(x), w);
}

Tensor gatherGradient(const RuleArgs &a) {
  const Tensor &x = a.inputs[0], &index = a.inputs[1];
  const Where &w = a.where;
  int64_t dim = a.attrs<ir::DimAttrs>().dim;
  if (a.grad.numel() == 0) return zeros_like(x, w);
  // hot[..., i, j, ...] = index[..., i, ...] == j; summed over i against the gradient.
  Tensor hot = moveLastTo(oneHot(index, x.sizes()[dim], x.dtype(), w), dim + 1, w);
  Tensor scattered = sum(mul(hot, a.grad.unsqueeze(dim + 1, w), w), {dim}, false, w);
  std::vector<int64_t> low(x.dim(), 0), high(x.dim(), 0);
  for (int64_t d = 0; d < x.dim(); ++d) high[d] = x.sizes()[d] - scattered.sizes()[d];
  return trace::padConstant(scattered, low, high, 0, w);
}

}  // namespace

std::vector<Tensor> movementGradients(const RuleArgs &a) {
  using K = ir::OpKind;
  const Tensor &g = a.grad, &x = a.inputs[0];
  const Where &w = a.where;
  switch (a.node.op) {
    case K::Reshape: return {g.reshape(sizesOf(x), w)};
    case K::Transpose: {
      const auto &perm = a.attrs<ir::TransposeAttrs>().perm;
      std::vector<int64_t> inverse(perm.size());
      for (size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = static_cast<int64_t>(i);
      return {g.permute(inverse, w)};
    }
    case K::BroadcastTo: return {reduceTo(g, x.sizes())};
    case K::Slice: return {sliceGradient(a)};
    case K::Concat: {
      int64_t dim = a.attrs<ir::DimAttrs>().dim, offset = 0;
      std::vector<Tensor> out;
      for (size_t i = 0; i < a.inputs.size(); ++i) {
        int64_t n = a.inputs[i].sizes()[dim];
        out.push_back(a.needs(i) ? g.slice(dim, offset, offset + n, 1, w) : Tensor());
        offset += n;
      }
      return out;
    }
    case K::Pad: {
      const auto &p = a.attrs<ir::PadAttrs>();
      Tensor r = g;
      for (int64_t d = 0; d < x.dim(); ++d) r = r.slice(d, p.low[d], p.low[d] + x.sizes()[d], 1, w);
      return {r};
    }
    case K::IndexSelect: return {indexSelectGradient(a), Tensor()};
    case K::Gather: return {gatherGradient(a), Tensor()};
    default: break;
  }
  throwInternalError(std::string("no gradient rule for ") + ir::opName(a.node.op));
}

}  // namespace fusor::autograd
