// A depthwise convolution eight channels at a time, vectorized across them. The group's eight
// input planes are interleaved into a zero-padded scratch, one vector per pixel (eight-by-eight
// transposes), so that every tap of every output pixel is one multiply-add of whole vectors
// whatever the stride, dilation or width. Eight output pixels (consecutive in the dense output
// plane, across its rows) are summed at a time, transposed back into eight runs of the eight
// planes, and stored through the epilogue. A group's planes are read whole before any of its
// output is written, which lets the output overwrite the input (laid out alike).
//
// The plane-at-a-time kernel (Depthwise.cpp) vectorizes along output rows: on 7x7 and 14x14
// maps every row ends in a partial vector, and a stride first splits each row into phases;
// per plane its fixed work outweighed the multiply-adds (ONNX Runtime, vectorized across
// channels in its NCHWc layout, was 2-4x faster on mobilenet_v2's small and strided maps).
#include "cpu/depthwise/DepthwiseChannels.h"

#include "cpu/gemm/GemmKernel.h"
#include "cpu/PlaneThreads.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace fusor::runtime {
namespace {

constexpr int64_t kLanes = 8;
// The scratch (eight floats per padded input pixel) is kept within L2.
constexpr int64_t kMaxScratchFloats = 128 * 1024;
// Output maps with more pixels than these stay with the plane-at-a-time kernel (one thread,
// cycles per plane, against it: with unit strides 114 against 313 at 7x7 and 348 against 690
// at 14x14, but level at 28x28 and 2-4x slower at 56x56 and 112x112; with a stride of 2, 173
// against 623 at 7x7, 1863 against 3557 at 28x28, level at 56x56. The larger maps' figures
// are from before the output stores were unrolled).
constexpr int64_t kUnitStrideMaxPixels = 14 * 14, kStridedMaxPixels = 32 * 32;

// r[k] = row k of an 8x8 block becomes r[k] = its column k.
__attribute__((target("avx2,fma"), always_inline)) inline void transpose8(__m256 (&r)[8]) {
  __m256 t[8], s[8];
  for (int k = 0; k < 8; k += 2) {
    t[k] = _mm256_unpacklo_ps(r[k], r[k + 1]);
    t[k + 1] = _mm256_unpackhi_ps(r[k], r[k + 1]);
  }
  for (int k = 0; k < 8; k += 4) {
    s[k] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(1, 0, 1, 0));
    s[k + 1] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(3, 2, 3, 2));
    s[k + 2] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(1, 0, 1, 0));
    s[k + 3] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int k = 0; k < 4; ++k) {
    r[k] = _mm256_permute2f128_ps(s[k], s[k + 4], 0x20);
    r[k + 4] = _mm256_permute2f128_ps(s[k], s[k + 4], 0x31);
  }
}

// The call's geometry: the scratch holds rows x cols padded input pixels, pixel (r, c) being
// input pixel (r - padTop, c - padLeft) or zero outside the input.
struct Geometry {
  int64_t rows, cols;
  int64_t pixelRow, pixelCol;  // floats from output pixel (i, j)'s first tap to (i + 1, j)'s, (i, j + 1)'s
  std::vector<int64_t> taps;   // floats from an output pixel's first tap to each tap
};

Geometry geometryOf(const DepthwiseProblem &p) {
  Geometry g;
  g.rows = (p.outHeight - 1) * p.stepH + (p.kernelH - 1) * p.dilationH + 1;
  g.cols = (p.outWidth - 1) * p.stepW + (p.kernelW - 1) * p.dilationW + 1;
  g.pixelRow = p.stepH * g.cols * kLanes;
  g.pixelCol = p.stepW * kLanes;
  for (int64_t i = 0; i < p.kernelH; ++i)
    for (int64_t j = 0; j < p.kernelW; ++j) g.taps.push_back((i * p.dilationH * g.cols + j * p.dilationW) * kLanes);
  return g;
}

// One group: image n's channels [c0, c0 + count).
struct Group {
  int64_t n, c0, count;
};

