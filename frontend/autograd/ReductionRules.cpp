// Gradients of reductions and matmul.
#include <algorithm>

#include "RuleFamilies.h"
#include "../Trace.h"
#include "fusor/Functions.h"

namespace fusor::autograd {
namespace {

// A reduced tensor with its reduced dims back (as size 1), so it broadcasts against the input.
Tensor keep(const Tensor &t, const ir::ReduceAttrs &r, const Where &w) {
  if (r.keepdim) return t;
  Tensor k = t;
  for (int64_t d : r.dims) k = k.unsqueeze(d, w);  // dims are sorted
  return k;
}

Tensor reduceKept(ir::OpKind op, const Tensor &x, const std::vector<int64_t> &dims, const Where &w) {
  shape::Shape shape = shape::reduce(x.sizes(), dims, true).shape;
  Tensor t = trace::make(op, x.dtype(), std::move(shape), {x}, w);
  t.node()->attrs = ir::ReduceAttrs{dims, true};
  return t;
}

Tensor reductionGradient(const RuleArgs &a) {
  using K = ir::OpKind;
  const Tensor &x = a.inputs[0];
  const Where &w = a.where;
  const auto &r = a.attrs<ir::ReduceAttrs>();
  Tensor g = keep(a.grad, r, w);
  switch (a.node.op) {
    case K::ReduceSum: return g.expand(sizesOf(x), w);
    case K::ReduceMean: {
      int64_t count = 1;
      for (int64_t d : r.dims) count *= x.sizes()[d];
      return div(g, static_cast<double>(count), w).expand(sizesOf(x), w);
    }
    case K::ReduceMax: case K::ReduceMin: {
      // Ties share the gradient evenly, as torch's amax/amin.
      Tensor mask = eq(x, keep(a.output, r, w), w).to(x.dtype(), w);
      return mul(mask, div(g, sum(mask, r.dims, true, w), w), w);
    }
    case K::ReduceProd: {
      // Products of the other elements, also where the input has zeros (as torch).
      Tensor zero = zeros_like(x, w);
      Tensor isZero = eq(x, zero, w);
      Tensor safe = where(isZero, ones_like(x, w), x, w);
      Tensor zeroCount = sum(isZero.to(x.dtype(), w), r.dims, true, w);
      Tensor noZeros = div(mul(g, keep(a.output, r, w), w), safe, w);
      Tensor atTheZero = mul(g, reduceKept(K::ReduceProd, safe, r.dims, w), w);
      Tensor one = eq(zeroCount, ones_like(zeroCount, w), w);
      return where(eq(zeroCount, zeros_like(zeroCount, w), w), noZeros,
                   where(logical_and(one, isZero, w), atTheZero, zero, w), w);
    }
    default: break;
  }
  throwInternalError(std::string("no reduction gradient rule for ") + ir::opName(a.node.op));
}

// torch.matmul's gradients: 1-D operands act as a row (lhs) or column (rhs) vector, and
// broadcast batch dims are summed back.
std::vector<Tensor> matmulGradients(const RuleArgs &r) {
  const Where &w = r.where;
  const Tensor &a = r.inputs[0], &b = r.inputs[1];
  Tensor a2 = a.dim() == 1 ? a.unsqueeze(0, w) : a;
  Tensor b2 = b.dim() == 1 ? b.unsqueeze(1, w) : b;
  Tensor g = r.grad;
  if (a.dim() == 1) g = g.unsqueeze(b.dim() == 1 ? 0 : g.dim() - 1, w);
  if (b.dim() == 1) g = g.unsqueeze(g.dim(), w);
  Tensor ga, gb;
  if (r.needs(0)) ga = reduceTo(matmul(g, b2.transpose(-1, -2, w), w), a2.sizes()).reshape(sizesOf(a), w);
  if (r.needs(1) && b2.dim() == 2 && a2.dim() > 2) {
    // A matrix applied to a batch (a linear layer on [batch, seq, features]): one GEMM over
    // all rows, not a product per batch summed afterwards.
    int64_t k = a2.size(-1), n = g.size(-1);
    gb = matmul(a2.reshape({-1, k}, w).transpose(0, 1, w), g.reshape({-1, n}, w), w).reshape(sizesOf(b), w);
  } else if (r.needs(1)) {
    gb = reduceTo(matmul(a2.transpose(-1, -2, w), g, w), b2.sizes()).reshape(sizesOf(b), w);
  }
  return {ga, gb};
}

}  // namespace

std::vector<Tensor> reductionGradients(const RuleArgs &a) {
  if (a.node.op == ir::OpKind::Matmul) return matmulGradients(a);
  return {reductionGradient(a)};
}

}  // namespace fusor::autograd
