// fusor::nn::Module and module holders, as libtorch's: a module owns named parameters,
// buffers and submodules; a holder (Linear, ...) is a shared handle whose call runs forward.
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "fusor/Tensor.h"

namespace fusor::nn {

class Module : public std::enable_shared_from_this<Module> {
 public:
  virtual ~Module() = default;

  // Registers `tensor` as a parameter (requiring grad unless told otherwise) and returns it.
  Tensor register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  // State that is saved but not trained (batch norm's running statistics).
  Tensor register_buffer(std::string name, Tensor tensor);
  template <typename M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
    addChild(std::move(name), module);
    return module;
  }
  template <typename Holder>
    requires requires(Holder h) { h.ptr(); }
  Holder register_module(std::string name, Holder holder) {
    addChild(std::move(name), holder.ptr());
    return holder;
  }

  // Parameters of this module and (recurse) its submodules, in registration order; names
  // are dotted paths ("0.weight", "fc1.bias").
  std::vector<Tensor> parameters(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;

  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const;
  // Forgets (set_to_none) or zeroes every parameter's gradient.
  void zero_grad(bool set_to_none = true);

 private:
  void addChild(std::string name, std::shared_ptr<Module> child);
  void collect(const std::string &prefix, bool recurse, bool wantBuffers,
               std::vector<std::pair<std::string, Tensor>> &out) const;
  std::vector<std::pair<std::string, Tensor>> parameters_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// A shared handle to a module implementation: `Linear lin(2, 3); lin(x); lin->weight`.
template <typename Impl>
class ModuleHolder {
 public:
  ModuleHolder()
    requires std::is_default_constructible_v<Impl>
      : impl_(std::make_shared<Impl>()) {}
  ModuleHolder(std::nullptr_t) {}
  ModuleHolder(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  template <typename First, typename... Rest>
    requires(!std::is_same_v<std::decay_t<First>, ModuleHolder> &&
             !std::is_same_v<std::decay_t<First>, std::shared_ptr<Impl>> &&
             !std::is_same_v<std::decay_t<First>, std::nullptr_t> &&
             std::is_constructible_v<Impl, First, Rest...>)
  explicit ModuleHolder(First &&first, Rest &&...rest)
      : impl_(std::make_shared<Impl>(std::forward<First>(first), std::forward<Rest>(rest)...)) {}

  Impl *operator->() const { return impl_.get(); }
  Impl &operator*() const { return *impl_; }
  const std::shared_ptr<Impl> &ptr() const { return impl_; }
  bool is_empty() const { return impl_ == nullptr; }

  template <typename... Args>
  decltype(auto) operator()(Args &&...args) const {
    return impl_->forward(std::forward<Args>(args)...);
  }

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace fusor::nn

// Declares the holder `Name` of `NameImpl`, as TORCH_MODULE.
#define FUSOR_MODULE(Name)                                      \
  class Name : public ::fusor::nn::ModuleHolder<Name##Impl> {   \
   public:                                                      \
    using ::fusor::nn::ModuleHolder<Name##Impl>::ModuleHolder;  \
  }
