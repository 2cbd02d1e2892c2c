// The runtime's convolution calls against a double reference: the implicit GEMM over a batch
// of groups (each GEMM on its own thread) and Winograd's whole convolution taking the weights
// as they are, transformed on every call, or once where they are registered as constant.
#include "fusor/runtime/ConstantWeights.h"
#include "fusor/runtime/abi/Calls.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

struct Shape {
  int64_t batch, channels, height, width, outChannels, kernel, stride, pad, groups;
  int64_t outHeight() const { return (height + 2 * pad - kernel) / stride + 1; }
  int64_t outWidth() const { return (width + 2 * pad - kernel) / stride + 1; }
};

std::vector<float> randomVector(size_t size, std::mt19937 &rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(size);
  for (float &x : v) x = dist(rng);
  return v;
}

// y = conv(x, w) + bias per output channel, in double.
std::vector<double> reference(const Shape &s, const std::vector<float> &x, const std::vector<float> &w,
                              const std::vector<float> &bias) {
  int64_t cg = s.channels / s.groups, og = s.outChannels / s.groups, oh = s.outHeight(), ow = s.outWidth();
  std::vector<double> y(s.batch * s.outChannels * oh * ow);
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t o = 0; o < s.outChannels; ++o)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double sum = bias[o];
          int64_t g = o / og;
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t p = 0; p < s.kernel; ++p)
              for (int64_t q = 0; q < s.kernel; ++q) {
                int64_t h = i * s.stride + p - s.pad, v = j * s.stride + q - s.pad;
                if (h < 0 || h >= s.height || v < 0 || v >= s.width) continue;
                sum += double(w[((o * cg + c) * s.kernel + p) * s.kernel + q]) *
                       double(x[((n * s.channels + g * cg + c) * s.height + h) * s.width + v]);
              }
          y[((n * s.outChannels + o) * oh + i) * ow + j] = sum;
        }
  return y;
}

void expectNear(const std::vector<float> &y, const std::vector<double> &expected, double tolerance,
                const std::string &what) {
  ASSERT_EQ(y.size(), expected.size());
  for (size_t i = 0; i < y.size(); ++i)
    ASSERT_NEAR(y[i], expected[i], tolerance * (1 + std::abs(expected[i]))) << what << " at " << i;
}

intptr_t address(const float *p) { return reinterpret_cast<intptr_t>(p); }

TEST(Convolution, ImplicitGemmOverBatchesOfGroups) {
  std::mt19937 rng(7);
  // Four GEMMs (two images of two groups) shared between threads, and one split into panels.
  for (Shape s : {Shape{2, 6, 13, 11, 10, 3, 2, 1, 2}, Shape{1, 5, 40, 37, 33, 5, 1, 2, 1}}) {
    std::vector<float> x = randomVector(s.batch * s.channels * s.height * s.width, rng);
    std::vector<float> w = randomVector(s.outChannels * s.channels / s.groups * s.kernel * s.kernel, rng);
    std::vector<float> bias = randomVector(s.outChannels, rng);
    std::vector<float> y(s.batch * s.outChannels * s.outHeight() * s.outWidth());
    int64_t window = s.channels / s.groups * s.kernel * s.kernel, perGroup = s.outChannels / s.groups;
    float inf = std::numeric_limits<float>::infinity();
    for (int threads : {1, 2}) {
      omp_set_num_threads(threads);
      // A bias per row of the (batch * outChannels) x positions matrix: one image's biases per image.
      std::vector<float> rowBias;
      for (int64_t n = 0; n < s.batch; ++n) rowBias.insert(rowBias.end(), bias.begin(), bias.end());
      fusor_rt_conv2d_problem problem{address(x.data()), 0, s.channels * s.height * s.width, s.height * s.width,
                                      s.width, 1, s.batch, s.channels, s.height, s.width, address(w.data()), 0,
                                      perGroup * window, window, s.groups, s.outChannels, s.kernel, s.kernel,
                                      address(y.data()), 0, s.outHeight(), s.outWidth(), s.stride, s.stride, 1, 1,
                                      s.pad, s.pad};
      fusor_rt_epilogue epilogue{fusor::abi::kBiasPerRow, address(rowBias.data()), 0, 0, 0, -inf, inf};
      fusor_rt_conv2d_f32(&problem, &epilogue);
      expectNear(y, reference(s, x, w, bias), 1e-5 * std::sqrt(double(window)),
                 "implicit GEMM, threads " + std::to_string(threads));
    }
  }
}

TEST(Convolution, WinogradTransformsRawWeightsOnceWhenConstant) {
  std::mt19937 rng(11);
  Shape s{1, 24, 17, 14, 20, 3, 1, 1, 1};
  int64_t tilesH = (s.outHeight() + 1) / 2, tilesW = (s.outWidth() + 1) / 2;
  // The zero-padded input the call reads: 2 tilesH + 2 rows, 2 tilesW + 2 columns.
  int64_t paddedH = 2 * tilesH + 2, paddedW = 2 * tilesW + 2;
  std::vector<float> x = randomVector(s.channels * s.height * s.width, rng), padded(s.channels * paddedH * paddedW);
  for (int64_t c = 0; c < s.channels; ++c)
    for (int64_t h = 0; h < s.height; ++h)
      for (int64_t v = 0; v < s.width; ++v)
        padded[(c * paddedH + h + 1) * paddedW + v + 1] = x[(c * s.height + h) * s.width + v];
  std::vector<float> weights = randomVector(s.outChannels * s.channels * 9 + 32, rng);
  float *w = weights.data() + 16;  // inside the registered range, not at its start
  std::vector<float> bias = randomVector(s.outChannels, rng), y(s.outChannels * s.outHeight() * s.outWidth());
  auto run = [&] {
    std::fill(y.begin(), y.end(), 0.0f);
    fusor_rt_winograd_problem problem{address(padded.data()), 0, s.channels * paddedH * paddedW, paddedH * paddedW,
                                      paddedW, 1, 1, s.channels, tilesH, tilesW, address(w), 0, 1, s.outChannels,
                                      address(y.data()), 0, s.outHeight(), s.outWidth()};
    fusor_rt_epilogue epilogue{fusor::abi::kBiasPerRow, address(bias.data()), 0, 0, 0,
                               -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
    fusor_rt_winograd_conv3x3_f32(&problem, &epilogue);
  };
  auto expected = [&] { return reference(s, x, std::vector<float>(w, w + s.outChannels * s.channels * 9), bias); };
  run();
  expectNear(y, expected(), 1e-4, "weights transformed on the call");
  fusor::runtime::registerConstantWeights(weights.data(), weights.size() * sizeof(float));
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    run();
    expectNear(y, expected(), 1e-4, "first call with constant weights, threads " + std::to_string(threads));
    run();
    expectNear(y, expected(), 1e-4, "later call (kept transform), threads " + std::to_string(threads));
  }
  fusor::runtime::forgetConstantWeights(weights.data());
  for (float &v : weights) v = -v;
  run();
  expectNear(y, expected(), 1e-4, "after the weights were forgotten and changed");
}

}  // namespace
