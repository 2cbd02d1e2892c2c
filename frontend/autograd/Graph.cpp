// Autograd state of tensors: grad mode, metadata, saving values and recording ops.
#include "GradGraph.h"
#include "Rules.h"
#include "../Trace.h"
#include "../jit/Recorder.h"
#include "fusor/Autograd.h"

namespace fusor {

TensorImpl::TensorImpl(ir::NodePtr n) : node(std::move(n)) {}
TensorImpl::~TensorImpl() = default;

Tensor::Tensor(ir::NodePtr node) : impl_(std::make_shared<TensorImpl>(std::move(node))) {
  jitrec::created(impl_);
}

namespace {
thread_local bool gradModeEnabled = true;
}  // namespace

bool GradMode::is_enabled() { return gradModeEnabled; }
void GradMode::set_enabled(bool enabled) { gradModeEnabled = enabled; }

namespace autograd {

bool gradEnabled() { return gradModeEnabled; }

Meta &metaOf(const Tensor &t) {
  std::unique_ptr<Meta> &m = t.impl()->autograd;
  if (!m) m = std::make_unique<Meta>();
  return *m;
}

bool requiresGrad(const Tensor &t) {
  const Meta *m = t.defined() ? t.impl()->autograd.get() : nullptr;
  return m && (m->requiresGrad || m->gradFn);
}

Edge edgeOf(const Tensor &t) {
  if (!requiresGrad(t)) return nullptr;
  Meta &m = metaOf(t);
  if (m.gradFn) return m.gradFn;
  if (!m.accumulator) {
    auto acc = std::make_shared<AccumulateGrad>();
    acc->name = "AccumulateGrad";
    acc->location = t.node()->location;
    acc->leaf = t.impl();
    m.accumulator = acc;
  }
  return m.accumulator;
}

SavedTensor save(const Tensor &t, bool checked) {
  SavedTensor s;
  s.value = t.node();
  s.edge = edgeOf(t);
  s.owner = t.impl();
  s.version = t.impl()->version;
  s.checked = checked;
  return s;
}

namespace {
std::string at(const Where &where) {
  return std::string(where.file_name()) + ":" + std::to_string(where.line());
}
}  // namespace

Tensor unpack(const SavedTensor &s, const GradNode &user) {
  if (!s.value)
    throwError("fusor::backward: trying to backward through the graph a second time: the values " +
                   user.name + " (at " + at(user.location) +
                   ") saved were freed by an earlier backward; pass retain_graph=true to it",
               user.location);
  if (s.checked) {
    auto owner = s.owner.lock();
    if (owner && owner->version != s.version)
      throwError("fusor::backward: one of the tensors needed for gradient computation has been "
                     "modified by an in-place operation: an input or output of " + user.name +
                     " (at " + at(user.location) + ") is at version " +
                     std::to_string(owner->version) + ", expected version " +
                     std::to_string(s.version),
                 user.location);
  }
  Tensor t(s.value);
  Edge edge = s.isOutput ? std::const_pointer_cast<GradNode>(user.shared_from_this()) : s.edge;
  if (edge) metaOf(t).gradFn = std::move(edge);
  return t;
}

void attach(const Tensor &output, std::shared_ptr<GradNode> node, const std::vector<Tensor> &inputs) {
  for (const Tensor &in : inputs) node->next.push_back(edgeOf(in));
  Meta &m = metaOf(output);
  m.gradFn = std::move(node);
}

namespace {
bool anyRequiresGrad(const std::vector<Tensor> &inputs) {
  for (const Tensor &in : inputs)
    if (requiresGrad(in)) return true;
  return false;
}
}  // namespace

void recordOp(const Tensor &output, const std::vector<Tensor> &inputs, const Where &where) {
  if (!gradModeEnabled || !isFloatingType(output.dtype()) || !anyRequiresGrad(inputs)) return;
  auto node = std::make_shared<OpNode>();
  node->op = output.node()->op;
  node->name = ir::opName(node->op) + 6;  // "fusor.mul" -> "mul"
  node->location = where;
  node->output = output.node();
  Reads reads = readsOf(node->op);
  for (size_t i = 0; i < inputs.size(); ++i) node->inputs.push_back(save(inputs[i], reads.inputs >> i & 1));
  node->result.value = output.node();
  node->result.isOutput = true;
  node->result.owner = output.impl();
  node->result.checked = reads.output;
  attach(output, std::move(node), inputs);
}

std::vector<Tensor> FunctionNode::apply(const Tensor &grad) {
  std::vector<Tensor> values;
  for (const SavedTensor &s : saved) values.push_back(unpack(s, *this));
  return fn(grad, values);
}

void FunctionNode::release() {
  GradNode::release();
  for (SavedTensor &s : saved) s.value = nullptr;
}

void attachFunction(const Tensor &output, const std::vector<Tensor> &inputs, std::string name,
                    const std::vector<Tensor> &saved, GradientFunction fn, const Where &where) {
  if (!gradModeEnabled || !anyRequiresGrad(inputs)) return;
  auto node = std::make_shared<FunctionNode>();
  node->name = std::move(name);
  node->location = where;
  node->fn = std::move(fn);
  for (const Tensor &s : saved) node->saved.push_back(save(s, true));
  attach(output, std::move(node), inputs);
}

std::vector<Tensor> OpNode::apply(const Tensor &grad) {
  std::vector<Tensor> in;
  for (const SavedTensor &s : inputs) in.push_back(unpack(s, *this));
  return gradients(*this, grad, in, unpack(result, *this));
}

// Values the rule reads are dropped; the others stay for their shapes (an op like add can be
// differentiated again, as in torch).
void OpNode::release() {
  GradNode::release();
  for (SavedTensor &s : inputs)
    if (s.checked) s.value = nullptr;
  if (result.checked) result.value = nullptr;
}

}  // namespace autograd
}  // namespace fusor
