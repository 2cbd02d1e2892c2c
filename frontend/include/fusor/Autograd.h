// Autograd: grad mode, and gradients of tensors with respect to others (torch::autograd).
#pragma once

#include <optional>
#include <vector>

#include "fusor/Tensor.h"

namespace fusor {

// Whether ops record gradients (per thread; on unless a NoGradGuard is alive).
struct GradMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

// Sets grad mode for its lifetime, then restores the previous mode.
class AutoGradMode {
 public:
  explicit AutoGradMode(bool enabled) : previous_(GradMode::is_enabled()) { GradMode::set_enabled(enabled); }
  ~AutoGradMode() { GradMode::set_enabled(previous_); }
  AutoGradMode(const AutoGradMode &) = delete;
  AutoGradMode &operator=(const AutoGradMode &) = delete;

 private:
  bool previous_;
};

// No gradients recorded while it lives (optimizer updates, evaluation), as torch::NoGradGuard.
class NoGradGuard : public AutoGradMode {
 public:
  NoGradGuard() : AutoGradMode(false) {}
};

namespace autograd {

// Gradients of `outputs` (weighted by `grad_outputs`, ones for scalars when empty) with
// respect to `inputs`, returned rather than accumulated into grad(). retain_graph defaults to
// create_graph; with create_graph the results are themselves differentiable. An input that
// no output depends on is an error unless allow_unused (it then gets an undefined tensor).
std::vector<Tensor> grad(const std::vector<Tensor> &outputs, const std::vector<Tensor> &inputs,
                         const std::vector<Tensor> &grad_outputs = {},
                         std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                         bool allow_unused = false, Where where = Where::current());

// Accumulates the gradients of `tensors` into the grad() of the leaves they depend on.
void backward(const std::vector<Tensor> &tensors, const std::vector<Tensor> &grad_tensors = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
              Where where = Where::current());

}  // namespace autograd
}  // namespace fusor
