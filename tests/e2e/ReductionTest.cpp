// Reductions vs a double reference.
#include <limits>

#include "Reference.h"

namespace fusor::testing {
namespace {

// Every subset of dims of `rank` (as lists), for exhaustive small-rank sweeps.
std::vector<std::vector<int64_t>> dimSubsets(int64_t rank) {
  std::vector<std::vector<int64_t>> out;
  for (int64_t mask = 1; mask < (1 << rank); ++mask) {
    std::vector<int64_t> dims;
    for (int64_t d = 0; d < rank; ++d)
      if (mask & (1 << d)) dims.push_back(d);
    out.push_back(dims);
  }
  return out;
}

TEST(Reductions, SumMeanMaxMinOverEveryDimSet) {
  for (const auto &shape : awkwardShapes()) {
    Tensor x = randomTensor(shape);
    Ref r = toRef(x);
    double n = static_cast<double>(r.numel());
    double tol = 1e-5 * std::sqrt(n) + 1e-5;  // float32 accumulation
    auto sets = dimSubsets(static_cast<int64_t>(shape.size()));
    sets.push_back({});  // all dims
    for (const auto &dims : sets) {
      for (bool keep : {false, true}) {
        std::string what = shapeString(shape) + " dims " + shapeString(dims) + (keep ? " keepdim" : "");
        Ref sum = reduce(r, dims, keep, 0.0, std::plus<double>());
        expectClose(x.sum(dims, keep), sum, 1e-5, tol, "sum " + what);
        if (!shape.empty()) {
          double count = 1;
          for (int64_t d : (dims.empty() ? std::vector<int64_t>{} : dims)) count *= shape[d];
          if (dims.empty()) count = n;
          expectClose(x.mean(dims, keep), map(sum, [&](double s) { return s / count; }), 1e-5,
                      tol / count + 1e-6, "mean " + what);
        }
        expectClose(x.amax(dims, keep), reduce(r, dims, keep, -INFINITY, [](double a, double b) { return std::max(a, b); }),
                    0, 0, "amax " + what);
        expectClose(x.amin(dims, keep), reduce(r, dims, keep, INFINITY, [](double a, double b) { return std::min(a, b); }),
                    0, 0, "amin " + what);
      }
    }
  }
}

TEST(Reductions, LongRowMaximaAndMinimaKeepNaN) {
  // Rows of 40 (long enough for the vectorized loop): a NaN anywhere in a row, first, in the
  // loop's vector body or in its tail, makes that row's max and min NaN, as in torch; infinities
  // and zeros of both signs are ordinary values. In f32, f16 and bf16 (the values are exact in
  // each).
  std::vector<float> values(5 * 40);
  for (size_t i = 0; i < values.size(); ++i) values[i] = float(int(i * 37 % 101) - 50) / 8.0f;
  values[1 * 40 + 0] = NAN;
  values[2 * 40 + 17] = NAN;
  values[3 * 40 + 39] = NAN;
  values[4 * 40 + 5] = INFINITY, values[4 * 40 + 6] = -INFINITY, values[4 * 40 + 7] = -0.0f;
  for (DType dtype : {kFloat32, kFloat16, kBFloat16})
  for (bool max : {true, false}) {
    Tensor x = from_vector<float>(values, {5, 40}).to(dtype);
    std::vector<float> got = (max ? x.amax({1}) : x.amin({1})).to(kFloat32).to_vector<float>();
    for (int64_t row = 0; row < 5; ++row) {
      float expected = max ? -INFINITY : INFINITY;
      for (int64_t j = 0; j < 40; ++j) {
        float v = values[row * 40 + j];
        expected = std::isnan(v) || std::isnan(expected) ? NAN : max ? std::max(expected, v) : std::min(expected, v);
      }
      std::string what = std::string(max ? "max" : "min") + " of row " + std::to_string(row) + " in " + std::string(toString(dtype));
      if (std::isnan(expected)) EXPECT_TRUE(std::isnan(got[row])) << what;
      else EXPECT_EQ(got[row], expected) << what;
    }
  }
}

TEST(Reductions, ProdAndIntegerSums) {
  Tensor x = randomTensor({3, 4}, kFloat32, 0.5) + 1.0;
  Ref all = toRef(x);
  double product = 1, largest = -INFINITY, smallest = INFINITY;
  for (double v : all.v) product *= v, largest = std::max(largest, v), smallest = std::min(smallest, v);
  EXPECT_NEAR(fusor::prod(x).item<double>(), product, 1e-5 * std::abs(product));
  EXPECT_EQ(fusor::max(x).item<double>(), largest);
  EXPECT_EQ(fusor::min(x).item<double>(), smallest);
  expectClose(x.prod(1), reduce(toRef(x), {1}, false, 1.0, std::multiplies<double>()), 1e-5, 1e-6, "prod");
  Tensor i = randomInts({5, 7}, -100, 100, kInt32);
  Tensor s = i.sum({0});
  EXPECT_EQ(s.dtype(), kInt64);  // as torch
  expectClose(s, reduce(toRef(i), {0}, false, 0.0, std::plus<double>()), 0, 0, "int sum");
  Tensor b = randomTensor({6, 5}) > 0;
  expectClose(b.sum({1}), reduce(toRef(b), {1}, false, 0.0, std::plus<double>()), 0, 0, "bool sum");
}

TEST(Reductions, HalfPrecisionSumsAccumulateInFloat) {
  Tensor x = ones({4096}, kFloat16);
  // 4096 ones: an f16 accumulator would stop at 2048.
  EXPECT_EQ(x.sum().item<double>(), 4096.0);
  Tensor y = randomTensor({3, 1000}, kBFloat16);
  expectClose(y.sum({1}).to(kFloat32), reduce(toRef(y), {1}, false, 0.0, std::plus<double>()),
              1e-2, 0.3, "bf16 sum");
}

TEST(Reductions, ArgmaxTakesTheFirstMaximum) {
  for (const auto &shape : awkwardShapes()) {
    if (shape.empty()) continue;
    Tensor x = randomTensor(shape);
    Ref r = toRef(x);
    for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
      // The reference: index of the first maximum along d.
      Ref best = reduce(r, {d}, true, -INFINITY, [](double a, double b) { return std::max(a, b); });
      Tensor idx = x.argmax(d, true);
      Ref values = toRef(gather(x, d, idx));
      EXPECT_EQ(values.v, best.v) << shapeString(shape) << " dim " << d;
    }
  }
  Tensor ties = from_vector<float>({1, 3, 3, 2, 3}, {5});
  EXPECT_EQ(ties.argmax().item<int64_t>(), 1);
  Tensor withNaN = from_vector<float>({1, NAN, 3}, {3});
  EXPECT_EQ(withNaN.argmax().item<int64_t>(), 1);  // NaN is the maximum, as in torch
  auto [values, indices] = from_vector<int32_t>({4, 9, 9, 1, 0, 0}, {2, 3}).max(1);
  EXPECT_EQ(values.to_vector<int64_t>(), (std::vector<int64_t>{9, 1}));
  EXPECT_EQ(indices.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  auto [minValues, minIndices] = from_vector<int32_t>({4, 9, 1, 1, 0, 0}, {2, 3}).min(1);
  EXPECT_EQ(minValues.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(minIndices.to_vector<int64_t>(), (std::vector<int64_t>{2, 1}));
  Tensor extreme = from_vector<int64_t>({std::numeric_limits<int64_t>::min(), 3}, {2});
  EXPECT_EQ(std::get<1>(extreme.min(0)).item<int64_t>(), 0);
}

}  // namespace
}  // namespace fusor::testing
