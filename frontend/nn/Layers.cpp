// The layers of fusor/nn/Modules.h.
#include <cmath>

#include "fusor/Autograd.h"
#include "fusor/nn/Functional.h"
#include "fusor/nn/Modules.h"

namespace fusor::nn {
namespace {

// U(-bound, bound): torch's kaiming_uniform_(a = sqrt(5)) for weights and its bias rule both
// come to bound = 1 / sqrt(fan_in).
// Scaled on the host: a compiled program per layer shape would cost more than it saves.
Tensor uniform(std::vector<int64_t> shape, double bound) {
  std::vector<float> values = rand(shape).to_vector<float>();
  for (float &v : values) v = static_cast<float>((2 * v - 1) * bound);
  return from_vector(values, std::move(shape));
}

}  // namespace

LinearImpl::LinearImpl(LinearOptions o) : options(std::move(o)) {
  double bound = 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(options.in_features(), 1)));
  weight = register_parameter("weight", uniform({options.out_features(), options.in_features()}, bound));
  if (options.bias()) bias = register_parameter("bias", uniform({options.out_features()}, bound));
}

Tensor LinearImpl::forward(const Tensor &x) { return linear(x, weight, bias); }

Conv2dImpl::Conv2dImpl(Conv2dOptions o) : options(std::move(o)) {
  const auto &k = options.kernel_size();
  int64_t fanIn = options.in_channels() / options.groups() * k.at(0) * k.at(1);
  double bound = 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(fanIn, 1)));
  weight = register_parameter(
      "weight", uniform({options.out_channels(), options.in_channels() / options.groups(), k[0], k[1]}, bound));
  if (options.bias()) bias = register_parameter("bias", uniform({options.out_channels()}, bound));
}

Tensor Conv2dImpl::forward(const Tensor &x) {
  return conv2d(x, weight, bias, options.stride(), options.padding(), options.dilation(), options.groups());
}

BatchNorm2dImpl::BatchNorm2dImpl(BatchNormOptions o) : options(std::move(o)) {
  int64_t c = options.num_features();
  if (options.affine()) {
    weight = register_parameter("weight", ones({c}));
    bias = register_parameter("bias", zeros({c}));
  }
  running_mean = register_buffer("running_mean", zeros({c}));
  running_var = register_buffer("running_var", ones({c}));
}

Tensor BatchNorm2dImpl::forward(const Tensor &x) {
  if (!is_training()) return batch_norm(x, running_mean, running_var, weight, bias, options.eps());
  std::vector<int64_t> dims = {0, 2, 3};
  Tensor mean = x.mean(dims, true);
  Tensor centered = x - mean;
  Tensor var = (centered * centered).mean(dims, true);
  Tensor y = centered * rsqrt(var + options.eps());
  int64_t c = options.num_features();
  if (weight.defined()) y = y * weight.reshape({1, c, 1, 1}) + bias.reshape({1, c, 1, 1});
  {
    NoGradGuard guard;
    double n = static_cast<double>(x.numel() / c), m = options.momentum();
    running_mean.mul_(1 - m).add_(mean.reshape({c}) * m);
    running_var.mul_(1 - m).add_(var.reshape({c}) * (m * n / std::max(n - 1, 1.0)));
  }
  return y;
}

LayerNormImpl::LayerNormImpl(LayerNormOptions o) : options(std::move(o)) {
  if (options.elementwise_affine()) {
    weight = register_parameter("weight", ones(options.normalized_shape()));
    bias = register_parameter("bias", zeros(options.normalized_shape()));
  }
}

Tensor LayerNormImpl::forward(const Tensor &x) {
  return layer_norm(x, options.normalized_shape(), weight, bias, options.eps());
}

EmbeddingImpl::EmbeddingImpl(int64_t num, int64_t dim) {
  Tensor w = randn({num, dim});
  weight = register_parameter("weight", w);
}

Tensor EmbeddingImpl::forward(const Tensor &indices) { return index_select(weight, 0, indices); }

Tensor DropoutImpl::forward(const Tensor &x) { return functional::dropout(x, p, is_training()); }
Tensor ReLUImpl::forward(const Tensor &x) { return relu(x); }
Tensor TanhImpl::forward(const Tensor &x) { return tanh(x); }
Tensor SigmoidImpl::forward(const Tensor &x) { return sigmoid(x); }
Tensor GELUImpl::forward(const Tensor &x) { return gelu(x, approximate); }

Tensor SequentialImpl::forward(const Tensor &x) {
  Tensor y = x;
  for (const auto &layer : layers_) y = layer(y);
  return y;
}

}  // namespace fusor::nn
