// The autograd graph: what backward walks. Each recorded op that produces a floating-point
// tensor from an input that requires grad gets a GradNode; its edges lead to the GradNodes
// of its inputs, ending at the AccumulateGrad node of each leaf. Gradient rules trace
// ordinary tensor ops, so a backward pass is more recorded graph, compiled with the forward.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fusor/Tensor.h"

namespace fusor::autograd {

struct GradNode;
using Edge = std::shared_ptr<GradNode>;

// A tensor's autograd state (TensorImpl::autograd; absent for tensors that need none).
struct Meta {
  bool requiresGrad = false;  // a leaf the user marked
  Edge gradFn;                // how a non-leaf was computed
  Edge accumulator;           // a leaf's AccumulateGrad, made when first used
  Tensor grad;
  bool retainsGrad = false;
};

// A value an op saved for its backward, with where gradient through it would flow (for
// create_graph) and the version of its tensor then (for torch's in-place check).
struct SavedTensor {
  ir::NodePtr value;
  Edge edge;
  bool isOutput = false;  // the user's own output: its edge is the user (not held: a cycle)
  std::weak_ptr<TensorImpl> owner;
  uint64_t version = 0;
  bool checked = false;  // the rule reads it, so an in-place change since is an error
};

struct GradNode : std::enable_shared_from_this<GradNode> {
  virtual ~GradNode() = default;
  // Gradients for each input (undefined where none flows), given the output's gradient.
  virtual std::vector<Tensor> apply(const Tensor &grad) = 0;
  // Drops what backward needed (backward without retain_graph).
  virtual void release() { released = true; }

  std::string name;  // the op, as errors and grad_fn_name show it
  Where location;
  std::vector<Edge> next;  // per input; null where no gradient flows
  bool released = false;
  // Non-leaf tensors that retain their gradient while this node computes them.
  std::vector<std::weak_ptr<TensorImpl>> retainers;
};

// A leaf's end of the graph: adds incoming gradients into its grad().
struct AccumulateGrad : GradNode {
  std::weak_ptr<TensorImpl> leaf;
  std::vector<Tensor> apply(const Tensor &) override { return {}; }
  void release() override {}
};

// Thread-local grad mode (NoGradGuard turns it off).
bool gradEnabled();

// Whether `t` takes part in autograd (requires grad as a leaf or through its gradFn).
bool requiresGrad(const Tensor &t);
// The edge gradient of `t` flows into: its gradFn, or its leaf accumulator (made on demand);
// null when `t` does not require grad.
Edge edgeOf(const Tensor &t);
Meta &metaOf(const Tensor &t);

// Records the gradient of a traced op: called by trace::make for every new node.
void recordOp(const Tensor &output, const std::vector<Tensor> &inputs, const Where &where);

// Attaches `node` (inputs' edges already set) as the gradFn of `output`, if grad mode is on
// and some input requires grad.
void attach(const Tensor &output, std::shared_ptr<GradNode> node, const std::vector<Tensor> &inputs);

// A GradNode whose gradient is a function of the output's gradient and saved tensors (for
// ops not recorded as one IR op, such as device copies, and composites whose decomposition
// has a worse backward).
using GradientFunction =
    std::function<std::vector<Tensor>(const Tensor &grad, const std::vector<Tensor> &saved)>;
struct FunctionNode : GradNode {
  GradientFunction fn;
  std::vector<SavedTensor> saved;
  std::vector<Tensor> apply(const Tensor &grad) override;
  void release() override;
};
// Makes `output` (computed from `inputs`) differentiable by `fn`, if grad mode is on and an
// input requires grad; `saved` are handed to `fn` unpacked.
void attachFunction(const Tensor &output, const std::vector<Tensor> &inputs, std::string name,
                    const std::vector<Tensor> &saved, GradientFunction fn, const Where &where);

// Forgets (setToNone) or zeroes the gradients of `params` (Module's and Optimizer's zero_grad).
void zeroGrads(const std::vector<Tensor> &params, bool setToNone);

// Saves `t` for a backward rule (`checked`: an in-place change of it is an error later).
SavedTensor save(const Tensor &t, bool checked);
// The saved value as a tensor whose gradient flows back where `t`'s did; throws torch's
// error if the tensor was changed in place since.
Tensor unpack(const SavedTensor &s, const GradNode &user);

}  // namespace fusor::autograd
