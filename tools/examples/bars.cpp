// A small CNN learns the orientation of a bar (horizontal, vertical, or either diagonal) in
// noisy 12x12 images, generated here. Train steps are one fusor::jit program each; accuracy is
// measured on images it never saw. Exits non-zero below 95% (tests run it).
#include <cstdio>
#include <random>

#include "fusor/fusor.h"

using namespace fusor;
namespace F = fusor::nn::functional;

namespace {

constexpr int64_t kSide = 12, kClasses = 4;

// `count` images [count, 1, 12, 12] and their classes: a bar of length 5 to 8 at a random place.
std::pair<Tensor, Tensor> bars(int64_t count, std::mt19937 &rng) {
  std::vector<float> pixels(count * kSide * kSide);
  std::vector<int64_t> labels(count);
  std::normal_distribution<float> noise(0.0f, 0.15f);
  for (float &p : pixels) p = noise(rng);
  for (int64_t i = 0; i < count; ++i) {
    int64_t label = i % kClasses, length = 5 + rng() % 4;
    const int dy[] = {0, 1, 1, 1}, dx[] = {1, 0, 1, -1};
    int64_t y0 = rng() % (kSide - (dy[label] ? length : 0)), x0;
    if (dx[label] > 0) x0 = rng() % (kSide - length);
    else if (dx[label] < 0) x0 = length - 1 + rng() % (kSide - length + 1);
    else x0 = rng() % kSide;
    for (int64_t s = 0; s < length; ++s)
      pixels[(i * kSide + y0 + s * dy[label]) * kSide + x0 + s * dx[label]] += 1.0f;
    labels[i] = label;
  }
  return {from_vector(pixels, {count, 1, kSide, kSide}), from_vector(labels, {count})};
}

struct BarNet : nn::Module {
  BarNet()
      : conv1(register_module("conv1", nn::Conv2d(nn::Conv2dOptions(1, 8, 3).padding(1)))),
        conv2(register_module("conv2", nn::Conv2d(nn::Conv2dOptions(8, 16, 3).padding(1)))),
        fc(register_module("fc", nn::Linear(16, kClasses))) {}
  Tensor forward(const Tensor &x) {
    Tensor h = relu(conv1(x));
    h = relu(conv2(max_pool2d(h, {2, 2}, {2, 2})));
    return fc(h.amax({2, 3}));  // the strongest response anywhere
  }
  nn::Conv2d conv1, conv2;
  nn::Linear fc;
};

}  // namespace

int main() {
  manual_seed(0);
  std::mt19937 rng(1);
  auto [trainX, trainY] = bars(512, rng);
  auto [testX, testY] = bars(512, rng);
  BarNet model;
  optim::AdamW opt(model.parameters(), optim::AdamWOptions(0.01).weight_decay(0.01));
  auto step = jit([&](const Tensor &x, const Tensor &y) {
    opt.zero_grad();
    Tensor loss = F::cross_entropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  });
  for (int i = 1; i <= 150; ++i) {
    float loss = step(trainX, trainY).item<float>();
    if (i == 1 || i % 50 == 0) std::printf("step %3d  loss %.4f\n", i, loss);
  }
  NoGradGuard noGrad;
  double accuracy = eq(model.forward(testX).argmax(1), testY).to(kFloat32).mean().item<float>();
  std::printf("test accuracy %.1f%%\n", 100 * accuracy);
  return accuracy >= 0.95 ? 0 : 1;
}
