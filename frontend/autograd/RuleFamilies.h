// The gradient rules by family, and the helpers they share (internal to autograd/).
#pragma once

#include "Rules.h"

namespace fusor::autograd {

struct RuleArgs {
  const OpNode &node;
  const Tensor &grad;
  const std::vector<Tensor> &inputs;
  const Tensor &output;
  const Where &where;  // the forward op's: backward ops point at the user's line too
  // Whether input `i` wants a gradient (rules skip the others).
  bool needs(size_t input) const;
  template <typename A>
  const A &attrs() const { return std::get<A>(node.output->attrs); }
};

std::vector<Tensor> elementwiseGradients(const RuleArgs &a);
std::vector<Tensor> reductionGradients(const RuleArgs &a);  // and matmul
std::vector<Tensor> movementGradients(const RuleArgs &a);
std::vector<Tensor> windowGradients(const RuleArgs &a);

std::vector<int64_t> sizesOf(const Tensor &t);
// `t` with stride-1 zeros inserted between elements along `dim` (the adjoint of a strided slice).
Tensor zeroInsert(const Tensor &t, int64_t dim, int64_t stride, const Where &w);

}  // namespace fusor::autograd
