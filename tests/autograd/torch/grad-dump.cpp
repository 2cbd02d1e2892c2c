// fusor-grad-dump DIR: for each case below, writes its inputs, an upstream weight `w`, fusor's
// output and fusor's gradients of sum(output * w) as .npy files into DIR, for
// compare_grads.py to check against PyTorch's autograd (not run in CI: it needs torch).
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "fusor/Npy.h"
#include "fusor/fusor.h"

using namespace fusor;
namespace F = fusor::nn::functional;

namespace {

struct Case {
  std::string name;
  std::vector<Tensor> inputs;  // f64; the differentiated ones require grad
  std::function<Tensor(const std::vector<Tensor> &)> f;
};

Tensor r(std::vector<int64_t> shape, double scale = 1.0, double shift = 0.0) {
  return (randn(std::move(shape), kFloat64) * scale + shift).requires_grad_();
}
Tensor ints(std::vector<int64_t> values, std::vector<int64_t> shape) { return from_vector(values, shape); }

std::vector<Case> cases() {
  return {
      {"gelu", {r({3, 7})}, [](auto &x) { return gelu(x[0]); }},
      {"gelu_tanh", {r({3, 7})}, [](auto &x) { return gelu(x[0], "tanh"); }},
      {"tanh_sigmoid", {r({5}), r({1, 5})}, [](auto &x) { return tanh(x[0]) * sigmoid(x[1]); }},
      {"log_sqrt", {r({4, 3}, 0.3, 2.0)}, [](auto &x) { return log(x[0]) + sqrt(x[0]); }},
      {"div_pow", {r({2, 3, 1}), r({3, 4}, 0.2, 2.0)}, [](auto &x) { return pow(div(x[0], x[1]), 3); }},
      {"maximum_where", {r({6}), r({6})}, [](auto &x) { return where(x[0] > 0.0, maximum(x[0], x[1]), x[1] * 2.0); }},
      {"sum_mean_dims", {r({2, 3, 5})}, [](auto &x) { return x[0].sum({0, 2}, true) + x[0].mean({1}, true).sum({2}, true); }},
      {"prod", {r({3, 4})}, [](auto &x) { return x[0].prod(1); }},
      {"amax", {r({4, 5})}, [](auto &x) { return x[0].amax({1}); }},
      {"max_dim", {r({4, 5})}, [](auto &x) { return std::get<0>(x[0].max(0)); }},
      {"softmax", {r({3, 7})}, [](auto &x) { return softmax(x[0], 1); }},
      {"log_softmax", {r({2, 3, 4})}, [](auto &x) { return log_softmax(x[0], 0); }},
      {"layer_norm", {r({2, 3, 6}), r({6}), r({6})}, [](auto &x) { return layer_norm(x[0], {6}, x[1], x[2]); }},
      {"matmul_batched", {r({2, 1, 3, 4}), r({5, 4, 2})}, [](auto &x) { return matmul(x[0], x[1]); }},
      {"matmul_vector", {r({4}), r({3, 4, 2})}, [](auto &x) { return matmul(x[0], x[1]); }},
      {"linear", {r({5, 3}), r({4, 3}), r({4})}, [](auto &x) { return linear(x[0], x[1], x[2]); }},
      {"conv2d", {r({2, 4, 7, 6}), r({6, 2, 3, 2}), r({6})},
       [](auto &x) { return conv2d(x[0], x[1], x[2], {2, 1}, {1, 1}, {1, 2}, 2); }},
      {"max_pool2d", {r({1, 2, 7, 7})}, [](auto &x) { return max_pool2d(x[0], {3, 3}, {2, 2}, {1, 1}, {1, 1}, true); }},
      {"avg_pool2d", {r({1, 2, 6, 5})}, [](auto &x) { return avg_pool2d(x[0], {3, 2}, {2, 2}, {1, 1}, true, false); }},
      {"index_select", {r({5, 3})}, [](auto &x) { return index_select(x[0], 0, ints({4, 0, 4, 2}, {4})); }},
      {"gather", {r({3, 4})}, [](auto &x) { return gather(x[0], 1, ints({0, 3, 3, 1, 2, 2}, {3, 2})); }},
      {"cat_pad", {r({2, 3}), r({2, 1})}, [](auto &x) { return pad(cat({x[0], x[1]}, 1), {1, 2, 0, 1}); }},
      {"movement", {r({2, 3, 4})},
       [](auto &x) { return x[0].permute({2, 0, 1}).reshape({4, 6}).slice(1, 1, 6, 2).unsqueeze(0).expand({3, 4, 3}); }},
      {"cross_entropy", {r({5, 4})}, [](auto &x) { return F::cross_entropy(x[0], ints({3, 0, 1, 1, 2}, {5})); }},
      {"mse_bce", {r({6}), r({6})},
       [](auto &x) { return F::mse_loss(x[0], x[1]) + F::binary_cross_entropy_with_logits(x[0], sigmoid(x[1].detach())); }},
  };
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fusor-grad-dump DIR\n");
    return 2;
  }
  std::string dir = argv[1];
  manual_seed(0);
  for (Case &c : cases()) {
    Tensor out = c.f(c.inputs);
    Tensor w = randn(std::vector<int64_t>(out.sizes().begin(), out.sizes().end()), kFloat64);
    std::vector<Tensor> grads = autograd::grad({(out * w).sum()}, c.inputs);
    std::string prefix = dir + "/" + c.name;
    for (size_t i = 0; i < c.inputs.size(); ++i) {
      save_npy(c.inputs[i].detach(), prefix + ".in" + std::to_string(i) + ".npy");
      save_npy(grads[i], prefix + ".grad" + std::to_string(i) + ".npy");
    }
    save_npy(w, prefix + ".w.npy");
    save_npy(out.detach(), prefix + ".out.npy");
    std::printf("%s\n", c.name.c_str());
  }
}
