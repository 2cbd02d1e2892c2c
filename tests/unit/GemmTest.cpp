// The runtime GEMM that compiled matmuls call, against a double reference: every layout of A,
// B and C, shapes crossing the kernel's tile and block edges, accumulation, and the fused
// epilogue (bias per row or column, residual, clamp), on one thread and on several.
#include "fusor/runtime/Gemm.h"
#include "fusor/runtime/abi/Calls.h"
#include "fusor/runtime/ConstantWeights.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

struct Matrix {
  std::vector<float> data;
  int64_t rowStride, colStride;
  float &at(int64_t i, int64_t j) { return data[i * rowStride + j * colStride]; }
};

// rows x cols, row-major or transposed, with a gap after each row (or column) so that a
// leading dimension larger than the matrix is covered.
Matrix randomMatrix(int64_t rows, int64_t cols, bool transposed, std::mt19937 &rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Matrix x;
  x.rowStride = transposed ? 1 : cols + 3;
  x.colStride = transposed ? rows + 2 : 1;
  x.data.resize((transposed ? cols * x.colStride : rows * x.rowStride) + 8);
  for (float &v : x.data) v = dist(rng);
  return x;
}

struct Case {
  int64_t m, n, k;
  bool transA, transB, transC, accumulate;
  int64_t biasKind;
  float lo, hi;
  bool residual = false;
};

std::string describe(const Case &c, int threads) {
  return std::to_string(c.m) + "x" + std::to_string(c.n) + "x" + std::to_string(c.k) +
         (c.transA ? " A^T" : "") + (c.transB ? " B^T" : "") + (c.transC ? " C^T" : "") +
         (c.accumulate ? " +C" : "") + (c.residual ? " +residual" : "") + " bias " + std::to_string(c.biasKind) + " clamp [" +
         std::to_string(c.lo) + ", " + std::to_string(c.hi) + "] threads " + std::to_string(threads);
}

void check(const Case &c, bool fused, int threads, std::mt19937 &rng) {
  Matrix a = randomMatrix(c.m, c.k, c.transA, rng), b = randomMatrix(c.k, c.n, c.transB, rng);
  Matrix out = randomMatrix(c.m, c.n, c.transC, rng), residual = randomMatrix(c.m, c.n, c.transC, rng);
  std::vector<float> bias(std::max(c.m, c.n) + 5);
  for (float &v : bias) v = std::uniform_real_distribution<float>(-2.0f, 2.0f)(rng);
  const int64_t biasOffset = 5;
  std::vector<double> expected(c.m * c.n);
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      double sum = c.accumulate ? out.at(i, j) : 0.0;
      for (int64_t p = 0; p < c.k; ++p) sum += double(a.at(i, p)) * double(b.at(p, j));
      if (fused) {
        sum += c.biasKind == 1 ? bias[biasOffset + i] : c.biasKind == 2 ? bias[biasOffset + j] : 0.0;
        if (c.residual) sum += residual.at(i, j);
        sum = std::min(std::max(sum, double(c.lo)), double(c.hi));
      }
      expected[i * c.n + j] = sum;
    }
  omp_set_num_threads(threads);
  auto ptr = [](Matrix &x) { return reinterpret_cast<intptr_t>(x.data.data()); };
  if (fused) {
    fusor_rt_epilogue epilogue{c.biasKind, reinterpret_cast<intptr_t>(bias.data()), biasOffset,
                               c.residual ? ptr(residual) + 4 : 0, -1, c.lo, c.hi};
    fusor_rt_gemm_f32_fused(ptr(a), 0, a.rowStride, a.colStride, ptr(b), 0, b.rowStride, b.colStride,
                            ptr(out), 0, out.rowStride, out.colStride, c.m, c.n, c.k, c.accumulate, &epilogue);
  } else {
    fusor_rt_gemm_f32(ptr(a), 0, a.rowStride, a.colStride, ptr(b), 0, b.rowStride, b.colStride,
                      ptr(out), 0, out.rowStride, out.colStride, c.m, c.n, c.k, c.accumulate);
  }
  double tolerance = 1e-5 * std::sqrt(double(c.k) + 1) + 1e-6;
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j)
      ASSERT_NEAR(out.at(i, j), expected[i * c.n + j], tolerance * (1 + std::abs(expected[i * c.n + j])))
          << describe(c, threads) << (fused ? " fused" : "") << " at (" << i << ", " << j << ")";
}

TEST(Gemm, F32MatchesReferenceOverLayoutsAndEdges) {
  std::mt19937 rng(7);
  // Sizes around the 6x16 tile, the 96-row and 256-column blocks and the 768-deep slices.
  const int64_t shapes[][3] = {{1, 1, 1},   {1, 17, 5},   {7, 1, 3},     {6, 16, 1},  {13, 31, 0},
                               {5, 33, 257}, {97, 50, 16}, {192, 2049, 3}, {37, 49, 600},
                               {7, 300, 1000}, {50, 257, 769},  // two slices of K, two blocks
                               {1, 1000, 301}, {1003, 1, 77},  // one row or column: dot products
                               {65, 513, 515},                  // large
                               {50, 49, 1600}, {20, 50, 800},   // dot columns over slices of K
                               {100, 5000, 40},   // short K: two wide blocks, C walked row tile by row tile
                               {100, 44, 70}};    // few columns: B in place, its edge panel packed
  for (auto [m, n, k] : shapes)
    for (int layout = 0; layout < 8; ++layout)
      for (int threads : {1, 2}) {
        Case c{m, n, k, bool(layout & 1), bool(layout & 2), bool(layout & 4), layout % 3 == 0, 0,
               -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity()};
        check(c, /*fused=*/false, threads, rng);
      }
}

