// nn, losses and optimizers: module structure, loss values and gradients, optimizer updates
// against torch's formulas, and a small model that learns, with one compile per step shape.
#include <gtest/gtest.h>

#include <cmath>

#include "GradCheck.h"

namespace fusor::testing {
namespace {

namespace F = fusor::nn::functional;

struct Mlp : nn::Module {
  Mlp(int64_t in, int64_t hidden, int64_t out)
      : fc1(register_module("fc1", nn::Linear(in, hidden))),
        fc2(register_module("fc2", nn::Linear(hidden, out))) {}
  Tensor forward(const Tensor &x) { return fc2(tanh(fc1(x))); }
  nn::Linear fc1, fc2;
};

TEST(Nn, ModuleStructure) {
  Mlp m(3, 5, 2);
  auto named = m.named_parameters();
  ASSERT_EQ(named.size(), 4u);
  EXPECT_EQ(named[0].first, "fc1.weight");
  EXPECT_EQ(named[3].first, "fc2.bias");
  EXPECT_EQ(std::vector<int64_t>(named[0].second.sizes().begin(), named[0].second.sizes().end()),
            (std::vector<int64_t>{5, 3}));
  for (const Tensor &p : m.parameters()) EXPECT_TRUE(p.requires_grad() && p.is_leaf());
  // Kaiming-uniform bound 1/sqrt(fan_in).
  for (float w : m.fc1->weight.to_vector<float>()) EXPECT_LE(std::abs(w), 1 / std::sqrt(3.0f));
  nn::Sequential seq(nn::Linear(3, 4), nn::ReLU(), nn::Dropout(0.5), nn::Linear(4, 1));
  EXPECT_EQ(seq->named_parameters()[2].first, "3.weight");
  seq->eval();
  EXPECT_FALSE(seq->is_training());
  Tensor x = randomDouble({2, 3}).to(kFloat32);
  EXPECT_EQ(seq(x).to_vector<float>(), seq(x).to_vector<float>());  // no dropout in eval
  Tensor y = m.forward(x.to(kFloat32)).sum();
  y.backward();
  EXPECT_TRUE(m.fc1->weight.grad().defined());
  m.zero_grad();
  EXPECT_FALSE(m.fc1->weight.grad().defined());
}

TEST(Nn, Losses) {
  Tensor logits = randomDouble({5, 4});
  Tensor target = from_vector<int64_t>({3, 0, -100, 1, 3}, {5});
  // cross_entropy = mean over non-ignored rows of logsumexp - picked logit.
  std::vector<double> l = logits.to_vector<double>();
  double expected = 0;
  int counted = 0;
  for (int r = 0; r < 5; ++r) {
    int64_t t = target.to_vector<int64_t>()[r];
    if (t == -100) continue;
    double s = 0;
    for (int c = 0; c < 4; ++c) s += std::exp(l[r * 4 + c]);
    expected += std::log(s) - l[r * 4 + t];
    ++counted;
  }
  EXPECT_NEAR(F::cross_entropy(logits, target).item<double>(), expected / counted, 1e-12);
  EXPECT_NEAR(F::cross_entropy(logits, target, "sum").item<double>(), expected, 1e-12);
  gradcheck([&](const std::vector<Tensor> &in) { return F::cross_entropy(in[0], target); }, {logits}, "cross_entropy");
  Tensor a = randomDouble({3, 2}), b = randomDouble({3, 2});
  gradcheck([](const std::vector<Tensor> &in) { return F::mse_loss(in[0], in[1]); }, {a, b}, "mse_loss");
  Tensor y = from_vector<double>({1, 0, 0, 1, 1, 0}, {3, 2});
  gradcheck([&](const std::vector<Tensor> &in) { return F::binary_cross_entropy_with_logits(in[0] * 5.0, y); }, {a},
            "binary_cross_entropy_with_logits");
  double bce = F::binary_cross_entropy_with_logits(from_vector<double>({100.0}, {1}), from_vector<double>({0.0}, {1}))
                   .item<double>();
  EXPECT_NEAR(bce, 100.0, 1e-9);  // no overflow
  EXPECT_THROW(F::cross_entropy(logits, target.to(kFloat64)), Error);
}

TEST(Nn, BatchNormTrainingUpdatesRunningStats) {
  nn::BatchNorm2d bn(3);
  Tensor x = randomDouble({4, 3, 2, 2}, 2.0, 1.0).to(kFloat32);
  Tensor y = bn(x);
  // Per channel: normalized to mean 0, and running stats moved 10% towards the batch's.
  std::vector<float> v = y.to_vector<float>(), xs = x.to_vector<float>();
  std::vector<float> rm = bn->running_mean.to_vector<float>(), rv = bn->running_var.to_vector<float>();
  for (int c = 0; c < 3; ++c) {
    double s = 0, mean = 0, var = 0;
    for (int n = 0; n < 4; ++n)
      for (int i = 0; i < 4; ++i) s += v[(n * 3 + c) * 4 + i], mean += xs[(n * 3 + c) * 4 + i];
    mean /= 16;
    for (int n = 0; n < 4; ++n)
      for (int i = 0; i < 4; ++i) var += std::pow(xs[(n * 3 + c) * 4 + i] - mean, 2);
    EXPECT_NEAR(s / 16, 0, 1e-5);
    EXPECT_NEAR(rm[c], 0.1 * mean, 1e-5);
    EXPECT_NEAR(rv[c], 0.9 + 0.1 * var / 15, 1e-4);
  }
  gradcheck([](const std::vector<Tensor> &in) {
    Tensor mean = in[0].mean({0, 2, 3}, true), c = in[0] - mean;
    return c * rsqrt((c * c).mean({0, 2, 3}, true) + 1e-5) * in[1].reshape({1, 3, 1, 1});
  }, {randomDouble({2, 3, 2, 2}), randomDouble({3})}, "batch_norm (training)");
}

// One step of each optimizer on f(p) = sum(p^2 * c) against torch's update formulas.
TEST(Optim, UpdatesMatchTorch) {
  std::vector<double> p0 = {0.5, -1.5, 2.0}, c = {1.0, 2.0, 0.5};
  auto gradOf = [&](const std::vector<double> &p) {
    std::vector<double> g(3);
    for (int i = 0; i < 3; ++i) g[i] = 2 * p[i] * c[i];
    return g;
  };
  auto run = [&](auto makeOptimizer, int steps) {
    Tensor p = from_vector(p0, {3}).requires_grad_();
    auto opt = makeOptimizer(std::vector<Tensor>{p});
    for (int s = 0; s < steps; ++s) {
      opt.zero_grad();
      (p * p * from_vector(c, {3})).sum().backward();
      opt.step();
    }
    return p.to_vector<double>();
  };
  // SGD, momentum 0.9, dampening 0.1, nesterov off, weight decay 0.01.
  std::vector<double> p = p0, buf(3);
  for (int s = 0; s < 3; ++s) {
    std::vector<double> g = gradOf(p);
    for (int i = 0; i < 3; ++i) {
      double gi = g[i] + 0.01 * p[i];
      buf[i] = s == 0 ? gi : 0.9 * buf[i] + 0.9 * gi;
      p[i] -= 0.1 * buf[i];
    }
  }
  auto sgd = run([](std::vector<Tensor> ps) {
    return optim::SGD(ps, optim::SGDOptions(0.1).momentum(0.9).dampening(0.1).weight_decay(0.01));
  }, 3);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(sgd[i], p[i], 1e-12) << "SGD " << i;
  // Adam and AdamW.
  for (bool decoupled : {false, true}) {
    std::vector<double> q = p0, m(3), v(3);
    for (int s = 1; s <= 4; ++s) {
      std::vector<double> g = gradOf(q);
      for (int i = 0; i < 3; ++i) {
        double gi = g[i];
        if (decoupled) q[i] *= 1 - 0.05 * 0.1;
        else gi += 0.1 * q[i];
        m[i] = 0.8 * m[i] + 0.2 * gi;
        v[i] = 0.99 * v[i] + 0.01 * gi * gi;
        double mh = m[i] / (1 - std::pow(0.8, s)), vh = v[i] / (1 - std::pow(0.99, s));
        q[i] -= 0.05 * mh / (std::sqrt(vh) + 1e-6);
      }
    }
    std::vector<double> got =
        decoupled ? run([](std::vector<Tensor> ps) {
                      return optim::AdamW(ps, optim::AdamWOptions(0.05).betas({0.8, 0.99}).eps(1e-6).weight_decay(0.1));
                    }, 4)
                  : run([](std::vector<Tensor> ps) {
                      return optim::Adam(ps, optim::AdamOptions(0.05).betas({0.8, 0.99}).eps(1e-6).weight_decay(0.1));
                    }, 4);
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(got[i], q[i], 1e-10) << (decoupled ? "AdamW " : "Adam ") << i;
  }
}

// Two interleaved spirals; an MLP with Adam separates them, and after the first steps every
// step is one cached program (forward, backward and update together).
TEST(Training, MlpLearnsSpiralsWithOneProgramPerStep) {
  manual_seed(7);
  const int64_t n = 200;
  std::vector<float> points;
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < n; ++i) {
    int64_t label = i % 2;
    double r = 0.1 + 0.9 * static_cast<double>(i / 2) / (n / 2), t = 3.0 * M_PI * r + label * M_PI;
    points.push_back(static_cast<float>(r * std::cos(t)));
    points.push_back(static_cast<float>(r * std::sin(t)));
    labels.push_back(label);
  }
  Tensor x = from_vector(points, {n, 2}), y = from_vector(labels, {n});
  nn::Sequential model(nn::Linear(2, 64), nn::Tanh(), nn::Linear(64, 64), nn::Tanh(), nn::Linear(64, 2));
  optim::Adam opt(model->parameters(), optim::AdamOptions(0.01));
  uint64_t missesAfterWarmup = 0;
  double loss = 0;
  for (int step = 0; step < 400; ++step) {
    opt.zero_grad();
    Tensor l = F::cross_entropy(model(x), y);
    l.backward();
    opt.step();
    loss = l.item<float>();
    if (step == 5) missesAfterWarmup = cache_stats().misses;
  }
  EXPECT_EQ(cache_stats().misses, missesAfterWarmup) << "a step missed the cache";
  Tensor predicted = model(x).argmax(1);
  double accuracy = eq(predicted, y).to(kFloat32).mean().item<float>();
  EXPECT_GE(accuracy, 0.98) << "final loss " << loss;
}

}  // namespace
}  // namespace fusor::testing
