// fusor::jit over whole train steps: forward, backward and the optimizer's in-place updates
// replay as one compiled program, with the same numbers as the eager step, retracing only when
// host state the step depends on changes.
#include <gtest/gtest.h>

#include <cmath>

#include "GradCheck.h"

namespace fusor::testing {
namespace {

namespace F = fusor::nn::functional;

void expectSameValues(const Tensor &a, const Tensor &b, const std::string &what, double tol = 1e-5) {
  std::vector<double> x = a.to(kFloat64).to_vector<double>(), y = b.to(kFloat64).to_vector<double>();
  ASSERT_EQ(x.size(), y.size()) << what;
  for (size_t i = 0; i < x.size(); ++i)
    ASSERT_NEAR(x[i], y[i], tol * (1 + std::abs(y[i]))) << what << " element " << i;
}

nn::Sequential smallClassifier() {
  return nn::Sequential(nn::Linear(6, 16), nn::GELU(), nn::Dropout(0.25), nn::Linear(16, 3));
}

struct Data {
  Tensor x, y;
};
Data data() {
  Tensor x = randomDouble({9, 6}).to(kFloat32);
  Tensor y = from_vector<int64_t>({0, 2, 1, 1, 0, 2, 2, 1, 0}, {9});
  return {x, y};
}

// The plain train step the tests compare eagerly and under jit: classify with cross entropy.
template <typename Model>
auto classifierStep(Model &model, optim::Optimizer &opt) {
  return [&model, &opt](const Tensor &x, const Tensor &y) {
    opt.zero_grad();
    Tensor loss = F::cross_entropy(model(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
}

// The same AdamW training, eagerly and as a jit step, from the same seed: the same dropout
// masks, losses and parameters; a learning-rate change needs no new program; eval mode is
// traced once and the train-mode trace is used again afterwards.
TEST(JitTraining, StepMatchesEagerAndReplaysOneProgram) {
  Data d = data();
  auto run = [&](bool jitted, std::vector<float> &losses) {
    manual_seed(11);
    nn::Sequential model = smallClassifier();
    optim::AdamW opt(model->parameters(), optim::AdamWOptions(0.02).weight_decay(0.1));
    auto eagerStep = classifierStep(model, opt);
    auto step = jit(eagerStep);
    uint64_t misses = 0;
    for (int i = 0; i < 12; ++i) {
      if (i == 5) opt.options.lr(0.01);
      if (i == 7) model->eval();
      if (i == 9) model->train();
      Tensor loss = jitted ? step(d.x, d.y) : eagerStep(d.x, d.y);
      losses.push_back(loss.item<float>());
      if (jitted && i == 0) misses = cache_stats().misses;
      if (jitted && (i == 5 || i == 6 || i >= 9))
        EXPECT_EQ(cache_stats().misses, misses) << "step " << i << " compiled a program";
      if (jitted && i == 7) misses = cache_stats().misses;  // eval mode: one new program
    }
    return model;
  };
  std::vector<float> eagerLosses, jitLosses;
  nn::Sequential eager = run(false, eagerLosses), jitted = run(true, jitLosses);
  for (size_t i = 0; i < eagerLosses.size(); ++i) EXPECT_NEAR(jitLosses[i], eagerLosses[i], 1e-5) << "step " << i;
  EXPECT_LT(jitLosses.back(), jitLosses.front());
  auto a = eager->named_parameters(), b = jitted->named_parameters();
  for (size_t i = 0; i < a.size(); ++i) {
    expectSameValues(b[i].second, a[i].second, b[i].first);
    ASSERT_TRUE(b[i].second.grad().defined()) << b[i].first;
    expectSameValues(b[i].second.grad(), a[i].second.grad(), b[i].first + ".grad");
  }
}

// SGD's momentum buffer is made from the first gradient: that call runs as traced without
// being kept, and the next call's trace (reading the buffer) replays from then on.
TEST(JitTraining, SgdMomentumBufferMadeOnTheFirstCall) {
  Data d = data();
  auto run = [&](bool jitted) {
    manual_seed(3);
    nn::Linear model(6, 3);
    optim::SGD opt(model->parameters(), optim::SGDOptions(0.1).momentum(0.9).dampening(0.2).weight_decay(0.01));
    auto eagerStep = classifierStep(model, opt);
    auto step = jit(eagerStep);
    for (int i = 0; i < 5; ++i) (jitted ? step(d.x, d.y) : eagerStep(d.x, d.y)).item<float>();
    return model;
  };
  nn::Linear eager = run(false), jitted = run(true);
  expectSameValues(jitted->weight, eager->weight, "weight");
  expectSameValues(jitted->bias, eager->bias, "bias");
}

// Without zero_grad the gradients accumulate across calls, as eager backward does: the first
// call sets them, later calls read and add to them (a second trace, chosen by a guard).
TEST(JitTraining, GradientsAccumulateAcrossCalls) {
  manual_seed(5);
  nn::Linear eager(4, 2), jitted(4, 2);
  jitted->weight.mutable_grad();  // a Meta, no gradient
  {
    NoGradGuard g;
    jitted->weight.copy_(eager->weight);
    jitted->bias.copy_(eager->bias);
  }
  auto backward = jit([&](const Tensor &x) {
    Tensor loss = pow(jitted(x), 2).sum();
    loss.backward();
    return loss;
  });
  for (int i = 0; i < 3; ++i) {
    Tensor x = randomDouble({3, 4}).to(kFloat32);
    pow(eager(x), 2).sum().backward();
    backward(x);
    expectSameValues(jitted->weight.grad(), eager->weight.grad(), "weight.grad, call " + std::to_string(i));
    expectSameValues(jitted->bias.grad(), eager->bias.grad(), "bias.grad, call " + std::to_string(i));
  }
}

TEST(JitTraining, BatchNormRunningStatistics) {
  std::vector<Tensor> xs;
  for (int i = 0; i < 3; ++i) xs.push_back(randomDouble({4, 3, 2, 5}, 2.0, 0.5).to(kFloat32));
  auto run = [&](bool jitted) {
    manual_seed(2);
    nn::BatchNorm2d bn(3);
    optim::SGD opt(bn->parameters(), optim::SGDOptions(0.05));
    auto eagerStep = [&](const Tensor &x) {
      opt.zero_grad();
      Tensor loss = pow(bn(x), 3).mean();
      loss.backward();
      opt.step();
      return loss;
    };
    auto step = jit(eagerStep);
    for (const Tensor &x : xs) (jitted ? step(x) : eagerStep(x)).item<float>();
    return bn;
  };
  nn::BatchNorm2d eager = run(false), jitted = run(true);
  auto a = eager->named_buffers(), b = jitted->named_buffers();
  ASSERT_FALSE(a.empty());
  for (size_t i = 0; i < a.size(); ++i) expectSameValues(b[i].second, a[i].second, b[i].first);
  expectSameValues(jitted->weight, eager->weight, "weight");
}

// A replay writes the new parameters and Adam's moments into the buffers of the old ones
// (nothing else holds them), and gives new buffers when something does.
TEST(JitTraining, DonatesParameterAndStateBuffers) {
  Data d = data();
  manual_seed(8);
  nn::Linear model(6, 3);
  optim::Adam opt(model->parameters(), optim::AdamOptions(0.01));
  auto step = jit(classifierStep(model, opt));
  step(d.x, d.y);
  // Where the weight's value lives (CUDA programs do not donate yet: there, values only).
  bool cpu = model->weight.device().is_cpu();
  auto where = [&] { return cpu ? static_cast<const void *>(model->weight.data_ptr<float>()) : nullptr; };
  const void *weight = where();
  float loss = 0;
  for (int i = 0; i < 3; ++i) loss = step(d.x, d.y).item<float>();
  EXPECT_EQ(where(), weight) << "the weight moved to a new buffer";
  Tensor held(model->weight.node());  // the old value is still wanted: it must survive
  std::vector<float> before = held.to_vector<float>();
  step(d.x, d.y);
  EXPECT_EQ(held.to_vector<float>(), before);
  EXPECT_NE(model->weight.to_vector<float>(), before);
  if (cpu) EXPECT_NE(where(), weight);
  EXPECT_LT(loss, 2.0f);
}

// A state's old value read after its new one is computed (so it cannot share a buffer with
// it, or only where the program reads it first): the same values as eagerly, call after call.
TEST(JitTraining, OldValuesReadAfterTheUpdateStayRight) {
  Tensor eagerState = from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor jitState = from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  auto body = [](const Tensor &state, const Tensor &x) {
    Tensor old = state * 1.0f;
    state.add_(x);
    Tensor flipped = old.t().reshape({2, 3});  // the old value at other indices
    state.mul_(0.5f);
    return flipped + state.sum();
  };
  auto f = jit([&](const Tensor &x) { return body(jitState, x); });
  // The state's value before the call, handed out as a result.
  Tensor eagerBefore = from_vector<float>({1, 2, 3}, {3}), jitBefore = from_vector<float>({1, 2, 3}, {3});
  auto keepOld = [](const Tensor &state, const Tensor &x) {
    Tensor old(state.node());  // the value itself, not a view of the tensor
    {
      NoGradGuard g;
      state.add_(x);
    }
    return old;
  };
  auto g = jit([&](const Tensor &x) { return keepOld(jitBefore, x); });
  for (int call = 0; call < 3; ++call) {
    Tensor x = from_vector<float>({1, 10, 100}, {3});
    EXPECT_EQ(g(x).to_vector<float>(), keepOld(eagerBefore, x).to_vector<float>()) << "call " << call;
  }
  for (int call = 0; call < 3; ++call) {
    Tensor x = from_vector<float>({0.5f, -1, 2, 3, -4, 0.25f}, {2, 3});
    std::vector<float> want = body(eagerState, x).to_vector<float>(), got = f(x).to_vector<float>();
    EXPECT_EQ(got, want) << "call " << call;
    EXPECT_EQ(jitState.to_vector<float>(), eagerState.to_vector<float>()) << "call " << call;
  }
}

// A jitted forward captures the weights as constants; training them (eagerly, or by another
// jit function's replays) makes it trace again rather than use the old weights.
TEST(JitTraining, CapturedWeightsChangedElsewhereAreSeen) {
  manual_seed(6);
  nn::Linear model(6, 3);
  optim::SGD opt(model->parameters(), optim::SGDOptions(0.5));
  Data d = data();
  auto predict = jit([&](const Tensor &x) {
    NoGradGuard g;
    return model(x);
  });
  auto train = jit(classifierStep(model, opt));
  auto expectCurrent = [&](const std::string &when) {
    NoGradGuard g;
    expectSameValues(predict(d.x), model(d.x), when);
  };
  expectCurrent("first call");
  {
    NoGradGuard g;
    model->weight.mul_(0.5);  // eagerly
  }
  expectCurrent("after an eager change");
  for (int i = 0; i < 3; ++i) {
    train(d.x, d.y);
    expectCurrent("after train step " + std::to_string(i));
  }
}

// Many short-lived jit functions: the watch over their constants is swept, and a live
// function's watch still works after the sweeps.
TEST(JitTraining, WatchOfConstantsOutlivesManyFunctions) {
  Tensor kept = from_vector<float>({1, 2}, {2});
  auto live = jit([&](const Tensor &x) { return x * kept; });
  Tensor x = from_vector<float>({3, 4}, {2});
  EXPECT_EQ(live(x).to_vector<float>(), (std::vector<float>{3, 8}));
  for (int i = 0; i < 1500; ++i) {
    Tensor c = from_vector<float>({static_cast<float>(i), 1}, {2});
    auto f = jit([&](const Tensor &y) { return y + c; });
    ASSERT_EQ(f(x).to_vector<float>()[0], 3.0f + i);
  }
  kept.mul_(10);
  EXPECT_EQ(live(x).to_vector<float>(), (std::vector<float>{30, 80}));
}

// An argument changed in place is changed for the caller, at every call, as eagerly.
TEST(JitTraining, ArgumentsChangedInPlace) {
  auto f = jit([](const Tensor &x) {
    x.mul_(2);
    return x + 1;
  });
  Tensor x = from_vector<float>({1, 2, 3}, {3});
  for (int call = 1; call <= 3; ++call) {
    Tensor y = f(x);
    float scale = static_cast<float>(1 << call);
    EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{scale, 2 * scale, 3 * scale})) << "call " << call;
    EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{scale + 1, 2 * scale + 1, 3 * scale + 1})) << "call " << call;
  }
}

// A trace that fails leaves the tensors it changed as they were.
TEST(JitTraining, FailedTraceLeavesStateUnchanged) {
  manual_seed(1);
  nn::Linear model(4, 2);
  optim::SGD opt(model->parameters(), optim::SGDOptions(0.1));
  std::vector<float> before = model->weight.to_vector<float>();
  auto step = jit([&](const Tensor &x) {
    opt.zero_grad();
    Tensor loss = model(x).sum();
    loss.backward();
    opt.step();
    if (loss.item<float>() > 1e9f) return loss;  // reads a value while tracing: an error
    return loss;
  });
  EXPECT_THROW(step(randomDouble({3, 4}).to(kFloat32)), Error);
  EXPECT_EQ(model->weight.to_vector<float>(), before);
}

}  // namespace
}  // namespace fusor::testing