// The group's input pixels into the scratch, interleaved. Only pixels inside the input are
// written: the padding, the same for every group, stays as the scratch was zeroed. Channels
// past the group's count read a row of zeros.
__attribute__((target("avx2,fma"))) void fill(const DepthwiseProblem &p, const Geometry &g, const Group &group,
                                               const float *zeros, float *scratch) {
  const float *planes[kLanes];
  for (int64_t c = 0; c < kLanes; ++c)
    planes[c] = c < group.count ? p.x + group.n * p.strideXN + (group.c0 + c) * p.strideXC : nullptr;
  const int64_t width = p.width, cols = g.cols, padLeft = p.padLeft;
  const int64_t firstRow = std::max<int64_t>(0, -p.padTop), lastRow = std::min(p.height, g.rows - p.padTop);
  // Input columns [firstCol, lastCol) land inside the scratch.
  const int64_t firstCol = std::max<int64_t>(0, -padLeft), lastCol = std::min(width, cols - padLeft);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (int64_t h = firstRow; h < lastRow; ++h) {
    const float *row[kLanes];
    for (int64_t c = 0; c < kLanes; ++c) row[c] = planes[c] ? planes[c] + h * p.strideXH : zeros;
    float *out = scratch + (h + p.padTop) * cols * kLanes;
    for (int64_t w0 = firstCol; w0 < lastCol; w0 += kLanes) {
      const int64_t count = std::min(kLanes, lastCol - w0);
      __m256 v[kLanes];
      if (count == kLanes) {
        for (int c = 0; c < kLanes; ++c) v[c] = _mm256_loadu_ps(row[c] + w0);
      } else {  // masked loads: they fault on no lane they leave out
        const __m256i inside = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(count)), lane);
        for (int c = 0; c < kLanes; ++c) v[c] = _mm256_maskload_ps(row[c] + w0, inside);
      }
      transpose8(v);
      float *at = out + (w0 + padLeft) * kLanes;
      // Unrolled, each store under its own test: as a loop to `count`, GCC made the stores
      // one rep movs (half the fill on 7x7 maps).
#pragma GCC unroll 8
      for (int k = 0; k < kLanes; ++k)
        if (k < count) _mm256_storeu_ps(at + k * kLanes, v[k]);
    }
  }
}

// Output pixels [f0, f0 + count) of the group (count <= 8, flat in the dense output plane;
// f0 is pixel (i, j)) from the scratch, through the epilogue into the group's planes of y.
__attribute__((target("avx2,fma"), always_inline)) inline void outputPixels(
    const DepthwiseProblem &p, const Geometry &g, const Group &group, const float *scratch, const float *weights,
    __m256 bias, int64_t f0, int64_t i, int64_t j, int64_t count) {
  // Each pixel's first tap in the scratch (the block's missing pixels repeat its last one).
  int64_t at[kLanes];
  for (int k = 0; k < kLanes; ++k) {
    at[k] = i * g.pixelRow + j * g.pixelCol;
    if (k + 1 < count && ++j == p.outWidth) j = 0, ++i;
  }
  __m256 acc[kLanes];
  for (int k = 0; k < kLanes; ++k) acc[k] = bias;
  const int64_t taps = int64_t(g.taps.size());
  for (int64_t t = 0; t < taps; ++t) {
    const __m256 w = _mm256_loadu_ps(weights + t * kLanes);
    const float *s = scratch + g.taps[t];
#pragma GCC unroll 8
    for (int k = 0; k < kLanes; ++k) acc[k] = _mm256_fmadd_ps(w, _mm256_loadu_ps(s + at[k]), acc[k]);
  }
  transpose8(acc);  // acc[c]: channel c's pixels f0 .. f0 + 7
  const int64_t outPlane = p.outHeight * p.outWidth;
  const __m256 lo = _mm256_set1_ps(p.lo), hi = _mm256_set1_ps(p.hi);
  const int64_t first = (group.n * p.channels + group.c0) * outPlane + f0;
  // Channel c's eight pixels, whole: the residual, the clamp (NaN stays NaN), the store.
  auto store = [&](int64_t c, __m256 v) __attribute__((target("avx2,fma"), always_inline)) {
    if (p.residual) v = _mm256_add_ps(v, _mm256_loadu_ps(p.residual + first + c * outPlane));
    _mm256_storeu_ps(p.y + first + c * outPlane, _mm256_min_ps(hi, _mm256_max_ps(lo, v)));
  };
  if (count == kLanes && group.count == kLanes) {
    // Unrolled (the sums stay in registers): the common case.
#pragma GCC unroll 8
    for (int c = 0; c < kLanes; ++c) store(c, acc[c]);
    return;
  }
  GemmEpilogueOp clamp;  // the scalar tail's epilogue: the bias is already in the sums
  clamp.lo = p.lo, clamp.hi = p.hi;
  for (int64_t c = 0; c < group.count; ++c) {
    if (count == kLanes) {
      store(c, acc[c]);
      continue;
    }
    // The plane's last few pixels one at a time: masked stores are slow on AMD's cores.
    alignas(32) float lanes[kLanes];
    _mm256_store_ps(lanes, acc[c]);
    const int64_t at = first + c * outPlane;
    for (int64_t k = 0; k < count; ++k)
      p.y[at + k] = applyEpilogue(lanes[k], clamp, 0, 0, p.residual ? p.residual + at + k : nullptr);
  }
}

