// Automatic dynamic dims: a graph whose input sizes change compiles once more with those dims
// `?`, and that program serves every later size (results checked against references).
#include <cstdlib>

#include "Reference.h"

namespace fusor::testing {
namespace {

// Programs on CUDA devices are compiled for their sizes (the CUDA backend takes no `?` yet):
// there the tests check values only.
bool dynamicBackend() { return !randomTensor({1}).is_cuda(); }

// These tests count what one process compiles: dims an earlier process saw go dynamic (the
// disk cache remembers them; tests/cache covers that) must not count.
class DynamicDims : public ::testing::Test {
 protected:
  void SetUp() override { setenv("FUSOR_CACHE", "0", 1); }
  void TearDown() override { unsetenv("FUSOR_CACHE"); }
};

// relu(x @ w + b) * 0.5, then the mean over the features: a GEMM, a broadcast, a reduction.
Ref mlpRef(const Ref &x, const Ref &w, const Ref &b) {
  Ref h = map(zip(matmul(x, w), b, std::plus<double>()), [](double v) { return v > 0 ? v * 0.5 : 0.0; });
  Ref sum = reduce(h, {1}, false, 0.0, std::plus<double>());
  return map(sum, [&](double v) { return v / static_cast<double>(w.shape[1]); });
}

TEST_F(DynamicDims, ABatchSizeThatChangesCompilesOnceMore) {
  Tensor w = randomTensor({16, 24}), b = randomTensor({24});
  realize({w, b});
  uint64_t misses = 0;  // of the program under test (the references compile programs too)
  for (int64_t batch : {3, 5, 1, 8, 2, 17, 5, 64}) {
    Tensor x = randomTensor({batch, 16});
    uint64_t before = cache_stats().misses;
    Tensor y = (relu(matmul(x, w) + b) * 0.5f).mean({1});
    realize({y});
    misses += cache_stats().misses - before;
    expectClose(y, mlpRef(toRef(x), toRef(w), toRef(b)), 1e-5, 1e-5, "batch " + std::to_string(batch));
  }
  if (dynamicBackend()) EXPECT_EQ(misses, 2u) << "one program for batch 3, one with a dynamic batch for the rest";
}

TEST_F(DynamicDims, AttentionOverBatchAndSequenceLengths) {
  constexpr int64_t heads = 4, width = 32, headWidth = width / heads;
  Tensor wq = randomTensor({width, width}, kFloat32, 0.2);
  realize({wq});
  auto attention = [&](const Tensor &x) {
    int64_t batch = x.size(0), tokens = x.size(1);
    Tensor q = matmul(x, wq).reshape({batch, tokens, heads, headWidth}).permute({0, 2, 1, 3});
    Tensor scores = matmul(q, q.transpose(2, 3)) * 0.25f;
    Tensor p = softmax(scores, -1);
    return matmul(p, q).permute({0, 2, 1, 3}).reshape({batch, tokens, width});
  };
  auto reference = [&](const Ref &x, int64_t batch, int64_t tokens) {
    Ref q = permute(Ref{{batch, tokens, heads, headWidth}, matmul(x, toRef(wq)).v}, {0, 2, 1, 3});
    Ref qt = permute(q, {0, 1, 3, 2});
    Ref scores = map(matmul(q, qt), [](double v) { return v * 0.25; });
    Ref maxes = reduce(scores, {3}, true, -1e300, [](double a, double v) { return std::max(a, v); });
    Ref e = zip(scores, maxes, [](double s, double m) { return std::exp(s - m); });
    Ref p = zip(e, reduce(e, {3}, true, 0.0, std::plus<double>()), std::divides<double>());
    Ref o = permute(matmul(p, q), {0, 2, 1, 3});
    return Ref{{batch, tokens, width}, o.v};
  };
  uint64_t misses = 0;
  for (auto [batch, tokens] : std::vector<std::pair<int64_t, int64_t>>{{2, 5}, {2, 7}, {2, 1}, {3, 5}, {1, 9}, {4, 16}}) {
    Tensor x = randomTensor({batch, tokens, width});
    uint64_t before = cache_stats().misses;
    Tensor y = attention(x);
    realize({y});
    misses += cache_stats().misses - before;
    expectClose(y, reference(toRef(x), batch, tokens), 1e-4, 1e-5,
                "batch " + std::to_string(batch) + ", tokens " + std::to_string(tokens));
  }
  if (dynamicBackend()) EXPECT_EQ(misses, 3u) << "static, then tokens dynamic, then batch and tokens dynamic";
}

TEST_F(DynamicDims, ASplitAlongAStaticDimKeepsTheOthersDynamic) {
  Tensor w = randomTensor({8, 24}, kFloat32, 0.5);
  realize({w});
  uint64_t misses = 0;
  for (auto [batch, tokens] : std::vector<std::pair<int64_t, int64_t>>{{2, 3}, {2, 5}, {4, 3}, {1, 7}}) {
    Tensor x = randomTensor({batch, tokens, 8});
    uint64_t before = cache_stats().misses;
    Tensor qkv = matmul(x, w);
    Tensor y = qkv.slice(2, 0, 8) * qkv.slice(2, 8, 16) + qkv.slice(2, 16, 24);
    realize({y});
    misses += cache_stats().misses - before;
    Ref p = matmul(toRef(x), toRef(w));
    Ref want{{batch, tokens, 8}, std::vector<double>(static_cast<size_t>(batch * tokens * 8))};
    for (int64_t r = 0; r < batch * tokens; ++r)
      for (int64_t c = 0; c < 8; ++c)
        want.v[r * 8 + c] = p.v[r * 24 + c] * p.v[r * 24 + 8 + c] + p.v[r * 24 + 16 + c];
    expectClose(y, want, 1e-5, 1e-5, "batch " + std::to_string(batch) + ", tokens " + std::to_string(tokens));
  }
  if (dynamicBackend()) EXPECT_EQ(misses, 3u) << "static, then tokens `?`, then batch and tokens `?`";
}

TEST_F(DynamicDims, MarkDynamicCompilesOnceFromTheStart) {
  Tensor w = randomTensor({12, 6});
  realize({w});
  uint64_t misses = 0;
  for (int64_t batch : {7, 3, 11}) {
    Tensor x = randomTensor({batch, 12});
    mark_dynamic(x, 0);
    uint64_t before = cache_stats().misses;
    Tensor y = tanh(matmul(x, w));
    realize({y});
    misses += cache_stats().misses - before;
    expectClose(y, map(matmul(toRef(x), toRef(w)), [](double v) { return std::tanh(v); }), 1e-5, 1e-5,
                "batch " + std::to_string(batch));
  }
  if (dynamicBackend()) EXPECT_EQ(misses, 1u);
  EXPECT_THROW(mark_dynamic(w, 2), Error);
}

TEST_F(DynamicDims, MarkStaticKeepsADimSpecialized) {
  uint64_t misses = 0;
  for (int64_t batch : {4, 6, 9, 4}) {
    Tensor x = randomTensor({batch, 5});
    mark_static(x, 0);
    uint64_t before = cache_stats().misses;
    Tensor y = exp(x) * 0.125f;
    realize({y});
    misses += cache_stats().misses - before;
    expectClose(y, map(toRef(x), [](double v) { return std::exp(v) * 0.125; }), 1e-6, 1e-6, "static");
  }
  EXPECT_EQ(misses, 3u);
}

TEST_F(DynamicDims, AStretchingSizeGetsAProgramOfItsOwn) {
  // The second input's first dim changes, once to 1: it then stretches against the first
  // input's, which a program with that dim `?` does not do.
  uint64_t misses = 0;
  for (int64_t rows : {6, 6, 1, 6}) {
    Tensor a = randomTensor({6, 5}), c = randomTensor({rows, 5});
    Tensor x = randomTensor({rows + 1, 5});
    uint64_t before = cache_stats().misses;
    Tensor y = (a + c).sum({0}) + x.sum({0});
    realize({y});
    misses += cache_stats().misses - before;
    Ref want = zip(reduce(zip(toRef(a), toRef(c), std::plus<double>()), {0}, false, 0.0, std::plus<double>()),
                   reduce(toRef(x), {0}, false, 0.0, std::plus<double>()), std::plus<double>());
    expectClose(y, want, 1e-5, 1e-5, "rows " + std::to_string(rows));
  }
  EXPECT_EQ(misses, 2u) << "one for 6 rows; 1 row stretches, so no `?` program, one for it";
}

TEST_F(DynamicDims, AnOpWithoutDynamicSizesKeepsTheProgramSpecialized) {
  for (int64_t n : {8, 9, 10}) {
    Tensor x = randomTensor({n, 4});
    Tensor y = x.slice(0, 1, n) * 2.0f;  // a slice of the dim that changes
    Ref xr = toRef(x);
    Ref want{{n - 1, 4}, std::vector<double>(xr.v.begin() + 4, xr.v.end())};
    expectClose(y, map(want, [](double v) { return 2 * v; }), 1e-6, 1e-6, "slice");
  }
}

TEST_F(DynamicDims, TheLogSaysWhichDimBecameDynamic) {
  setenv("FUSOR_LOG", "recompiles", 1);
  ::testing::internal::CaptureStderr();
  for (int64_t n : {13, 14}) (sigmoid(randomTensor({n, 3})) * 1.625f).sum().item<float>();
  std::string log = ::testing::internal::GetCapturedStderr();
  unsetenv("FUSOR_LOG");
  if (dynamicBackend()) EXPECT_NE(log.find("dynamic dim 0 of input 0 (sizes seen: 13 14)"), std::string::npos) << log;
}

}  // namespace
}  // namespace fusor::testing
