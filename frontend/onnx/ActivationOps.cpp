// ONNX elementwise activations and predicates that are compositions of fusor ops.
#include <cmath>

#include "Node.h"
#include "fusor/Functions.h"

namespace fusor::onnx {
namespace {

Tensor constantLike(const Tensor &x, double v) { return scalar_tensor(v, x.dtype()); }

Tensor hardSigmoid(const Tensor &x, double alpha, double beta) {
  return minimum(maximum(x * alpha + beta, constantLike(x, 0)), constantLike(x, 1));
}

// log(1 + exp(x)), written so that large x does not overflow exp.
Tensor softplus(const Tensor &x) { return where(x > 20.0, x, log(exp(minimum(x, constantLike(x, 20))) + 1.0)); }

}  // namespace

void addActivationHandlers(std::unordered_map<std::string, Handler> &h) {
  h["HardSigmoid"] = [](const Node &n) { return one(hardSigmoid(n.in(0), n.f("alpha", 0.2f), n.f("beta", 0.5f))); };
  h["HardSwish"] = [](const Node &n) { Tensor x = n.in(0); return one(x * hardSigmoid(x, 1.0 / 6, 0.5)); };
  h["Elu"] = [](const Node &n) {
    Tensor x = n.in(0);
    return one(where(x < 0.0, (exp(x) - 1.0) * n.f("alpha", 1.0f), x));
  };
  h["Celu"] = [](const Node &n) {
    Tensor x = n.in(0);
    double alpha = n.f("alpha", 1.0f);
    return one(maximum(x, constantLike(x, 0)) + minimum((exp(x / alpha) - 1.0) * alpha, constantLike(x, 0)));
  };
  h["Selu"] = [](const Node &n) {
    Tensor x = n.in(0);
    double alpha = n.f("alpha", 1.67326319217681884765625f), gamma = n.f("gamma", 1.05070102214813232421875f);
    return one(where(x > 0.0, x, exp(x) * alpha - alpha) * gamma);
  };
  h["ThresholdedRelu"] = [](const Node &n) {
    Tensor x = n.in(0);
    return one(where(x > static_cast<double>(n.f("alpha", 1.0f)), x, constantLike(x, 0)));
  };
  h["Softplus"] = [](const Node &n) { return one(softplus(n.in(0))); };
  h["Softsign"] = [](const Node &n) { Tensor x = n.in(0); return one(x / (abs(x) + 1.0)); };
  h["Mish"] = [](const Node &n) { Tensor x = n.in(0); return one(x * tanh(softplus(x))); };
  h["Shrink"] = [](const Node &n) {
    Tensor x = n.in(0);
    double bias = n.f("bias", 0.0f), lambd = n.f("lambd", 0.5f);
    return one(where(x < -lambd, x + bias, where(x > lambd, x - bias, constantLike(x, 0))));
  };
  h["PRelu"] = [](const Node &n) {
    Tensor x = n.in(0);
    return one(where(x < 0.0, x * n.in(1), x));
  };
  h["Sign"] = [](const Node &n) {
    Tensor x = n.in(0);
    return one(where(x > 0, constantLike(x, 1), where(x < 0, constantLike(x, -1), constantLike(x, 0))));
  };
  h["IsNaN"] = [](const Node &n) { Tensor x = n.in(0); return one(x != x); };
  h["IsInf"] = [](const Node &n) {
    Tensor x = n.in(0);
    Tensor found = zeros(sizesOf(x), kBool);
    if (n.i("detect_positive", 1)) found = logical_or(found, x == INFINITY);
    if (n.i("detect_negative", 1)) found = logical_or(found, x == -INFINITY);
    return one(found);
  };
  h["Tan"] = [](const Node &n) { Tensor x = n.in(0); return one(sin(x) / cos(x)); };
  h["Sinh"] = [](const Node &n) { Tensor x = n.in(0); return one((exp(x) - exp(-x)) * 0.5); };
  h["Cosh"] = [](const Node &n) { Tensor x = n.in(0); return one((exp(x) + exp(-x)) * 0.5); };
}

}  // namespace fusor::onnx
