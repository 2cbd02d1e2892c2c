// Dispatch of gradient rules by op, what each rule reads, and helpers the rules share.
#include "Rules.h"

#include "RuleFamilies.h"
#include "../Trace.h"
#include "fusor/Functions.h"

namespace fusor::autograd {

Reads readsOf(ir::OpKind op) {
  using K = ir::OpKind;
  switch (op) {
    case K::Exp: case K::Tanh: case K::Sigmoid: case K::Sqrt: case K::Rsqrt: case K::Relu:
      return {0, true};
    case K::Abs: case K::Log: case K::Silu: case K::Gelu: case K::Sin: case K::Cos: case K::Erf:
    case K::Cast: case K::MaxPool2d:
      return {1, false};
    case K::Mul: case K::Div: case K::Max: case K::Min: case K::Matmul: case K::Conv2d:
      return {3, false};
    case K::Pow:
      return {3, true};
    case K::ReduceMax: case K::ReduceMin: case K::ReduceProd:
      return {1, true};
    case K::Select:
      return {1, false};
    case K::IndexSelect: case K::Gather:
      return {2, false};
    default:
      return {0, false};
  }
}

std::vector<Tensor> gradients(const OpNode &node, const Tensor &grad,
                              const std::vector<Tensor> &inputs, const Tensor &output) {
  RuleArgs args{node, grad, inputs, output, node.location};
  using K = ir::OpKind;
  switch (node.op) {
#define FUSOR_UNARY(Kind, mnemonic, function, Rule) case K::Kind:
#define FUSOR_BINARY(Kind, mnemonic, function, Rule) case K::Kind:
#include "fusor/ir/Ops.def"
    case K::Select:
    case K::Cast:
      return elementwiseGradients(args);
    case K::ReduceSum: case K::ReduceMean: case K::ReduceMax: case K::ReduceMin: case K::ReduceProd:
    case K::Matmul:
      return reductionGradients(args);
    case K::Reshape: case K::Transpose: case K::BroadcastTo: case K::Slice: case K::Concat:
    case K::Pad: case K::IndexSelect: case K::Gather:
      return movementGradients(args);
    case K::Conv2d: case K::MaxPool2d: case K::AvgPool2d:
      return windowGradients(args);
    case K::Buffer: case K::Scalar: case K::Argmax:
      break;
  }
  throwInternalError(std::string("no gradient rule for ") + ir::opName(node.op));
}

Tensor reduceTo(const Tensor &grad, std::span<const int64_t> shape) {
  std::vector<int64_t> target(shape.begin(), shape.end());
  if (std::equal(grad.sizes().begin(), grad.sizes().end(), target.begin(), target.end())) return grad;
  int64_t lead = grad.dim() - static_cast<int64_t>(target.size());
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < grad.dim(); ++d)
    if (d < lead || (target[d - lead] == 1 && grad.sizes()[d] != 1)) dims.push_back(d);
  Tensor summed = dims.empty() ? grad : sum(grad, dims, true);
  return summed.reshape(target);
}

bool RuleArgs::needs(size_t input) const {
  return input < node.next.size() && node.next[input] != nullptr;
}

std::vector<int64_t> sizesOf(const Tensor &t) { return {t.sizes().begin(), t.sizes().end()}; }

Tensor zeroInsert(const Tensor &t, int64_t dim, int64_t stride, const Where &w) {
  if (stride == 1 || t.sizes()[dim] == 0) return t;
  std::vector<int64_t> split = sizesOf(t);
  int64_t n = split[dim];
  split.insert(split.begin() + dim + 1, 1);
  std::vector<int64_t> low(split.size(), 0), high(split.size(), 0);
  high[dim + 1] = stride - 1;
  std::vector<int64_t> merged = sizesOf(t);
  merged[dim] = n * stride;
  return trace::padConstant(t.reshape(split, w), low, high, 0, w).reshape(merged, w).slice(dim, 0, (n - 1) * stride + 1, 1, w);
}

}  // namespace fusor::autograd
