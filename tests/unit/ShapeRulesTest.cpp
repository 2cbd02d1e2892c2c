#include "fusor/ir/ShapeRules.h"

#include <gtest/gtest.h>

using namespace fusor::shape;

namespace {

constexpr int64_t D = kDynamic;
constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();

Shape ok(const ShapeOr &r) {
  EXPECT_TRUE(r.ok()) << r.error;
  return r.shape;
}

std::string error(const ShapeOr &r) {
  EXPECT_FALSE(r.ok()) << "inferred " << toString(r.shape);
  return r.error;
}

TEST(ShapeRules, BroadcastFollowsNumPy) {
  EXPECT_EQ(ok(broadcast(Shape{3, 1}, Shape{4})), (Shape{3, 4}));
  EXPECT_EQ(ok(broadcast(Shape{}, Shape{2, 7})), (Shape{2, 7}));
  EXPECT_EQ(ok(broadcast(Shape{1, 1, 13}, Shape{5, 1})), (Shape{1, 5, 13}));
  EXPECT_EQ(ok(broadcast(Shape{0, 1}, Shape{1, 3})), (Shape{0, 3}));
  EXPECT_EQ(ok(broadcast(Shape{}, Shape{})), (Shape{}));
  Shape a{2, 1, 1}, b{3, 1}, c{5};
  ShapeRef three[] = {a, b, c};
  EXPECT_EQ(ok(broadcast(three)), (Shape{2, 3, 5}));
}

TEST(ShapeRules, BroadcastWithDynamicSizes) {
  EXPECT_EQ(ok(broadcast(Shape{D, 4}, Shape{4})), (Shape{D, 4}));
  EXPECT_EQ(ok(broadcast(Shape{D}, Shape{7})), (Shape{7}));  // ? is 1 or 7
  EXPECT_EQ(ok(broadcast(Shape{D}, Shape{1})), (Shape{D}));
  EXPECT_EQ(ok(broadcast(Shape{D}, Shape{D})), (Shape{D}));
}

TEST(ShapeRules, BroadcastMismatchNamesTheSizes) {
  EXPECT_EQ(error(broadcast(Shape{3, 4}, Shape{5})),
            "shapes are not broadcastable: dim 0 (from the right) has sizes 4 and 5");
  Shape a{2}, b{1}, c{3};
  ShapeRef three[] = {a, b, c};
  EXPECT_NE(error(broadcast(three)).find("sizes 2 and 3"), std::string::npos);
}

TEST(ShapeRules, BroadcastTo) {
  EXPECT_EQ(ok(broadcastTo(Shape{3, 1}, Shape{2, 3, 4})), (Shape{2, 3, 4}));
  EXPECT_EQ(ok(broadcastTo(Shape{}, Shape{5})), (Shape{5}));
  EXPECT_EQ(ok(broadcastTo(Shape{3}, Shape{D, D})), (Shape{D, 3}));
  EXPECT_EQ(error(broadcastTo(Shape{3}, Shape{4})), "dim 0 of size 3 cannot broadcast to size 4");
  EXPECT_EQ(error(broadcastTo(Shape{1, 1}, Shape{1})), "cannot broadcast rank 2 down to rank 1");
}

TEST(ShapeRules, MatmulHasTorchSemantics) {
  EXPECT_EQ(ok(matmul(Shape{3}, Shape{3})), (Shape{}));
  EXPECT_EQ(ok(matmul(Shape{3}, Shape{3, 4})), (Shape{4}));
  EXPECT_EQ(ok(matmul(Shape{5, 3}, Shape{3})), (Shape{5}));
  EXPECT_EQ(ok(matmul(Shape{5, 3}, Shape{3, 4})), (Shape{5, 4}));
  EXPECT_EQ(ok(matmul(Shape{3}, Shape{7, 3, 4})), (Shape{7, 4}));
  EXPECT_EQ(ok(matmul(Shape{7, 5, 3}, Shape{3})), (Shape{7, 5}));
  EXPECT_EQ(ok(matmul(Shape{8, 1, 16, 32}, Shape{5, 32, 64})), (Shape{8, 5, 16, 64}));
  EXPECT_EQ(ok(matmul(Shape{D, 3}, Shape{D, 11})), (Shape{D, 11}));
  EXPECT_EQ(ok(matmul(Shape{1, 1}, Shape{1, 1})), (Shape{1, 1}));
}

TEST(ShapeRules, MatmulErrors) {
  EXPECT_EQ(error(matmul(Shape{2, 3}, Shape{4, 5})), "inner dimensions differ: 3 vs 4");
  EXPECT_EQ(error(matmul(Shape{3}, Shape{4})), "inner dimensions differ: 3 vs 4");
  EXPECT_NE(error(matmul(Shape{}, Shape{3})).find("rank >= 1"), std::string::npos);
  EXPECT_NE(error(matmul(Shape{2, 3, 4}, Shape{5, 4, 6})).find("batch dims"), std::string::npos);
}

TEST(ShapeRules, Reduce) {
  EXPECT_EQ(ok(reduce(Shape{3, 4, 5}, Shape{0, 2}, true)), (Shape{1, 4, 1}));
  EXPECT_EQ(ok(reduce(Shape{3, 4, 5}, Shape{2, 0}, false)), (Shape{4}));
  EXPECT_EQ(ok(reduce(Shape{3, 4, 5}, Shape{}, false)), (Shape{3, 4, 5}));
  EXPECT_EQ(ok(reduce(Shape{D, 7}, Shape{1}, false)), (Shape{D}));
  EXPECT_EQ(ok(reduce(Shape{7}, Shape{0}, false)), (Shape{}));
  EXPECT_EQ(error(reduce(Shape{3}, Shape{1}, false)), "reduction dim 1 is out of range for rank 1");
  EXPECT_EQ(error(reduce(Shape{3, 4}, Shape{0, 0}, false)), "reduction dim 0 is repeated");
}

TEST(ShapeRules, Transpose) {
  EXPECT_EQ(ok(transpose(Shape{2, 3, 5}, Shape{2, 0, 1})), (Shape{5, 2, 3}));
  EXPECT_EQ(ok(transpose(Shape{}, Shape{})), (Shape{}));
  EXPECT_EQ(error(transpose(Shape{2, 3}, Shape{1, 1})), "[1, 1] is not a permutation of 0..1");
  EXPECT_EQ(error(transpose(Shape{2, 3}, Shape{0})),
            "permutation has 1 entry but the input has rank 2");
}

TEST(ShapeRules, Reshape) {
  EXPECT_EQ(ok(reshape(Shape{2, 3, 4}, Shape{6, 4})), (Shape{6, 4}));
  EXPECT_EQ(ok(reshape(Shape{2, 3, 4}, Shape{D, 2})), (Shape{12, 2}));
  EXPECT_EQ(ok(reshape(Shape{}, Shape{1, 1})), (Shape{1, 1}));
  EXPECT_EQ(ok(reshape(Shape{D, 4}, Shape{D, 2, 2})), (Shape{D, 2, 2}));
  EXPECT_EQ(ok(reshape(Shape{0, 3}, Shape{0})), (Shape{0}));
  EXPECT_EQ(error(reshape(Shape{2, 3}, Shape{7})), "element counts differ: 6 vs 7");
  EXPECT_EQ(error(reshape(Shape{2, 5}, Shape{D, 3})), "10 elements cannot be split into sizes ?x3");
  EXPECT_NE(error(reshape(Shape{4}, Shape{D, D})).find("at most one"), std::string::npos);
  EXPECT_NE(error(reshape(Shape{4}, Shape{kEnd, kEnd})).find("2^63"), std::string::npos);
}

TEST(ShapeRules, SliceClampsLikePython) {
  EXPECT_EQ(ok(slice(Shape{4, 10}, Shape{0, 1}, Shape{4, kEnd}, Shape{2, 3})), (Shape{2, 3}));
  EXPECT_EQ(ok(slice(Shape{5}, Shape{7}, Shape{9}, Shape{1})), (Shape{0}));
  EXPECT_EQ(ok(slice(Shape{5}, Shape{2}, Shape{2}, Shape{1})), (Shape{0}));
  EXPECT_EQ(ok(slice(Shape{13}, Shape{1}, Shape{13}, Shape{kEnd})), (Shape{1}));
  EXPECT_EQ(ok(slice(Shape{D}, Shape{0}, Shape{3}, Shape{1})), (Shape{D}));
  EXPECT_NE(error(slice(Shape{5}, Shape{3}, Shape{1}, Shape{1})).find("start 3, stop 1"),
            std::string::npos);
  EXPECT_NE(error(slice(Shape{5}, Shape{0}, Shape{5}, Shape{0})).find("step 0"), std::string::npos);
  EXPECT_EQ(error(slice(Shape{5}, Shape{}, Shape{5}, Shape{1})),
            "starts has 0 entries but the input has rank 1");
}

// Concatenates shapes held by the caller (a ShapeRef must not outlive its Shape).
ShapeOr concatOf(std::vector<Shape> shapes, int64_t dim) {
  std::vector<ShapeRef> refs(shapes.begin(), shapes.end());
  return concat(refs, dim);
}

TEST(ShapeRules, Concat) {
  EXPECT_EQ(ok(concatOf({{2, 3}, {5, 3}, {1, 3}}, 0)), (Shape{8, 3}));
  EXPECT_EQ(ok(concatOf({{D, 3}, {2, D}}, 0)), (Shape{D, 3}));
  EXPECT_EQ(ok(concatOf({{2, 3}, {2, 5}}, 1)), (Shape{2, 8}));
  EXPECT_EQ(error(concatOf({{2, 3}, {2, 4}}, 0)),
            "input 1 has size 4 in dim 1 where earlier inputs have 3");
  EXPECT_NE(error(concatOf({{kEnd}, {1}}, 0)).find("2^63"), std::string::npos);
  EXPECT_EQ(error(concat({}, 0)), "needs at least one input");
}

TEST(ShapeRules, Pad) {
  EXPECT_EQ(ok(pad(Shape{3, 4}, Shape{0, 1}, Shape{2, 0})), (Shape{5, 5}));
  EXPECT_EQ(ok(pad(Shape{D}, Shape{1}, Shape{1})), (Shape{D}));
  EXPECT_NE(error(pad(Shape{3}, Shape{-1}, Shape{0})).find("non-negative"), std::string::npos);
  EXPECT_NE(error(pad(Shape{3}, Shape{kEnd}, Shape{1})).find("2^63"), std::string::npos);
}

TEST(ShapeRules, IndexSelectAndGather) {
  EXPECT_EQ(ok(indexSelect(Shape{1000, 64}, Shape{8, 16}, 0)), (Shape{8, 16, 64}));
  EXPECT_EQ(ok(indexSelect(Shape{3, 5, 7}, Shape{}, 1)), (Shape{3, 7}));
  EXPECT_EQ(ok(indexSelect(Shape{3, 5, 7}, Shape{2}, 2)), (Shape{3, 5, 2}));
  EXPECT_EQ(error(indexSelect(Shape{3}, Shape{2}, 1)), "dim 1 is out of range for rank 1");
  EXPECT_EQ(ok(gather(Shape{8, 10}, Shape{8, 1}, 1)), (Shape{8, 1}));
  EXPECT_EQ(ok(gather(Shape{8, 10}, Shape{3, 20}, 1)), (Shape{3, 20}));
  EXPECT_EQ(error(gather(Shape{8, 10}, Shape{9, 1}, 1)),
            "indices have size 9 in dim 0 but the input only 8");
  EXPECT_EQ(error(gather(Shape{8, 10}, Shape{8}, 0)), "indices have rank 1 but the input has rank 2");
}

TEST(ShapeRules, Helpers) {
  EXPECT_EQ(numel(Shape{}), 1);
  EXPECT_EQ(numel(Shape{3, 0, 5}), 0);
  EXPECT_EQ(numel(Shape{3, D}), D);
  EXPECT_EQ(toString(Shape{2, D, 3}), "2x?x3");
  EXPECT_EQ(normalizeDim(-1, 3), 2);
  EXPECT_EQ(normalizeDim(3, 3), -1);
  EXPECT_EQ(normalizeDim(-4, 3), -1);
  EXPECT_EQ(normalizeDim(0, 0), -1);
}

}  // namespace
