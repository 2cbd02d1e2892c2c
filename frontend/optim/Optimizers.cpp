#include <cmath>

#include "../Trace.h"
#include "../autograd/GradGraph.h"
#include "fusor/Autograd.h"
#include "fusor/Functions.h"
#include "fusor/optim.h"

namespace fusor::optim {
namespace {

// A step-dependent number as a rank-0 tensor holding it (a program input), not a literal: a
// literal is compiled into the kernel, so a new value would compile a new program each step.
Tensor stepValue(double value, const Tensor &like) {
  return from_vector<double>({value}, {}).to(like.dtype()).to(like.device());
}

}  // namespace

Optimizer::Optimizer(std::vector<Tensor> params) : params_(std::move(params)) {
  for (const Tensor &p : params_)
    if (!p.defined() || !p.requires_grad() || !p.is_leaf())
      throwError("fusor::optim: every parameter must be a leaf tensor that requires grad", Where::current());
}

void Optimizer::zero_grad(bool set_to_none) { autograd::zeroGrads(params_, set_to_none); }

SGD::SGD(std::vector<Tensor> params, SGDOptions o) : Optimizer(std::move(params)), options(o) {
  momentum_.resize(params_.size());
}

void SGD::step() {
  NoGradGuard guard;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor &p = params_[i];
    if (!p.grad().defined()) continue;
    Tensor g = p.grad();
    if (options.weight_decay() != 0) g = add(g, mul(p, options.weight_decay()));
    if (options.momentum() != 0) {
      Tensor &buf = momentum_[i];
      if (!buf.defined()) buf = Tensor(g.node());
      else buf.mul_(options.momentum()).add_(g, 1 - options.dampening());
      g = options.nesterov() ? add(g, mul(buf, options.momentum())) : buf;
    }
    p.sub_(g, options.lr());
  }
}

Adam::Adam(std::vector<Tensor> params, AdamOptions o) : Adam(std::move(params), o, false) {}

Adam::Adam(std::vector<Tensor> params, AdamOptions o, bool decoupled)
    : Optimizer(std::move(params)), options(o), decoupled_(decoupled) {
  exp_avg_.resize(params_.size());
  exp_avg_sq_.resize(params_.size());
}

AdamW::AdamW(std::vector<Tensor> params, AdamWOptions o)
    : Adam(std::move(params),
           AdamOptions(o.lr()).betas(o.betas()).eps(o.eps()).weight_decay(o.weight_decay()), true) {}

void Adam::step() {
  NoGradGuard guard;
  ++steps_;
  auto [beta1, beta2] = options.betas();
  double correction1 = 1 - std::pow(beta1, static_cast<double>(steps_));
  double correction2 = 1 - std::pow(beta2, static_cast<double>(steps_));
  Tensor scale, variance;  // made once per dtype and device the parameters have
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor &p = params_[i];
    if (!p.grad().defined()) continue;
    Tensor g = p.grad();
    if (options.weight_decay() != 0) {
      if (decoupled_) p.mul_(1 - options.lr() * options.weight_decay());
      else g = add(g, mul(p, options.weight_decay()));
    }
    Tensor &m = exp_avg_[i], &v = exp_avg_sq_[i];
    if (!m.defined()) {
      m = zeros_like(p);
      v = zeros_like(p);
    }
    m.mul_(beta1).add_(g, 1 - beta1);
    v.mul_(beta2).add_(mul(g, g), 1 - beta2);
    // p -= lr / c1 * m / (sqrt(v / c2) + eps), with c1 and c2 as program inputs.
    if (!scale.defined() || scale.dtype() != p.dtype() || scale.device() != p.device()) {
      scale = stepValue(options.lr() / correction1, p);
      variance = stepValue(correction2, p);
    }
    Tensor denom = add(sqrt(div(v, variance)), options.eps());
    p.sub_(mul(div(m, denom), scale));
  }
}

}  // namespace fusor::optim
