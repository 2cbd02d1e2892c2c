// In-place ops through views, as torch's views share storage: changing a view changes the
// tensor it views, and the other way round, with gradients through both.
#include <gtest/gtest.h>

#include "GradCheck.h"

namespace fusor::testing {
namespace {

std::vector<float> values(const Tensor &t) { return t.to_vector<float>(); }

TEST(Views, InPlaceChangesFlowBothWays) {
  Tensor x = from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor row = x.slice(0, 1, 2);
  row.mul_(10);
  EXPECT_EQ(values(x), (std::vector<float>{1, 2, 3, 40, 50, 60}));
  Tensor t = x.t();
  t.add_(1);
  EXPECT_EQ(values(x), (std::vector<float>{2, 3, 4, 41, 51, 61}));
  EXPECT_EQ(values(row), (std::vector<float>{41, 51, 61}));  // a view sees a sibling's change
  x.view({-1}).slice(0, 1, 3).zero_();                        // a view of a view
  EXPECT_EQ(values(x), (std::vector<float>{2, 0, 0, 41, 51, 61}));
  x.fill_(7);  // the base changes: every view sees it
  EXPECT_EQ(values(row), (std::vector<float>{7, 7, 7}));
  EXPECT_EQ(values(t), (std::vector<float>(6, 7)));
  Tensor column = x.unsqueeze(0).permute({2, 1, 0}).squeeze(2);  // [3, 2]
  column.slice(0, 2, 3).sub_(7);
  EXPECT_EQ(values(x), (std::vector<float>{7, 7, 0, 7, 7, 0}));
  Tensor d = x.detach();  // shares the value, with no autograd across
  d.add_(1);
  EXPECT_EQ(values(x), (std::vector<float>{8, 8, 1, 8, 8, 1}));
  x.mul_(2);
  EXPECT_EQ(values(d), (std::vector<float>{16, 16, 2, 16, 16, 2}));
  EXPECT_EQ(values(x.narrow(1, 1, 2).copy_(from_vector<float>({-1, -2}, {2}))), (std::vector<float>{-1, -2, -1, -2}));
  EXPECT_EQ(values(x), (std::vector<float>{16, -1, -2, 16, -1, -2}));
}

// As torch: contiguous() of a transposed view, and reshape() of one, are tensors of their own;
// contiguous() of a contiguous view is still the view.
TEST(Views, ContiguousAndReshapeCopyNonContiguousViews) {
  Tensor x = from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  x.t().contiguous().zero_();
  x.t().reshape({6}).zero_();
  x.slice(1, 0, 2).contiguous().zero_();
  EXPECT_EQ(values(x), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  x.slice(0, 1, 2).contiguous().zero_();  // a row: contiguous, still a view
  x.unsqueeze(0).permute({1, 0, 2}).contiguous().reshape({6}).slice(0, 0, 1).fill_(9);
  EXPECT_EQ(values(x), (std::vector<float>{9, 2, 3, 0, 0, 0}));
}

TEST(Views, UnwritableViewsAreClearErrors) {
  Tensor e = from_vector<float>({1, 2}, {2}).expand({3, 2});
  std::string m = errorOf([&] { e.add_(1); });
  EXPECT_NE(m.find("more than one element of the written-to tensor"), std::string::npos) << m;
  Tensor x = from_vector<float>({1, 2, 3, 4}, {4});
  m = errorOf([&] { x.slice(0, 0, 4, 2).add_(1); });
  EXPECT_NE(m.find("with a step"), std::string::npos) << m;
  EXPECT_EQ(values(x), (std::vector<float>{1, 2, 3, 4}));
  Tensor w = from_vector<float>({1, 2, 3}, {3}).requires_grad_();
  m = errorOf([&] { w.slice(0, 0, 2).mul_(2); });
  EXPECT_NE(m.find("a view of a leaf tensor that requires grad"), std::string::npos) << m;
  {
    NoGradGuard g;
    w.slice(0, 0, 2).mul_(2);
  }
  EXPECT_EQ(values(w), (std::vector<float>{2, 4, 3}));
  w.detach().zero_();  // detach() bypasses autograd, as torch's w.data
  EXPECT_EQ(values(w), (std::vector<float>{0, 0, 0}));
}

// y = a * 1; y[1:3] *= b; y.t() += c  ->  gradients for a, b and c through both views.
TEST(Views, GradientsThroughInPlaceOnViews) {
  gradcheck(
      [](const std::vector<Tensor> &in) {
        Tensor y = in[0] * 1.0;
        y.slice(0, 1, 3).mul_(in[1]);
        y.t().add_(in[2]);
        return y * y;
      },
      {randomDouble({4, 3}), randomDouble({2, 3}), randomDouble({3, 4})}, "in-place through views");
}

}  // namespace
}  // namespace fusor::testing
