// fusor::jit(f): one trace and compile per input signature, none on a hit.
#include "Reference.h"

namespace fusor::testing {
namespace {

TEST(JitFunction, TracesOncePerSignatureAndReplays) {
  StaticSizes specialized;
  int traces = 0;
  Tensor w = randomTensor({16, 8});  // captured by the function: a constant input
  auto f = fusor::jit([&](const Tensor &x, const Tensor &b) {
    ++traces;
    return relu(matmul(x, w) + b) * 0.5f;
  });
  Tensor x = randomTensor({4, 16}), b = randomTensor({8});
  Ref expected = map(zip(matmul(toRef(x), toRef(w)), toRef(b), std::plus<double>()),
                     [](double v) { return v > 0 ? v * 0.5 : 0.0; });
  uint64_t misses = cache_stats().misses;
  expectClose(f(x, b), expected, 1e-5, 1e-5, "first call");
  expectClose(f(x, b), expected, 1e-5, 1e-5, "second call");
  EXPECT_EQ(traces, 1);
  EXPECT_EQ(cache_stats().misses, misses + 1);
  Tensor x2 = randomTensor({9, 16});  // a new batch size: one more trace and compile
  Ref expected2 = map(zip(matmul(toRef(x2), toRef(w)), toRef(b), std::plus<double>()),
                      [](double v) { return v > 0 ? v * 0.5 : 0.0; });
  misses = cache_stats().misses;
  expectClose(f(x2, b), expected2, 1e-5, 1e-5, "new shape");
  f(x, b);
  EXPECT_EQ(traces, 2);
  EXPECT_EQ(cache_stats().misses, misses + 1);
}

TEST(JitFunction, TuplesPassthroughsAndPendingArguments) {
  auto f = fusor::jit([](const Tensor &x, const Tensor &y) {
    return std::make_tuple(x + y, x, softmax(y, -1));
  });
  Tensor x = randomTensor({3, 5}), y = randomTensor({3, 5}) * 2.0f;  // y is still pending
  auto [sum, same, probs] = f(x, y);
  expectClose(sum, zip(toRef(x), toRef(y), std::plus<double>()), 1e-6, 1e-6, "sum");
  EXPECT_EQ(same.node(), x.node());
  EXPECT_NEAR(probs.sum().item<float>(), 3.0f, 1e-5);
}

TEST(JitFunction, EmptyResults) {
  auto f = fusor::jit([](const Tensor &x) { return std::make_tuple(x.slice(0, 2, 2), x * 2.0f); });
  Tensor x = randomTensor({4, 3});
  auto [empty, doubled] = f(x);
  EXPECT_EQ(empty.numel(), 0);
  EXPECT_EQ(empty.sizes()[1], 3);
  expectClose(doubled, map(toRef(x), [](double v) { return 2 * v; }), 0, 0, "doubled");
}

TEST(JitFunction, DataDependentTracingIsAClearError) {
  // Through a computed value, and straight from an argument.
  auto computed = fusor::jit([](const Tensor &x) { return x.sum().item<float>() > 0 ? x : -x; });
  auto direct = fusor::jit([](const Tensor &x) { return x.to_vector<float>()[0] > 0 ? x : -x; });
  std::function<Tensor(const Tensor &)> calls[] = {computed, direct};
  for (auto &f : calls) {
    try {
      f(randomTensor({4}));
      ADD_FAILURE() << "no error";
    } catch (const Error &e) {
      EXPECT_NE(std::string(e.what()).find("while fusor::jit traces"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace fusor::testing
