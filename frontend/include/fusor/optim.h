// fusor::optim: SGD, Adam and AdamW, as libtorch's. step() traces the update (under no grad)
// and applies it in place, so parameters keep their identity; nothing runs until a value is
// read, and then the update is computed in the same program as the rest of the step.
#pragma once

#include <tuple>
#include <vector>

#include "fusor/Tensor.h"

namespace fusor::optim {

using Betas = std::tuple<double, double>;

#define FUSOR_OPTION(T, name)                                  \
  auto &name(const T &value) { name##_ = value; return *this; } \
  const T &name() const { return name##_; }                    \
  T name##_

struct SGDOptions {
  SGDOptions(double lr) : lr_(lr) {}
  FUSOR_OPTION(double, lr);
  FUSOR_OPTION(double, momentum) = 0;
  FUSOR_OPTION(double, dampening) = 0;
  FUSOR_OPTION(double, weight_decay) = 0;
  FUSOR_OPTION(bool, nesterov) = false;
};

struct AdamOptions {
  AdamOptions(double lr = 1e-3) : lr_(lr) {}
  FUSOR_OPTION(double, lr);
  FUSOR_OPTION(Betas, betas) = {0.9, 0.999};
  FUSOR_OPTION(double, eps) = 1e-8;
  FUSOR_OPTION(double, weight_decay) = 0;
};

struct AdamWOptions {
  AdamWOptions(double lr = 1e-3) : lr_(lr) {}
  FUSOR_OPTION(double, lr);
  FUSOR_OPTION(Betas, betas) = {0.9, 0.999};
  FUSOR_OPTION(double, eps) = 1e-8;
  FUSOR_OPTION(double, weight_decay) = 1e-2;
};

#undef FUSOR_OPTION

class Optimizer {
 public:
  explicit Optimizer(std::vector<Tensor> params);
  virtual ~Optimizer() = default;
  virtual void step() = 0;
  // Forgets (set_to_none) or zeroes the parameters' gradients.
  void zero_grad(bool set_to_none = true);
  const std::vector<Tensor> &parameters() const { return params_; }

 protected:
  std::vector<Tensor> params_;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options);
  void step() override;
  SGDOptions options;

 private:
  std::vector<Tensor> momentum_;
};

// Adam and AdamW (decoupled weight decay).
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options);
  void step() override;
  AdamOptions options;

 protected:
  Adam(std::vector<Tensor> params, AdamOptions options, bool decoupled);

 private:
  bool decoupled_ = false;
  // The step count as a tensor per device (as torch's capturable Adam): a traced step
  // (fusor::jit) advances it at each replay.
  std::vector<std::pair<Device, Tensor>> steps_;
  std::vector<Tensor> exp_avg_, exp_avg_sq_;
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, AdamWOptions options);
};

}  // namespace fusor::optim
