// Gradient rules, one per graph op (ir::OpKind): how the gradient of an op's output becomes
// gradients of its inputs, written with the traced tensor API.
#pragma once

#include "GradGraph.h"

namespace fusor::autograd {

// The GradNode of one recorded op. Attributes are read from `output`, which keeps them when
// it is realized; the op kind is kept here because realizing changes the node's.
struct OpNode : GradNode {
  ir::OpKind op;
  ir::NodePtr output;
  std::vector<SavedTensor> inputs;
  SavedTensor result;
  std::vector<Tensor> apply(const Tensor &grad) override;
  void release() override;
};

// Which inputs (bit i for input i) and whether the output an op's rule reads: those are the
// tensors whose in-place change before backward is an error, as in torch.
struct Reads {
  uint32_t inputs = 0;
  bool output = false;
};
Reads readsOf(ir::OpKind op);

// The input gradients of `node` for output gradient `grad`, given its inputs and output.
std::vector<Tensor> gradients(const OpNode &node, const Tensor &grad,
                              const std::vector<Tensor> &inputs, const Tensor &output);

// `grad` summed down to `shape` (undoing broadcasting).
Tensor reduceTo(const Tensor &grad, std::span<const int64_t> shape);

}  // namespace fusor::autograd
