#include <algorithm>
#include <cmath>

#include "../Trace.h"
#include "../autograd/GradGraph.h"
#include "../jit/Recorder.h"
#include "fusor/Autograd.h"
#include "fusor/Functions.h"
#include "fusor/optim.h"

namespace fusor::optim {
namespace {

// Hyperparameters as rank-0 program inputs (see jitrec::hostNumber), one per dtype and device
// the parameters have, read when step() runs and again at each replay of a traced step.
class Numbers {
 public:
  Tensor get(int which, const std::function<double()> &value, const Tensor &like) {
    for (const auto &[key, t] : made_)
      if (key == which && t.dtype() == like.dtype() && t.device() == like.device()) return t;
    made_.push_back({which, jitrec::hostNumber(value, like)});
    return made_.back().second;
  }

 private:
  std::vector<std::pair<int, Tensor>> made_;
};

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
  // Options that choose the ops: a traced step is traced again when they change.
  SGDOptions seen = options;
  jitrec::guard("SGD's momentum, dampening, nesterov or weight decay", [this, seen] {
    return options.momentum() == seen.momentum() && options.dampening() == seen.dampening() &&
           options.nesterov() == seen.nesterov() && (options.weight_decay() == 0) == (seen.weight_decay() == 0);
  });
  Numbers numbers;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor &p = params_[i];
    if (!p.grad().defined()) continue;
    Tensor g = p.grad();
    if (options.weight_decay() != 0)
      g = add(g, mul(p, numbers.get(0, [this] { return options.weight_decay(); }, p)));
    if (options.momentum() != 0) {
      Tensor &buf = momentum_[i];
      if (!buf.defined()) buf = Tensor(g.node());
      else buf.mul_(options.momentum()).add_(g, 1 - options.dampening());
      g = options.nesterov() ? add(g, mul(buf, options.momentum())) : buf;
    }
    p.sub_(mul(g, numbers.get(1, [this] { return options.lr(); }, p)));
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
  AdamOptions seen = options;
  jitrec::guard("Adam's betas, eps or weight decay", [this, seen] {
    return options.betas() == seen.betas() && options.eps() == seen.eps() &&
           (options.weight_decay() == 0) == (seen.weight_decay() == 0);
  });
  auto [beta1, beta2] = options.betas();
  // The step count, advanced once per device the parameters are on.
  auto stepOn = [&](const Device &device) -> Tensor & {
    for (auto &[d, t] : steps_)
      if (d == device) return t;
    steps_.push_back({device, zeros({}, TensorOptions(kFloat64).device(device))});
    return steps_.back().second;
  };
  std::vector<Device> advanced;
  for (const Tensor &p : params_) {
    if (!p.grad().defined() || std::find(advanced.begin(), advanced.end(), p.device()) != advanced.end()) continue;
    advanced.push_back(p.device());
    stepOn(p.device()).add_(1);
  }
  Numbers numbers;
  // p -= lr / c1 * m / (sqrt(v / c2) + eps) with c = 1 - beta^step, all computed in the program.
  std::vector<std::pair<Tensor, Tensor>> corrections;  // (lr / c1, c2) per dtype and device
  auto correctionsFor = [&](const Tensor &p) {
    for (const auto &c : corrections)
      if (c.first.dtype() == p.dtype() && c.first.device() == p.device()) return c;
    const Tensor &step = stepOn(p.device());
    Tensor lr = numbers.get(0, [this] { return options.lr(); }, step);
    Tensor c1 = neg(sub(exp(mul(step, std::log(beta1))), 1));
    Tensor c2 = neg(sub(exp(mul(step, std::log(beta2))), 1));
    corrections.push_back({div(lr, c1).to(p.dtype()), c2.to(p.dtype())});
    return corrections.back();
  };
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor &p = params_[i];
    if (!p.grad().defined()) continue;
    Tensor g = p.grad();
    if (options.weight_decay() != 0) {
      if (decoupled_)
        p.mul_(numbers.get(1, [this] { return 1 - options.lr() * options.weight_decay(); }, p));
      else
        g = add(g, mul(p, numbers.get(2, [this] { return options.weight_decay(); }, p)));
    }
    Tensor &m = exp_avg_[i], &v = exp_avg_sq_[i];
    if (!m.defined()) {
      m = zeros_like(p);
      v = zeros_like(p);
    }
    m.mul_(beta1).add_(g, 1 - beta1);
    v.mul_(beta2).add_(mul(g, g), 1 - beta2);
    auto [scale, variance] = correctionsFor(p);
    Tensor denom = add(sqrt(div(v, variance)), options.eps());
    p.sub_(mul(div(m, denom), scale));
  }
}

}  // namespace fusor::optim
