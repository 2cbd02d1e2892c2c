// Layers, as libtorch's: Linear, Conv2d, BatchNorm2d, LayerNorm, Embedding, Dropout, ReLU,
// Tanh, Sigmoid, GELU, Sequential. Parameters start as torch's do (kaiming uniform for Linear and Conv2d).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "fusor/nn/Module.h"

namespace fusor::nn {

// Fluent option setters that read back when called without an argument, as libtorch's.
#define FUSOR_ARG(T, name)                                   \
  auto &name(const T &value) { name##_ = value; return *this; } \
  const T &name() const { return name##_; }                  \
  T name##_

struct LinearOptions {
  LinearOptions(int64_t in, int64_t out) : in_features_(in), out_features_(out) {}
  FUSOR_ARG(int64_t, in_features);
  FUSOR_ARG(int64_t, out_features);
  FUSOR_ARG(bool, bias) = true;
};

class LinearImpl : public Module {
 public:
  LinearImpl(int64_t in, int64_t out) : LinearImpl(LinearOptions(in, out)) {}
  explicit LinearImpl(LinearOptions options);
  Tensor forward(const Tensor &x);
  LinearOptions options;
  Tensor weight, bias;
};
FUSOR_MODULE(Linear);

struct Conv2dOptions {
  Conv2dOptions(int64_t in, int64_t out, std::vector<int64_t> kernel_size)
      : in_channels_(in), out_channels_(out), kernel_size_(std::move(kernel_size)) {}
  Conv2dOptions(int64_t in, int64_t out, int64_t kernel_size) : Conv2dOptions(in, out, std::vector<int64_t>{kernel_size, kernel_size}) {}
  FUSOR_ARG(int64_t, in_channels);
  FUSOR_ARG(int64_t, out_channels);
  FUSOR_ARG(std::vector<int64_t>, kernel_size);
  FUSOR_ARG(std::vector<int64_t>, stride) = {1, 1};
  FUSOR_ARG(std::vector<int64_t>, padding) = {0, 0};
  FUSOR_ARG(std::vector<int64_t>, dilation) = {1, 1};
  FUSOR_ARG(int64_t, groups) = 1;
  FUSOR_ARG(bool, bias) = true;
  // One number for both dims, as libtorch's ExpandingArray takes.
  auto &stride(int64_t s) { return stride({s, s}); }
  auto &padding(int64_t p) { return padding({p, p}); }
  auto &dilation(int64_t d) { return dilation({d, d}); }
};

class Conv2dImpl : public Module {
 public:
  Conv2dImpl(int64_t in, int64_t out, int64_t kernel_size) : Conv2dImpl(Conv2dOptions(in, out, kernel_size)) {}
  explicit Conv2dImpl(Conv2dOptions options);
  Tensor forward(const Tensor &x);
  Conv2dOptions options;
  Tensor weight, bias;
};
FUSOR_MODULE(Conv2d);

struct BatchNormOptions {
  BatchNormOptions(int64_t features) : num_features_(features) {}
  FUSOR_ARG(int64_t, num_features);
  FUSOR_ARG(double, eps) = 1e-5;
  FUSOR_ARG(double, momentum) = 0.1;
  FUSOR_ARG(bool, affine) = true;
};

// Training mode normalizes by the batch's statistics and updates the running ones (unbiased
// variance, as torch); eval mode uses the running statistics.
class BatchNorm2dImpl : public Module {
 public:
  BatchNorm2dImpl(int64_t features) : BatchNorm2dImpl(BatchNormOptions(features)) {}
  explicit BatchNorm2dImpl(BatchNormOptions options);
  Tensor forward(const Tensor &x);
  BatchNormOptions options;
  Tensor weight, bias, running_mean, running_var;
};
FUSOR_MODULE(BatchNorm2d);

struct LayerNormOptions {
  LayerNormOptions(std::vector<int64_t> shape) : normalized_shape_(std::move(shape)) {}
  FUSOR_ARG(std::vector<int64_t>, normalized_shape);
  FUSOR_ARG(double, eps) = 1e-5;
  FUSOR_ARG(bool, elementwise_affine) = true;
};

class LayerNormImpl : public Module {
 public:
  LayerNormImpl(std::vector<int64_t> shape) : LayerNormImpl(LayerNormOptions(std::move(shape))) {}
  explicit LayerNormImpl(LayerNormOptions options);
  Tensor forward(const Tensor &x);
  LayerNormOptions options;
  Tensor weight, bias;
};
FUSOR_MODULE(LayerNorm);

// A lookup table: indices (int64, any shape) -> rows of `weight` [num_embeddings, dim],
// initialized N(0, 1).
class EmbeddingImpl : public Module {
 public:
  EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim);
  Tensor forward(const Tensor &indices);
  Tensor weight;
};
FUSOR_MODULE(Embedding);

class DropoutImpl : public Module {
 public:
  explicit DropoutImpl(double p = 0.5) : p(p) {}
  Tensor forward(const Tensor &x);
  double p;
};
FUSOR_MODULE(Dropout);

class ReLUImpl : public Module {
 public:
  Tensor forward(const Tensor &x);
};
FUSOR_MODULE(ReLU);

class TanhImpl : public Module {
 public:
  Tensor forward(const Tensor &x);
};
FUSOR_MODULE(Tanh);

class SigmoidImpl : public Module {
 public:
  Tensor forward(const Tensor &x);
};
FUSOR_MODULE(Sigmoid);

class GELUImpl : public Module {
 public:
  explicit GELUImpl(std::string approximate = "none") : approximate(std::move(approximate)) {}
  Tensor forward(const Tensor &x);
  std::string approximate;
};
FUSOR_MODULE(GELU);

// Modules applied in order; each needs forward(const Tensor &) -> Tensor.
class SequentialImpl : public Module {
 public:
  SequentialImpl() = default;
  template <typename... Holders>
  explicit SequentialImpl(Holders &&...modules) {
    (push_back(std::forward<Holders>(modules)), ...);
  }
  template <typename Holder>
  void push_back(Holder holder) {
    auto impl = holder.ptr();
    register_module(std::to_string(layers_.size()), impl);
    layers_.push_back([impl](const Tensor &x) { return impl->forward(x); });
  }
  Tensor forward(const Tensor &x);
  size_t size() const { return layers_.size(); }

 private:
  std::vector<std::function<Tensor(const Tensor &)>> layers_;
};
FUSOR_MODULE(Sequential);

#undef FUSOR_ARG

}  // namespace fusor::nn
