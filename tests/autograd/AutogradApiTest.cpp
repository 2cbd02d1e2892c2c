// Autograd's API and semantics, as libtorch's: leaves, accumulation, grad mode, retain_graph,
// in-place ops and versions, autograd::grad, and the errors.
#include <gtest/gtest.h>

#include "GradCheck.h"

namespace fusor::testing {
namespace {

std::vector<double> values(const Tensor &t) { return t.to_vector<double>(); }

TEST(Autograd, LeavesAccumulateAcrossBackwards) {
  Tensor x = from_vector<double>({1, 2, 3}, {3}).requires_grad_();
  EXPECT_TRUE(x.requires_grad());
  EXPECT_TRUE(x.is_leaf());
  EXPECT_FALSE(x.grad().defined());
  Tensor y = (x * x).sum();
  EXPECT_FALSE(y.is_leaf());
  EXPECT_EQ(y.grad_fn_name(), "reduce_sum");
  y.backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 4, 6}));
  Tensor kept = x.grad();
  (x * 3.0).sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{5, 7, 9}));
  EXPECT_EQ(values(kept), (std::vector<double>{5, 7, 9}));  // accumulated in place
  x.grad().zero_();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{0, 0, 0}));
  x.mutable_grad() = {};
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, TensorOptionsRequiresGrad) {
  Tensor w = zeros({2, 2}, TensorOptions(kFloat32).requires_grad(true));
  EXPECT_TRUE(w.requires_grad());
  EXPECT_TRUE(w.is_leaf());
  EXPECT_TRUE(randn({3}, TensorOptions().requires_grad(true)).requires_grad());
  EXPECT_FALSE(ones({3}).requires_grad());
  (w * 2.0f).sum().backward();
  EXPECT_EQ(w.grad().to_vector<float>(), (std::vector<float>{2, 2, 2, 2}));
  EXPECT_THROW(zeros({2}, TensorOptions(kInt64).requires_grad(true)), Error);
}

TEST(Autograd, NoGradGuardAndDetach) {
  Tensor x = from_vector<float>({1, 2}, {2}).requires_grad_();
  {
    NoGradGuard guard;
    EXPECT_FALSE((x * 2.0f).requires_grad());
    EXPECT_FALSE(GradMode::is_enabled());
  }
  EXPECT_TRUE(GradMode::is_enabled());
  EXPECT_TRUE((x * 2.0f).requires_grad());
  EXPECT_FALSE(x.detach().requires_grad());
  Tensor y = (x.detach() * x).sum();
  y.backward();
  EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{1, 2}));
}

TEST(Autograd, NonScalarNeedsGradient) {
  Tensor x = from_vector<double>({1, 2, 3}, {3}).requires_grad_();
  Tensor y = x * 2.0;
  try {
    y.backward();
    FAIL() << "expected an error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("scalar outputs"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("AutogradApiTest.cpp"), std::string::npos) << e.what();
  }
  y.backward(from_vector<double>({1, 10, 100}, {3}));
  EXPECT_EQ(values(x.grad()), (std::vector<double>{2, 20, 200}));
}

TEST(Autograd, BackwardTwiceNeedsRetainGraph) {
  Tensor x = from_vector<double>({1, 2, 3}, {3}).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{4, 8, 12}));
  try {
    y.backward();
    FAIL() << "expected an error";
  } catch (const Error &e) {
    std::string m = e.what();
    EXPECT_NE(m.find("second time"), std::string::npos) << m;
    EXPECT_NE(m.find("mul"), std::string::npos) << m;
  }
}

TEST(Autograd, BackwardOfTensorWithoutGrad) {
  Tensor x = from_vector<double>({1, 2}, {2});
  EXPECT_THROW(x.sum().backward(), Error);
  Tensor w = from_vector<double>({1, 2}, {2}).requires_grad_();
  EXPECT_THROW(autograd::grad({(w * 2.0).sum()}, {x}), Error);
}

TEST(Autograd, GradOutputsShapeMismatch) {
  Tensor x = from_vector<double>({1, 2, 3}, {3}).requires_grad_();
  try {
    autograd::grad({x * 2.0}, {x}, {ones({2})});
    FAIL() << "expected an error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("mismatch in shape"), std::string::npos) << e.what();
  }
}

TEST(Autograd, InPlaceChangeOfSavedTensorIsAnError) {
  Tensor x = from_vector<double>({1, 2, 3}, {3}).requires_grad_();
  Tensor a = x * 1.0;
  Tensor y = (a * a).sum();  // mul saves a
  a.add_(1.0);
  try {
    y.backward();
    FAIL() << "expected an error";
  } catch (const Error &e) {
    std::string m = e.what();
    EXPECT_NE(m.find("modified by an in-place operation"), std::string::npos) << m;
    EXPECT_NE(m.find("mul"), std::string::npos) << m;
  }
  // add saves nothing: changing its input afterwards is fine, as in torch.
  Tensor b = x * 1.0;
  Tensor z = (b + 1.0).sum();
  b.mul_(2.0);
  z.backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{1, 1, 1}));
}

