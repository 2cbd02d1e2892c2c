// A 3x3 depthwise convolution (unit dilations, strides of 1 or 2) with AVX-512, read straight
// from each row-major input plane: a strip of sixteen output columns at a time walks down a
// band of output rows, each input row's taps (DirectRows.h) loaded once for all the output
// rows that read it. Columns and rows outside the input read as 0 (masked loads at the row
// ends, a row of zeros for padding rows).
//
// The plane-at-a-time kernel (Depthwise.cpp) first copies each plane, padded and split into
// phases, into a scratch; on mobilenet_v2's 112x112 maps that copy was 64% of the call, and
// the scratch (52 KB a plane) did not fit L1. Here nothing is copied, but for an in-place
// call, which must read each plane before overwriting it.
#include "cpu/depthwise/DepthwiseDirect.h"

#include "cpu/DirectRows.h"
#include "cpu/gemm/GemmKernel.h"
#include "cpu/PlaneThreads.h"

#include <cstring>
#include <type_traits>
#include <vector>

namespace fusor::runtime {
namespace {

// One (image, channel) plane's operands.
struct Plane {
  const float *x;  // row r at x + r * rowStride, columns dense
  const float *w;  // 3x3
  float *y;        // outHeight x outWidth, dense
  const float *residual;  // laid out as y, or null
  float bias;
};

// The call's shape, and what is the same for every plane.
struct Window {
  int64_t rowStride, height, outHeight, outWidth, padTop;
  float lo, hi;
  RowBlocks blocks;
};

// Output rows narrower than this leave most of a strip's lanes idle: there the kernel across
// channels (DepthwiseChannels.cpp) was faster, one thread, 512 channels: 6x6 maps 14.7 against
// 19.6 us, 12x12 to 6x6 20 against 24; from 7 columns on the direct one was as fast or faster
// (960 channels 7x7: 34 against 39; 576 channels 14x14 to 7x7: 31-32 both).
constexpr int64_t kMinOutWidth = 7;
// Input rows per band of output rows (see plane3x3): half of L1.
constexpr int64_t kBandFloats = 4096;
// Strips walking side by side (see plane3x3) at strides of 1 and 2.
constexpr int kStrips1 = 2, kStrips2 = 3;

// Output rows per band: their input rows fit in half of L1, so that the strips after the first
// read them from L1 (a plane of 112 columns, stride 2, one strip at a time: 1.1x faster than
// whole strips).
int64_t bandRowsOf(const Window &win, int64_t step) {
  return std::max<int64_t>(4, kBandFloats / (win.rowStride * step));
}

// One plane, strips of sixteen output columns walking down each band of output rows: each
// input row's taps are loaded once and kept while the (up to) three output rows that read it
// are summed (a stride of 2 loads two input rows per output row), the strips' masks and the
// weights in registers. Two strips walk side by side (three at a stride of 2), for the
// independent sums and the longer runs of each input row read. Against output rows in pairs
// walked across the plane (each input row loaded once per pair that reads it, the masks
// reloaded for every block), one thread, input in cache: 384 channels 14x14 47 -> 23 us, 576
// 14x14 72 -> 35, 192 28x28 68 -> 41, 144 56x56 180 -> 118, 32 112x112 148 -> 108; stride 2:
// 96 112x112 157 -> 140 (170 one strip at a time), 144 56x56 66 -> 50, 192 28x28 28 -> 18.
template <int Step>
__attribute__((target("avx512f"))) void plane3x3(const Plane &p, const Window &win) {
  __m512 w[9];
  for (int t = 0; t < 9; ++t) w[t] = _mm512_set1_ps(p.w[t]);
  const __m512 bias = _mm512_set1_ps(p.bias), lo = _mm512_set1_ps(win.lo), hi = _mm512_set1_ps(win.hi);
  const int64_t outHeight = win.outHeight, outWidth = win.outWidth, blocks = win.blocks.count();
  const float *zeros = win.blocks.zeros.data();
  // Input row r, or zeros for the padding rows.
  auto row = [&](int64_t r) { return r < 0 || r >= win.height ? zeros : p.x + r * win.rowStride; };
  const int64_t bandRows = bandRowsOf(win, Step);
  for (int64_t i0 = 0; i0 < outHeight; i0 += bandRows) {
    const int64_t i1 = std::min(outHeight, i0 + bandRows);
    // Strips b to b + S - 1 (S from `stripCount`, a std::integral_constant) down the band.
    auto walk = [&](auto stripCount, int64_t b) __attribute__((target("avx512f"), always_inline)) {
      constexpr int S = decltype(stripCount)::value;
      int64_t c0[S];
      __mmask16 masks[S][3], count[S];
      for (int s = 0; s < S; ++s) {
        c0[s] = win.blocks.firstColumn[b + s];
        for (int q = 0; q < 3; ++q) masks[s][q] = win.blocks.loadMasks[3 * (b + s) + q];
        count[s] = win.blocks.storeMasks[b + s];
      }
      float *y = p.y + b * kDirectLanes;
      const float *residual = p.residual ? p.residual + b * kDirectLanes : nullptr;
      // taps[s][kh]: strip s's taps of window row kh's input row, for the output row in hand.
      __m512 taps[S][3][3];
      for (int s = 0; s < S; ++s) {
        rowTaps<Step>(row(i0 * Step - win.padTop), c0[s], masks[s], taps[s][0]);
        if (Step == 1) rowTaps<Step>(row(i0 + 1 - win.padTop), c0[s], masks[s], taps[s][1]);
      }
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t top = i * Step - win.padTop;
        const float *r1 = row(top + 1), *r2 = row(top + 2);
        for (int s = 0; s < S; ++s) {
          if (Step == 2) rowTaps<Step>(r1, c0[s], masks[s], taps[s][1]);
          rowTaps<Step>(r2, c0[s], masks[s], taps[s][2]);
          // One sum per window row, so that three chains of multiply-adds overlap.
          __m512 sums[3];
          for (int kh = 0; kh < 3; ++kh) {
            sums[kh] = _mm512_mul_ps(w[kh * 3], taps[s][kh][0]);
            sums[kh] = _mm512_fmadd_ps(w[kh * 3 + 1], taps[s][kh][1], sums[kh]);
            sums[kh] = _mm512_fmadd_ps(w[kh * 3 + 2], taps[s][kh][2], sums[kh]);
          }
          const __m512 sum = _mm512_add_ps(_mm512_add_ps(sums[0], sums[1]), sums[2]);
          const int64_t at = i * outWidth + s * kDirectLanes;
          _mm512_mask_storeu_ps(y + at, count[s],
                                directEpilogue(sum, bias, residual ? residual + at : nullptr, count[s], lo, hi));
          for (int q = 0; q < 3; ++q) {
            taps[s][0][q] = taps[s][Step == 1 ? 1 : 2][q];
            if (Step == 1) taps[s][1][q] = taps[s][2][q];
          }
        }
      }
    };
    int64_t b = 0;
    if (Step == 2)
      for (; b + kStrips2 <= blocks; b += kStrips2) walk(std::integral_constant<int, kStrips2>(), b);
    for (; b + kStrips1 <= blocks; b += kStrips1) walk(std::integral_constant<int, kStrips1>(), b);
    for (; b < blocks; ++b) walk(std::integral_constant<int, 1>(), b);
  }
}

}  // namespace

