#include "fusor/nn/Module.h"

#include "../Trace.h"
#include "../autograd/GradGraph.h"
#include "../jit/Recorder.h"

namespace fusor::nn {

Tensor Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
  trace::check(tensor, "register_parameter", Where::current());
  if (requires_grad) tensor.requires_grad_(true);
  parameters_.push_back({std::move(name), tensor});
  return tensor;
}

Tensor Module::register_buffer(std::string name, Tensor tensor) {
  buffers_.push_back({std::move(name), tensor});
  return tensor;
}

void Module::addChild(std::string name, std::shared_ptr<Module> child) {
  children_.push_back({std::move(name), std::move(child)});
}

void Module::collect(const std::string &prefix, bool recurse, bool wantBuffers,
                     std::vector<std::pair<std::string, Tensor>> &out) const {
  for (const auto &[name, t] : wantBuffers ? buffers_ : parameters_) out.push_back({prefix + name, t});
  if (!recurse) return;
  for (const auto &[name, child] : children_) child->collect(prefix + name + ".", true, wantBuffers, out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", recurse, false, out);
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto &[name, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(bool recurse) const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", recurse, true, out);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto &[name, t] : named_buffers(recurse)) out.push_back(t);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto &[name, child] : children_) out.push_back(child);
  return out;
}

void Module::train(bool on) {
  training_ = on;
  for (const auto &[name, child] : children_) child->train(on);
}

bool Module::is_training() const {
  // A traced step (fusor::jit) is traced again when a module it asked changes mode.
  if (jitrec::active()) {
    // A module not owned by a shared_ptr (on the stack) must outlive the jit function, as the
    // function's own references to it must.
    std::weak_ptr<const Module> self = weak_from_this();
    bool shared = !self.expired(), was = training_;
    const Module *module = this;
    jitrec::guard("a module's train/eval mode", [self, shared, module, was] {
      if (!shared) return module->training_ == was;
      auto m = self.lock();
      return m && m->training_ == was;
    }, this);
  }
  return training_;
}

void Module::zero_grad(bool set_to_none) { autograd::zeroGrads(parameters(), set_to_none); }

}  // namespace fusor::nn