TEST(Autograd, InPlaceOps) {
  Tensor t = from_vector<float>({1, 2, 3}, {3});
  Tensor alias = t;
  t.add_(1.0f);
  EXPECT_EQ(alias.to_vector<float>(), (std::vector<float>{2, 3, 4}));
  EXPECT_EQ(t._version(), 1u);
  t.sub_(from_vector<float>({1, 1, 1}, {3}), 2);
  t.mul_(2);
  t.div_(2);
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{0, 1, 2}));
  t.clamp_(0.5, 1.5);
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{0.5, 1, 1.5}));
  t.fill_(7);
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{7, 7, 7}));
  t.copy_(from_vector<int64_t>({4, 5, 6}, {3}));
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{4, 5, 6}));
  t.zero_();
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{0, 0, 0}));
  Tensor i = from_vector<int64_t>({1, 2}, {2});
  EXPECT_THROW(i.div_(2), Error);                         // float result into int64
  EXPECT_THROW(t.add_(ones({2, 3})), Error);              // broadcast changes the shape
  Tensor leaf = ones({3}).requires_grad_();
  EXPECT_THROW(leaf.add_(1.0f), Error);
  {
    NoGradGuard guard;
    leaf.add_(1.0f);  // as an optimizer does
  }
  EXPECT_EQ(leaf.to_vector<float>(), (std::vector<float>{2, 2, 2}));
  EXPECT_TRUE(leaf.is_leaf());
  EXPECT_TRUE(leaf.requires_grad());
}

TEST(Autograd, InPlaceOnNonLeafIsDifferentiated) {
  Tensor x = from_vector<double>({1, 2, 3}, {3}).requires_grad_();
  Tensor y = x * 2.0;
  y.mul_(x);  // y = 2 x^2
  y.sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{4, 8, 12}));
}

TEST(Autograd, AutogradGradDoesNotAccumulate) {
  Tensor x = from_vector<double>({1, 2, 3}, {3}).requires_grad_();
  Tensor h = x * x;
  Tensor y = (h * 3.0).sum();
  auto g = autograd::grad({y}, {x, h});
  EXPECT_EQ(values(g[0]), (std::vector<double>{6, 12, 18}));
  EXPECT_EQ(values(g[1]), (std::vector<double>{3, 3, 3}));
  EXPECT_FALSE(x.grad().defined());
  Tensor unused = ones({2}, kFloat64).requires_grad_();
  EXPECT_THROW(autograd::grad({(x * 2.0).sum()}, {unused}), Error);
  auto none = autograd::grad({(x * 2.0).sum()}, {unused}, {}, std::nullopt, false, true);
  EXPECT_FALSE(none[0].defined());
}

TEST(Autograd, DoubleBackward) {
  Tensor x = from_vector<double>({0.5, -1, 2}, {3}).requires_grad_();
  Tensor y = (x * x * x).sum();
  auto [g] = std::tuple{autograd::grad({y}, {x}, {}, std::nullopt, true)[0]};
  EXPECT_TRUE(g.requires_grad());
  g.sum().backward();
  EXPECT_EQ(values(x.grad()), (std::vector<double>{3, -6, 12}));  // d/dx sum(3x^2) = 6x
}

TEST(Autograd, RetainGrad) {
  Tensor x = from_vector<double>({1, 2}, {2}).requires_grad_();
  Tensor h = x * 3.0;
  h.retain_grad();
  (h * h).sum().backward();
  EXPECT_EQ(values(h.grad()), (std::vector<double>{6, 12}));
  EXPECT_EQ(values(x.grad()), (std::vector<double>{18, 36}));
}

TEST(Autograd, BackwardIsLazy) {
  Tensor x = randomDouble({64, 64}).requires_grad_();
  Tensor w = randomDouble({64, 64}).requires_grad_();
  CacheStats before = cache_stats();
  Tensor loss = tanh(matmul(x, w)).sum();
  loss.backward();
  // Nothing ran yet: the gradients are recorded graphs.
  EXPECT_EQ(cache_stats().hits + cache_stats().misses, before.hits + before.misses);
  EXPECT_FALSE(w.grad().node()->realized());
  realize({loss, x.grad(), w.grad()});
  EXPECT_EQ(cache_stats().hits + cache_stats().misses, before.hits + before.misses + 1);
}

}  // namespace
}  // namespace fusor::testing