bool depthwiseDirect3x3(const DepthwiseProblem &p) {
  if (!useAvx512() || p.kernelH != 3 || p.kernelW != 3 || p.dilationH != 1 || p.dilationW != 1 ||
      p.stepH != p.stepW || (p.stepH != 1 && p.stepH != 2) || p.strideXW != 1 || p.outWidth < kMinOutWidth)
    return false;
  const int64_t planes = p.batch * p.channels, outPlane = p.outHeight * p.outWidth;
  // Output rows are written while later ones still read the input. An in-place convolution
  // (each plane of y over the same plane of x, as bufferization reuses a dead input) reads a
  // copy of each plane, unless the plane is one walk down one band at a stride of 1: each input
  // row is then loaded, the rows before it kept in registers, before the output row over it is
  // stored. Copying had cost 576 channels 14x14 a fifth of the call (44 against 35 us). The
  // stores must also end before the next output row's loads begin: 7x7 planes, whose loads
  // overlapped the row stored just before, took 82 us against 35 (the loads waiting on the
  // stores); those go across channels (36 us), which works in place with no copy. Any other
  // overlap goes to the plane-at-a-time kernel.
  const char *xFirst = reinterpret_cast<const char *>(p.x), *yFirst = reinterpret_cast<const char *>(p.y);
  const char *xEnd = reinterpret_cast<const char *>(p.x + (p.batch - 1) * p.strideXN + (p.channels - 1) * p.strideXC +
                                                    (p.height - 1) * p.strideXH + p.width);
  const char *yEnd = reinterpret_cast<const char *>(p.y + planes * outPlane);
  const bool inPlace = xFirst < yEnd && yFirst < xEnd;
  const int64_t inPlane = p.height * p.width;
  if (inPlace && !(p.x == p.y && inPlane == outPlane && p.strideXH == p.width && p.strideXC == inPlane &&
                   p.strideXN == p.channels * inPlane))
    return false;
  const Window win{p.strideXH, p.height, p.outHeight, p.outWidth, p.padTop, p.lo, p.hi,
                   RowBlocks(p.width, p.outWidth, p.stepW, p.padLeft)};
  const int64_t blocks = win.blocks.count();
  // Output row i's stores end at i * width + 16 * blocks; the next row's loads begin at input
  // row i + 3 - padTop, column -padLeft.
  const bool readsBeforeWrites = p.stepH == 1 && blocks <= kStrips1 && bandRowsOf(win, 1) >= p.outHeight &&
                                 (3 - p.padTop) * p.width - p.padLeft >= kDirectLanes * blocks;
  if (inPlace && !readsBeforeWrites && p.outWidth < kDirectLanes) return false;
  const bool copies = inPlace && !readsBeforeWrites;
  const int threads = threadsForPlanes(planes, planes * outPlane * 9);
#pragma omp parallel num_threads(threads)
  {
    thread_local std::vector<float> copy;
    if (copies) copy.resize(inPlane);
#pragma omp for schedule(static)
    for (int64_t index = 0; index < planes; ++index) {
      const int64_t n = index / p.channels, c = index % p.channels;
      const float *x = p.x + n * p.strideXN + c * p.strideXC;
      if (copies) x = static_cast<const float *>(std::memcpy(copy.data(), x, inPlane * sizeof(float)));
      const Plane plane{x, p.w + c * 9, p.y + index * outPlane, p.residual ? p.residual + index * outPlane : nullptr,
                        p.bias ? p.bias[index] : 0.0f};
      if (p.stepH == 1) plane3x3<1>(plane, win);
      else plane3x3<2>(plane, win);
    }
  }
  return true;
}

}  // namespace fusor::runtime
