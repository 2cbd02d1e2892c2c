// Shape and data-movement ops: exact results.
#include <numeric>

#include "Reference.h"

namespace fusor::testing {
namespace {

// 0, 1, 2, ... as float32 in `shape`.
Tensor iota(std::vector<int64_t> shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), 0.0f);
  return from_vector(v, shape);
}

std::vector<float> values(const Tensor &t) { return t.to_vector<float>(); }

TEST(ShapeOps, ReshapeFamily) {
  Tensor x = iota({2, 3, 4});
  EXPECT_EQ(values(x.reshape({4, -1})), values(x));
  EXPECT_EQ(x.reshape({4, -1}).sizes()[1], 6);
  EXPECT_EQ(x.view({24}).dim(), 1);
  EXPECT_EQ(x.flatten(1).sizes()[1], 12);
  EXPECT_EQ(x.unsqueeze(-1).dim(), 4);
  EXPECT_EQ(x.unsqueeze(0).squeeze().dim(), 3);
  EXPECT_EQ(iota({1, 3, 1}).squeeze(2).dim(), 2);
  EXPECT_EQ(values((x.reshape({6, 4}) + 1).reshape({24})), values(x + 1));
  Tensor s = scalar_tensor(5.0, kFloat32);
  EXPECT_EQ(s.reshape({1, 1}).item<float>(), 5.0f);
}

TEST(ShapeOps, PermuteAndTranspose) {
  Tensor x = iota({2, 3, 5});
  expectClose(x.permute({1, 2, 0}), permute(toRef(x), {1, 2, 0}), 0, 0, "permute");
  expectClose(x.transpose(0, -1), permute(toRef(x), {2, 1, 0}), 0, 0, "transpose");
  expectClose(iota({3, 7}).t(), permute(toRef(iota({3, 7})), {1, 0}), 0, 0, "t");
  expectClose(x.permute({2, 0, 1}).permute({1, 2, 0}), toRef(x), 0, 0, "permute round trip");
}

TEST(ShapeOps, ExpandSliceNarrow) {
  Tensor x = iota({3, 1});
  EXPECT_EQ(values(x.expand({2, 3, 4})),
            values(iota({3, 1}).expand({2, 3, 4}).reshape({24})));
  EXPECT_EQ(values(x.expand({-1, 2})), (std::vector<float>{0, 0, 1, 1, 2, 2}));
  Tensor y = iota({4, 10});
  Tensor s = y.slice(1, 1, 100, 3);  // Python: y[:, 1::3]
  EXPECT_EQ(s.sizes()[1], 3);
  EXPECT_EQ(values(s.slice(0, -2, 4)), (std::vector<float>{21, 24, 27, 31, 34, 37}));
  EXPECT_EQ(values(y.narrow(0, 1, 1).narrow(1, -3, 2)), (std::vector<float>{17, 18}));
  EXPECT_EQ(y.slice(1, 7, 3).numel(), 0);  // empty, as y[:, 7:3]
}

TEST(ShapeOps, CatIndexSelectGather) {
  Tensor a = iota({2, 3}), b = iota({2, 2}) + 100;
  EXPECT_EQ(values(cat({a, b}, 1)), (std::vector<float>{0, 1, 2, 100, 101, 3, 4, 5, 102, 103}));
  EXPECT_EQ(values(cat({a, a * 2}, 0)), (std::vector<float>{0, 1, 2, 3, 4, 5, 0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(cat({a, a.to(kFloat64)}, 0).dtype(), kFloat64);
  Tensor table = iota({5, 3});
  Tensor ids = from_vector<int64_t>({4, 0, 4, 2}, {2, 2});
  Tensor rows = index_select(table, 0, ids);
  EXPECT_EQ(rows.sizes()[2], 3);
  EXPECT_EQ(values(rows), (std::vector<float>{12, 13, 14, 0, 1, 2, 12, 13, 14, 6, 7, 8}));
  Tensor cols = index_select(table, 1, from_vector<int32_t>({2, 0}, {2}));
  EXPECT_EQ(values(cols), (std::vector<float>{2, 0, 5, 3, 8, 6, 11, 9, 14, 12}));
  Tensor picks = gather(table, 1, from_vector<int64_t>({0, 2, 1, 1, 0}, {5, 1}));
  EXPECT_EQ(values(picks), (std::vector<float>{0, 5, 7, 10, 12}));
}

TEST(ShapeOps, EmptyTensors) {
  EXPECT_EQ(values(cat({iota({2}), zeros({0}), iota({1})})), (std::vector<float>{0, 1, 0}));
  EXPECT_EQ(iota({5}).slice(0, 5, 5).numel(), 0);
  EXPECT_EQ(values(zeros({0, 3}).sum({0})), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(exp(ones({2, 0})).numel(), 0);
  EXPECT_EQ(values(matmul(ones({2, 0}), ones({0, 2}))), (std::vector<float>{0, 0, 0, 0}));
  EXPECT_THROW(zeros({0}).max(), Error);
  EXPECT_THROW(zeros({3, 0}).argmax(1), Error);
  EXPECT_EQ(zeros({3, 0}).amax({0}).numel(), 0);  // reducing a non-empty dim is fine
}

TEST(ShapeOps, FactoriesAndDtypes) {
  EXPECT_EQ(zeros({2, 3}).sum().item<float>(), 0.0f);
  EXPECT_EQ(ones({2, 3}, kInt32).sum().item<int64_t>(), 6);
  EXPECT_EQ(full({4}, 2.5).to_vector<float>(), (std::vector<float>{2.5f, 2.5f, 2.5f, 2.5f}));
  EXPECT_EQ(arange(5).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(1, 2, 0.25, kFloat32).to_vector<float>(), (std::vector<float>{1, 1.25f, 1.5f, 1.75f}));
  manual_seed(7);
  std::vector<float> first = rand({100}).to_vector<float>();
  manual_seed(7);
  EXPECT_EQ(rand({100}).to_vector<float>(), first);
  for (float v : first) EXPECT_TRUE(v >= 0 && v < 1);
  Tensor n = randn({20000});
  EXPECT_NEAR(n.mean().item<double>(), 0.0, 0.05);
  EXPECT_NEAR((n * n).mean().item<double>(), 1.0, 0.05);
  Tensor t = from_vector<double>({1.5, -2.25}, {2});
  for (DType d : {kFloat16, kBFloat16, kFloat32, kFloat64})
    EXPECT_EQ(t.to(d).to_vector<double>(), (std::vector<double>{1.5, -2.25})) << toString(d);
  EXPECT_EQ(zeros_like(t).dtype(), kFloat64);
}

}  // namespace
}  // namespace fusor::testing
