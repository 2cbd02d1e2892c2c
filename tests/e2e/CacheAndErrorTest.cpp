// The compile cache (hits, misses, recompiles) and the errors users see.
#include <cstdlib>

#include "Reference.h"

namespace fusor::testing {
namespace {

// A 4-op graph whose structure no other test builds.
Tensor program(const Tensor &x) { return sigmoid(x * 3.25f) - cos(x); }

TEST(Cache, HitDoesNotCompileNewShapeCompilesOnceOldShapeHits) {
  StaticSizes specialized;
  Tensor a = randomTensor({6, 5}), b = randomTensor({9, 5});
  program(a).sum().item<float>();
  CacheStats before = cache_stats();
  program(a).sum().item<float>();  // same structure and shapes: a hit
  CacheStats hit = cache_stats();
  EXPECT_EQ(hit.misses, before.misses);
  EXPECT_EQ(hit.compiles, before.compiles);
  EXPECT_EQ(hit.hits, before.hits + 1);
  program(b).sum().item<float>();  // new shape: one miss (compiled, or loaded from the disk cache)
  EXPECT_EQ(cache_stats().misses, before.misses + 1);
  EXPECT_LE(cache_stats().compiles, before.compiles + 1);
  program(b).sum().item<float>();
  program(a).sum().item<float>();  // both shapes are cached now
  CacheStats after = cache_stats();
  EXPECT_EQ(after.misses, before.misses + 1);
  EXPECT_EQ(after.hits, hit.hits + 2);
  if (after.compiles > before.compiles) {
    EXPECT_GT(after.compile_ms, before.compile_ms);
  }
}

TEST(Cache, DifferentConstantsAreDifferentPrograms) {
  Tensor x = randomTensor({3});
  std::vector<float> two = (x * 2.0f).to_vector<float>(), three = (x * 3.0f).to_vector<float>();
  std::vector<float> xs = x.to_vector<float>();
  for (size_t i = 0; i < xs.size(); ++i) {
    EXPECT_EQ(two[i], xs[i] * 2.0f);
    EXPECT_EQ(three[i], xs[i] * 3.0f);
  }
}

TEST(Cache, RecompileLogSaysWhichInputChanged) {
  StaticSizes specialized;
  setenv("FUSOR_LOG", "recompiles", 1);
  Tensor a = randomTensor({2, 11}), b = randomTensor({3, 11});
  auto f = [](const Tensor &x) { return (tanh(x) * 0.125f + 7.0f).sum(); };
  ::testing::internal::CaptureStderr();
  f(a).item<float>();
  f(b).item<float>();
  std::string log = ::testing::internal::GetCapturedStderr();
  unsetenv("FUSOR_LOG");
  EXPECT_NE(log.find("new graph structure"), std::string::npos) << log;
  EXPECT_NE(log.find("input 0 changed from [2, 11] float32 to [3, 11] float32"), std::string::npos) << log;
}

TEST(Cache, RealizeSeveralTensorsInOneCompile) {
  Tensor x = randomTensor({4, 4});
  Tensor y = exp(x) * 0.375f, z = exp(x) * 0.625f;
  uint64_t misses = cache_stats().misses;
  realize({y, z});
  EXPECT_LE(cache_stats().misses, misses + 1);
  expectClose(y + z, map(toRef(x), [](double v) { return std::exp(v); }), 1e-6, 1e-6, "y + z");
}

// The message names the op, the operand shapes and dtypes, and this file's line.
void expectError(const std::function<void()> &f, const std::string &expected, int line) {
  try {
    f();
    ADD_FAILURE() << "no error; expected " << expected;
  } catch (const Error &e) {
    std::string what = e.what();
    EXPECT_NE(what.find(expected), std::string::npos) << what;
    EXPECT_NE(what.find("CacheAndErrorTest.cpp:" + std::to_string(line)), std::string::npos) << what;
  }
}

TEST(Errors, NameShapesAndTheCallersLine) {
  Tensor a = randomTensor({2, 3}), b = randomTensor({4, 5});
  const char *matmulError = get_default_device().is_cuda()
      ? "fusor::matmul: inner dimensions differ: 3 vs 4 (operands: [2, 3] float32 on cuda:0, [4, 5] float32 on cuda:0)"
      : "fusor::matmul: inner dimensions differ: 3 vs 4 (operands: [2, 3] float32, [4, 5] float32)";
  expectError([&] { matmul(a, b); }, matmulError, __LINE__);
  expectError([&] { a + b; }, "fusor::add: shapes are not broadcastable", __LINE__);
  expectError([&] { a.sum({2}); }, "fusor::sum: dim 2 is out of range for rank 2", __LINE__);
  expectError([&] { a.reshape({5, -1}); }, "fusor::reshape: cannot view as [5, -1]", __LINE__);
  expectError([&] { a.permute({0}); }, "fusor::permute: needs 2 dims", __LINE__);
  expectError([&] { cat({a, b}, 0); }, "fusor::cat: input 1 has size 5 in dim 1", __LINE__);
  expectError([&] { a.item<float>(); }, "fusor::item: needs exactly one element", __LINE__);
  expectError([&] { a.data_ptr<double>(); }, "the tensor holds float32, not float64", __LINE__);
  expectError([&] { gelu(a, "fast"); }, "approximate must be \"none\" or \"tanh\"", __LINE__);
  expectError([&] { from_vector<float>({1, 2, 3}, {2, 2}); }, "3 values do not fill shape 2x2", __LINE__);
  expectError([&] { a.mean(); (randomInts({3}, 0, 5)).mean(); }, "fusor::mean: needs a floating-point tensor", __LINE__);
  expectError([&] { index_select(a, 0, a); }, "index must be int64 or int32", __LINE__);
  expectError([&] { a.slice(1, 0, 2, 0); }, "step must be positive", __LINE__);
  expectError([&] { Tensor() + a; }, "an operand is an undefined tensor", __LINE__);
}

}  // namespace
}  // namespace fusor::testing
