// Gradients of elementwise ops: unary, binary (reduced back over broadcast dims), select, cast.
#include <cmath>

#include "RuleFamilies.h"
#include "fusor/Functions.h"

namespace fusor::autograd {
namespace {

Tensor zerosLike(const Tensor &t, const Where &w) { return zeros_like(t, w); }

Tensor unaryGradient(const RuleArgs &a) {
  using K = ir::OpKind;
  const Tensor &g = a.grad, &x = a.inputs[0], &y = a.output;
  const Where &w = a.where;
  switch (a.node.op) {
    case K::Neg: return neg(g, w);
    case K::Abs: return where(gt(x, zerosLike(x, w), w), g, where(lt(x, zerosLike(x, w), w), neg(g, w), zerosLike(g, w), w), w);
    case K::Relu: return where(gt(y, zerosLike(y, w), w), g, zerosLike(g, w), w);
    case K::Exp: return mul(g, y, w);
    case K::Log: return div(g, x, w);
    case K::Sqrt: return div(g, mul(y, 2.0), w);
    case K::Rsqrt: return mul(g, mul(mul(y, y, w), y, w) * -0.5, w);
    case K::Tanh: return mul(g, sub(ones_like(y, w), mul(y, y, w), w), w);
    case K::Sigmoid: return mul(g, mul(y, sub(ones_like(y, w), y, w), w), w);
    case K::Silu: {
      Tensor s = sigmoid(x, w);
      return mul(g, mul(s, add(ones_like(x, w), mul(x, sub(ones_like(s, w), s, w), w), w), w), w);
    }
    case K::Gelu: {
      if (std::get<ir::GeluAttrs>(a.node.output->attrs).tanh) {
        // d/dx of 0.5 x (1 + tanh(k (x + c x^3))), as torch computes it.
        const double k = std::sqrt(2.0 / M_PI), c = 0.044715;
        Tensor x2 = mul(x, x, w);
        Tensor t = tanh(mul(add(x, mul(x2, x, w) * c, w), k), w);
        Tensor left = mul(add(t, 1.0), 0.5);
        Tensor right = mul(mul(x, sub(ones_like(t, w), mul(t, t, w), w), w),
                           mul(add(mul(x2, 3 * c), 1.0), 0.5 * k), w);
        return mul(g, add(left, right, w), w);
      }
      Tensor cdf = mul(add(erf(mul(x, M_SQRT1_2), w), 1.0), 0.5);
      Tensor pdf = mul(exp(mul(mul(x, x, w), -0.5), w), 0.5 * M_2_SQRTPI * M_SQRT1_2);
      return mul(g, add(cdf, mul(x, pdf, w), w), w);
    }
    case K::Sin: return mul(g, cos(x, w), w);
    case K::Cos: return neg(mul(g, sin(x, w), w), w);
    case K::Erf: return mul(g, mul(exp(neg(mul(x, x, w), w), w), M_2_SQRTPI), w);
    case K::Floor: case K::Ceil: return zerosLike(g, w);
    default: break;
  }
  throwInternalError(std::string("no unary gradient rule for ") + ir::opName(a.node.op));
}

// d(a op b)/da and /db at full (broadcast) shape; a side not needed stays undefined.
std::pair<Tensor, Tensor> binaryGradient(const RuleArgs &r) {
  using K = ir::OpKind;
  const Tensor &g = r.grad, &a = r.inputs[0], &b = r.inputs[1];
  const Where &w = r.where;
  bool na = r.needs(0), nb = r.needs(1);
  switch (r.node.op) {
    case K::Add: return {g, g};
    case K::Sub: return {g, nb ? neg(g, w) : Tensor()};
    case K::Mul: return {na ? mul(g, b, w) : Tensor(), nb ? mul(g, a, w) : Tensor()};
    case K::Div:
      return {na ? div(g, b, w) : Tensor(), nb ? neg(div(mul(g, a, w), mul(b, b, w), w), w) : Tensor()};
    case K::Pow: {
      Tensor ga, gb;
      Tensor zero = zerosLike(g, w);
      if (na) ga = where(eq(b, zerosLike(b, w), w), zero, mul(g, mul(b, pow(a, sub(b, 1.0), w), w), w), w);
      if (nb) {
        Tensor base0 = logical_and(eq(a, zerosLike(a, w), w), ge(b, zerosLike(b, w), w), w);
        gb = where(base0, zero, mul(g, mul(r.output, log(a, w), w), w), w);
      }
      return {ga, gb};
    }
    case K::Max: case K::Min: {
      // Ties split the gradient, as torch's maximum/minimum.
      bool isMax = r.node.op == K::Max;
      Tensor half = where(eq(a, b, w), mul(g, 0.5), g, w);
      Tensor zero = zerosLike(g, w);
      Tensor aLoses = isMax ? lt(a, b, w) : gt(a, b, w);
      Tensor bLoses = isMax ? gt(a, b, w) : lt(a, b, w);
      return {na ? where(aLoses, zero, half, w) : Tensor(), nb ? where(bLoses, zero, half, w) : Tensor()};
    }
    default: break;
  }
  throwInternalError(std::string("no binary gradient rule for ") + ir::opName(r.node.op));
}

}  // namespace

std::vector<Tensor> elementwiseGradients(const RuleArgs &a) {
  using K = ir::OpKind;
  const Where &w = a.where;
  if (a.node.op == K::Cast) return {a.grad.to(a.inputs[0].dtype(), w)};
  if (a.node.op == K::Select) {
    const Tensor &cond = a.inputs[0], &g = a.grad;
    Tensor zero = zerosLike(g, w);
    return {Tensor(),
            a.needs(1) ? reduceTo(where(cond, g, zero, w), a.inputs[1].sizes()) : Tensor(),
            a.needs(2) ? reduceTo(where(cond, zero, g, w), a.inputs[2].sizes()) : Tensor()};
  }
  if (a.inputs.size() == 1) return {unaryGradient(a)};
  auto [ga, gb] = binaryGradient(a);
  return {ga.defined() && a.needs(0) ? reduceTo(ga, a.inputs[0].sizes()) : Tensor(),
          gb.defined() && a.needs(1) ? reduceTo(gb, a.inputs[1].sizes()) : Tensor()};
}

}  // namespace fusor::autograd
