// An MLP learns to tell two interleaved spirals apart. The train step (forward, loss,
// backward, Adam) is one fusor::jit program, traced once and replayed every step.
// Exits non-zero below 98% accuracy (tests run it).
#include <cmath>
#include <cstdio>

#include "fusor/fusor.h"

using namespace fusor;
namespace F = fusor::nn::functional;

int main() {
  manual_seed(0);
  const int64_t n = 400;
  Tensor noise = randn({n, 2}) * 0.02;
  std::vector<float> points;
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < n; ++i) {
    int64_t label = i % 2;
    double r = 0.1 + 0.9 * static_cast<double>(i / 2) / (n / 2), angle = 3.0 * M_PI * r + label * M_PI;
    points.push_back(static_cast<float>(r * std::cos(angle)));
    points.push_back(static_cast<float>(r * std::sin(angle)));
    labels.push_back(label);
  }
  Tensor x = from_vector(points, {n, 2}) + noise, y = from_vector(labels, {n});

  nn::Sequential model(nn::Linear(2, 64), nn::Tanh(), nn::Linear(64, 64), nn::Tanh(), nn::Linear(64, 2));
  optim::Adam opt(model->parameters(), optim::AdamOptions(0.01));
  auto step = jit([&](const Tensor &inputs, const Tensor &targets) {
    opt.zero_grad();
    Tensor loss = F::cross_entropy(model(inputs), targets);
    loss.backward();
    opt.step();
    return loss;
  });
  for (int i = 1; i <= 500; ++i) {
    float loss = step(x, y).item<float>();
    if (i == 1 || i % 100 == 0) std::printf("step %3d  loss %.4f\n", i, loss);
  }
  model->eval();
  double accuracy = eq(model(x).argmax(1), y).to(kFloat32).mean().item<float>();
  std::printf("accuracy %.1f%% (%llu programs compiled)\n", 100 * accuracy,
              static_cast<unsigned long long>(cache_stats().compiles));
  return accuracy >= 0.98 ? 0 : 1;
}