TEST(Gemm, F32FusedEpilogueAddsBiasAndResidualAndClamps) {
  std::mt19937 rng(11);
  const float inf = std::numeric_limits<float>::infinity();
  const int64_t shapes[][3] = {{1, 1, 1},   {7, 19, 5},  {96, 113, 27}, {13, 2050, 300},
                               {40, 3, 0},  {1, 997, 70}, {45, 1, 33}, {9, 40, 1600}, {61, 50, 1700}, {8, 33, 900},
                               {20, 9000, 24}};  // short K, B in place: two wide blocks
  for (auto [m, n, k] : shapes)
    for (int64_t biasKind : {0, 1, 2})
      for (auto [lo, hi] : {std::pair{-inf, inf}, {0.0f, inf}, {0.0f, 6.0f}, {-0.5f, 0.25f}})
        for (int layout : {0, 4, 3})
          for (int threads : {1, 2}) {
            Case c{m, n, k, bool(layout & 1), bool(layout & 2), bool(layout & 4), biasKind == 2, biasKind, lo, hi,
                   /*residual=*/layout != 3};
            check(c, /*fused=*/true, threads, rng);
          }
}

// C shared between threads at uneven points: 196 columns as 98 + 98 (each thread's last two
// columns dot products), 160 rows as 80 + 80 (a 2-row tile each), 211 columns as 112 + 99, with
// A row-major (dot products) and transposed (a masked panel), at 2 to 4 threads.
TEST(Gemm, F32SharesUnevenTilesBetweenThreads) {
  std::mt19937 rng(13);
  const float inf = std::numeric_limits<float>::infinity();
  const int64_t shapes[][3] = {{96, 196, 576}, {64, 196, 40}, {160, 49, 96}, {161, 50, 70}, {30, 211, 50}, {7, 35, 1200}};
  for (auto [m, n, k] : shapes)
    for (int layout : {0, 1, 4})
      for (int threads : {2, 3, 4}) {
        Case c{m, n, k, bool(layout & 1), bool(layout & 2), bool(layout & 4), layout == 0, 1, 0.0f, inf,
               /*residual=*/layout != 1};
        check(c, /*fused=*/true, threads, rng);
      }
}

// A strided batch: counts shared out between threads (16, 12), run one after the other (1, 3),
// a broadcast A (batch stride 0), f32 and f64.
template <typename T, typename Gemm>
void checkBatched(Gemm gemm, int64_t count, int64_t m, int64_t n, int64_t k, bool broadcastA, int threads,
                  std::mt19937 &rng) {
  std::uniform_real_distribution<T> dist(-1, 1);
  const int64_t strideA = broadcastA ? 0 : m * k + 3, strideB = k * n + 1, strideC = m * n + 2;
  std::vector<T> a((broadcastA ? 1 : count) * (m * k + 3)), b(count * strideB), c(count * strideC);
  for (T &v : a) v = dist(rng);
  for (T &v : b) v = dist(rng);
  for (T &v : c) v = dist(rng);
  std::vector<T> before = c;
  omp_set_num_threads(threads);
  auto ptr = [](std::vector<T> &x) { return reinterpret_cast<intptr_t>(x.data()); };
  gemm(ptr(a), 0, k, 1, ptr(b), 0, n, 1, ptr(c), 0, n, 1, m, n, k, /*accumulate=*/1, count, strideA, strideB, strideC);
  for (int64_t x = 0; x < count; ++x)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double sum = before[x * strideC + i * n + j];
        for (int64_t p = 0; p < k; ++p) sum += double(a[x * strideA + i * k + p]) * double(b[x * strideB + p * n + j]);
        ASSERT_NEAR(c[x * strideC + i * n + j], sum, 1e-5 * std::sqrt(double(k)) * (1 + std::abs(sum)))
            << count << " x " << m << "x" << n << "x" << k << (broadcastA ? " broadcast A" : "") << " threads "
            << threads << " at batch " << x << " (" << i << ", " << j << ")";
      }
  // The padding between matrices is not written.
  for (int64_t x = 0; x < count; ++x)
    for (int64_t gap = m * n; gap < strideC; ++gap) ASSERT_EQ(c[x * strideC + gap], before[x * strideC + gap]);
}