// Each thread's scratch, zeroed once per call; the group's weights, one vector per tap; and a
// row of zeros for the channels a last group lacks.
struct Scratch {
  std::vector<float> pixels, weights, zeros;
};

__attribute__((target("avx2,fma"))) void convolveGroup(const DepthwiseProblem &p, const Geometry &g, const Group &group,
                                                        Scratch &scratch) {
  const int64_t taps = int64_t(g.taps.size()), outPlane = p.outHeight * p.outWidth;
  float *weights = scratch.weights.data();
  alignas(32) float biases[kLanes] = {};
  for (int64_t c = 0; c < kLanes; ++c) {
    const bool inside = c < group.count;
    for (int64_t t = 0; t < taps; ++t) weights[t * kLanes + c] = inside ? p.w[(group.c0 + c) * taps + t] : 0.0f;
    if (inside && p.bias) biases[c] = p.bias[group.n * p.channels + group.c0 + c];
  }
  fill(p, g, group, scratch.zeros.data(), scratch.pixels.data());
  const __m256 bias = _mm256_load_ps(biases);
  const int64_t width = p.outWidth;
  for (int64_t f0 = 0, i = 0, j = 0; f0 < outPlane; f0 += kLanes) {
    outputPixels(p, g, group, scratch.pixels.data(), weights, bias, f0, i, j, std::min(kLanes, outPlane - f0));
    for (j += kLanes; j >= width; j -= width) ++i;  // the next block's first pixel
  }
}

}  // namespace

bool depthwiseAcrossChannels(const DepthwiseProblem &p) {
  if (!hasGemmKernelF32() || p.strideXW != 1) return false;
  const int64_t outPlane = p.outHeight * p.outWidth;
  if (outPlane > (p.stepH == 1 && p.stepW == 1 ? kUnitStrideMaxPixels : kStridedMaxPixels)) return false;
  const Geometry g = geometryOf(p);
  if (g.rows * g.cols * kLanes > kMaxScratchFloats) return false;
  const int64_t groupsPerImage = (p.channels + kLanes - 1) / kLanes, groups = p.batch * groupsPerImage;
  const int64_t taps = int64_t(g.taps.size());
  const int threads = threadsForPlanes(groups, p.batch * p.channels * outPlane * taps);
#pragma omp parallel num_threads(threads)
  {
    thread_local Scratch scratch;
    scratch.pixels.assign(g.rows * g.cols * kLanes, 0.0f);
    scratch.weights.resize(taps * kLanes);  // convolveGroup writes all of it
    scratch.zeros.assign(p.width + kLanes, 0.0f);
#pragma omp for schedule(static)
    for (int64_t index = 0; index < groups; ++index) {
      const int64_t n = index / groupsPerImage, c0 = index % groupsPerImage * kLanes;
      convolveGroup(p, g, Group{n, c0, std::min(kLanes, p.channels - c0)}, scratch);
    }
  }
  return true;
}

}  // namespace fusor::runtime
