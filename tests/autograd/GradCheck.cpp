#include "GradCheck.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace fusor::testing {
namespace {

std::mt19937_64 &rng() {
  static std::mt19937_64 g(1234);
  return g;
}

std::vector<int64_t> sizesOf(const Tensor &t) { return {t.sizes().begin(), t.sizes().end()}; }

Tensor withValues(const std::vector<double> &v, const Tensor &like) { return from_vector(v, sizesOf(like)); }

double dot(const std::vector<double> &a, const std::vector<double> &b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// <v, f(inputs)> as a double.
double weighted(const Function &f, const std::vector<Tensor> &inputs, const std::vector<double> &v) {
  NoGradGuard guard;
  return dot(f(inputs).to_vector<double>(), v);
}

std::vector<Tensor> leaves(const std::vector<Tensor> &inputs) {
  std::vector<Tensor> out;
  for (const Tensor &t : inputs) {
    Tensor leaf = t.detach();
    if (isFloatingType(t.dtype())) leaf.requires_grad_();
    out.push_back(leaf);
  }
  return out;
}

bool close(double actual, double expected, const GradCheckOptions &o) {
  return std::abs(actual - expected) <= o.atol + o.rtol * std::abs(expected);
}

}  // namespace

Tensor randomDouble(std::vector<int64_t> shape, double scale, double shift) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::normal_distribution<double> normal;
  std::vector<double> v(n);
  for (double &x : v) x = normal(rng()) * scale + shift;
  return from_vector(v, shape);
}

void gradcheck(const Function &f, const std::vector<Tensor> &inputs, const std::string &what,
               GradCheckOptions o) {
  std::vector<Tensor> x = leaves(inputs);
  Tensor y = f(x);
  ASSERT_EQ(y.dtype(), kFloat64) << what;
  std::vector<double> v(y.numel());
  std::normal_distribution<double> normal;
  for (double &e : v) e = normal(rng());
  std::vector<Tensor> diff;
  for (const Tensor &t : x)
    if (t.requires_grad()) diff.push_back(t);
  std::vector<Tensor> grads =
      autograd::grad({y}, diff, {withValues(v, y)}, std::nullopt, false, /*allow_unused=*/true);
  size_t k = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!x[i].requires_grad()) continue;
    const Tensor &g = grads[k++];
    std::vector<double> analytic = g.defined() ? g.to_vector<double>() : std::vector<double>(x[i].numel(), 0.0);
    ASSERT_EQ(static_cast<int64_t>(analytic.size()), x[i].numel()) << what << " input " << i;
    std::vector<double> base = x[i].to_vector<double>();
    auto evaluate = [&](const std::vector<double> &values) {
      std::vector<Tensor> probe = x;
      probe[i] = withValues(values, x[i]);
      return weighted(f, probe, v);
    };
    if (x[i].numel() <= o.elementwiseLimit) {
      for (int64_t e = 0; e < x[i].numel(); ++e) {
        std::vector<double> plus = base, minus = base;
        plus[e] += o.eps;
        minus[e] -= o.eps;
        double numeric = (evaluate(plus) - evaluate(minus)) / (2 * o.eps);
        EXPECT_TRUE(close(analytic[e], numeric, o))
            << what << ": d/d input " << i << " element " << e << ": autograd " << analytic[e]
            << ", finite differences " << numeric;
      }
    }
    // <J u, v> (a directional finite difference) against <u, J^T v> (autograd).
    std::vector<double> u(base.size()), plus = base, minus = base;
    for (size_t e = 0; e < u.size(); ++e) {
      u[e] = normal(rng());
      plus[e] += o.eps * u[e];
      minus[e] -= o.eps * u[e];
    }
    double jvp = (evaluate(plus) - evaluate(minus)) / (2 * o.eps);
    double vjp = dot(u, analytic);
    EXPECT_TRUE(close(vjp, jvp, o)) << what << ": <J u, v> = " << jvp << " but <u, J^T v> = " << vjp
                                    << " for input " << i;
  }
}

void gradgradcheck(const Function &f, const std::vector<Tensor> &inputs, const std::string &what,
                   GradCheckOptions o) {
  Tensor y0;
  {
    NoGradGuard guard;
    y0 = f(inputs);
  }
  Tensor v = randomDouble(sizesOf(y0));
  // The first derivative, as a function of the inputs, summed against a fixed weight.
  Function first = [&](const std::vector<Tensor> &in) {
    std::vector<Tensor> x;
    for (const Tensor &t : in) {
      if (t.requires_grad()) {
        x.push_back(t);
      } else {
        Tensor leaf = t.detach();
        if (isFloatingType(t.dtype())) leaf.requires_grad_();
        x.push_back(leaf);
      }
    }
    std::vector<Tensor> diff;
    for (const Tensor &t : x)
      if (t.requires_grad()) diff.push_back(t);
    AutoGradMode on(true);
    Tensor y = f(x);
    std::vector<Tensor> g = autograd::grad({y}, diff, {v}, true, true, true);
    Tensor total;
    for (const Tensor &gi : g) {
      if (!gi.defined()) continue;
      Tensor flat = gi.reshape({-1});
      total = total.defined() ? cat({total, flat}) : flat;
    }
    return total;
  };
  gradcheck(first, inputs, what + " (second order)", o);
}

std::string errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const Error &e) {
    return e.what();
  }
  return "no error";
}

}  // namespace fusor::testing