TEST(Gemm, BatchedMatchesReference) {
  std::mt19937 rng(13);
  const int64_t shapes[][4] = {{16, 24, 35, 16}, {12, 64, 64, 32}, {1, 33, 17, 9}, {3, 70, 41, 50}, {16, 1, 1, 1}};
  for (auto [count, m, n, k] : shapes)
    for (bool broadcastA : {false, true})
      for (int threads : {1, 2}) {
        checkBatched<float>(fusor_rt_gemm_f32_batched, count, m, n, k, broadcastA, threads, rng);
        checkBatched<double>(fusor_rt_gemm_f64_batched, count, m, n, k, broadcastA, threads, rng);
      }
}

// B in registered weights is packed once and reused: the results match the reference on the
// first call (which packs) and later ones (which reuse it), on one and two threads; once the
// weights are forgotten, new contents of that memory are read again.
TEST(Gemm, ConstantWeightsArePackedOnceAndForgotten) {
  std::mt19937 rng(17);
  std::uniform_real_distribution<float> dist(-1, 1);
  const int64_t m = 70, n = 300, k = 800;  // two K slices, two column blocks, edge panels
  std::vector<float> a(m * k), weights(k * n + 64), c(m * n);
  for (float &v : a) v = dist(rng);
  for (float &v : weights) v = dist(rng);
  float *b = weights.data() + 16;  // B starts inside the registered range
  auto expectProduct = [&](const std::string &when) {
    for (int64_t i = 0; i < m; i += 7)
      for (int64_t j = 0; j < n; j += 11) {
        double sum = 0;
        for (int64_t p = 0; p < k; ++p) sum += double(a[i * k + p]) * double(b[p * n + j]);
        ASSERT_NEAR(c[i * n + j], sum, 1e-4 * (1 + std::abs(sum))) << when << " at (" << i << ", " << j << ")";
      }
  };
  auto run = [&] {
    fusor_rt_gemm_f32(reinterpret_cast<intptr_t>(a.data()), 0, k, 1, reinterpret_cast<intptr_t>(b), 0, n, 1,
                      reinterpret_cast<intptr_t>(c.data()), 0, n, 1, m, n, k, 0);
  };
  fusor::runtime::registerConstantWeights(weights.data(), weights.size() * sizeof(float));
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    run();
    expectProduct("first call, threads " + std::to_string(threads));
    run();
    expectProduct("second call, threads " + std::to_string(threads));
  }
  fusor::runtime::forgetConstantWeights(weights.data());
  for (float &v : weights) v = dist(rng);
  run();
  expectProduct("after the weights were forgotten and changed");
}

// A in registered weights (a 1x1 convolution's filters) is packed once into six-row panels:
// rows past a multiple of six, two slices of K, several blocks of rows, a last dot column,
// A row-major and transposed; first and later calls, one and two threads.
TEST(Gemm, ConstantWeightsAsAArePackedOnce) {
  std::mt19937 rng(23);
  std::uniform_real_distribution<float> dist(-1, 1);
  const int64_t m = 1001, n = 49, k = 301;
  std::vector<float> weights(m * k + 64), b(k * n), c(m * n);
  for (float &v : weights) v = dist(rng);
  for (float &v : b) v = dist(rng);
  const float *a = weights.data() + 16;
  fusor::runtime::registerConstantWeights(weights.data(), weights.size() * sizeof(float));
  for (bool transposed : {false, true}) {
    const int64_t rsA = transposed ? 1 : k, csA = transposed ? m : 1;
    for (int threads : {1, 2})
      for (int call = 0; call < 2; ++call) {
        omp_set_num_threads(threads);
        std::fill(c.begin(), c.end(), 0.0f);
        fusor_rt_gemm_f32(reinterpret_cast<intptr_t>(a), 0, rsA, csA, reinterpret_cast<intptr_t>(b.data()), 0, n, 1,
                          reinterpret_cast<intptr_t>(c.data()), 0, n, 1, m, n, k, 0);
        for (int64_t i = 0; i < m; i += 5)
          for (int64_t j = 0; j < n; j += 3) {
            double sum = 0;
            for (int64_t p = 0; p < k; ++p) sum += double(a[i * rsA + p * csA]) * double(b[p * n + j]);
            ASSERT_NEAR(c[i * n + j], sum, 1e-4 * (1 + std::abs(sum)))
                << (transposed ? "transposed" : "row-major") << ", threads " << threads << ", call " << call << " at ("
                << i << ", " << j << ")";
          }
      }
  }
  fusor::runtime::forgetConstantWeights(weights.data());
}

TEST(Gemm, F32EpilogueKeepsNaN) {
  float a[2] = {std::nanf(""), 1.0f}, b[1] = {1.0f}, c[2] = {0, 0}, bias[2] = {0, 0};
  auto p = [](float *x) { return reinterpret_cast<intptr_t>(x); };
  fusor_rt_epilogue epilogue{fusor::abi::kBiasPerRow, p(bias), 0, 0, 0, 0.0, 6.0};
  fusor_rt_gemm_f32_fused(p(a), 0, 1, 1, p(b), 0, 1, 1, p(c), 0, 1, 1, 2, 1, 1, 0, &epilogue);
  EXPECT_TRUE(std::isnan(c[0]));
  EXPECT_EQ(c[1], 1.0f);
}

}  // namespace
