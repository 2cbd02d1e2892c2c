// Double-precision reference implementations for the end-to-end tests.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "fusor/fusor.h"

namespace fusor::testing {

// A dense row-major tensor of doubles.
struct Ref {
  std::vector<int64_t> shape;
  std::vector<double> v;
  int64_t numel() const;
};

Ref toRef(const Tensor &t);
std::string shapeString(const std::vector<int64_t> &shape);

// Random inputs: normal values (never all zero), as a float32 tensor unless told otherwise.
Tensor randomTensor(std::vector<int64_t> shape, DType dtype = kFloat32, double scale = 1.0);
// Random integers in [lo, hi].
Tensor randomInts(std::vector<int64_t> shape, int64_t lo, int64_t hi, DType dtype = kInt64);

Ref map(const Ref &a, const std::function<double(double)> &f);
Ref zip(const Ref &a, const Ref &b, const std::function<double(double, double)> &f);
Ref reduce(const Ref &a, std::vector<int64_t> dims, bool keepdim, double init,
           const std::function<double(double, double)> &combine);
Ref matmul(const Ref &a, const Ref &b);
Ref permute(const Ref &a, const std::vector<int64_t> &perm);

// Shapes the tests sweep: rank 0-4, size-1 dims, primes, and one large.
const std::vector<std::vector<int64_t>> &awkwardShapes();
// Pairs of shapes that broadcast together.
const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> &broadcastPairs();

// Expects same shape and |actual - expected| <= atol + rtol * |expected| elementwise
// (NaNs must match NaNs, infinities must match exactly).
void expectClose(const Tensor &actual, const Ref &expected, double rtol, double atol,
                 const std::string &what);

// While alive, FUSOR_DYNAMIC_DIMS=0: each new size compiles its own program (for tests of the
// cache's own behaviour, which other tests' sizes of the same graph would otherwise change).
struct StaticSizes {
  StaticSizes() { setenv("FUSOR_DYNAMIC_DIMS", "0", 1); }
  ~StaticSizes() { unsetenv("FUSOR_DYNAMIC_DIMS"); }
};

}  // namespace fusor::testing
