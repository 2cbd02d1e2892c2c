// A 3x3 depthwise convolution (unit dilations, strides of 1 or 2) with AVX-512, read straight
// from each row-major input plane: sixteen output columns at a time, two output rows sharing
// the input rows both windows cover (the taps as DirectRows.h reads them). Columns and rows
// outside the input read as 0 (masked loads at the row ends, a row of zeros for padding rows).
//
// The plane-at-a-time kernel (Depthwise.cpp) first copies each plane, padded and split into
// phases, into a scratch; on mobilenet_v2's 112x112 maps that copy was 64% of the call, and
// the scratch (52 KB a plane) did not fit L1. Here nothing is copied, but for an in-place
// call, which must read each plane before overwriting it.
#include "DepthwiseDirect.h"

#include "DirectRows.h"
#include "GemmKernel.h"
#include "PlaneThreads.h"

#include <cstring>
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

// Output rows i and i + 1 over Blocks blocks of columns from block b on: independent sums, so
// that the multiply-adds' latency overlaps. rows[in] is input row i * Step + in - padTop, or
// zeros.
template <int Step, int Blocks>
__attribute__((target("avx512f"), always_inline)) inline void rowPair(const float *const (&rows)[Step + 3],
                                                                      const Window &win, const __m512 (&w)[9],
                                                                      int64_t b, __m512 (&top)[Blocks],
                                                                      __m512 (&bottom)[Blocks]) {
  for (int k = 0; k < Blocks; ++k) top[k] = _mm512_setzero_ps(), bottom[k] = _mm512_setzero_ps();
#pragma GCC unroll 5
  for (int in = 0; in < Step + 3; ++in) {
#pragma GCC unroll 2
    for (int k = 0; k < Blocks; ++k) {
      __m512 t[3];
      rowTaps<Step>(rows[in], win.blocks, b + k, t);
#pragma GCC unroll 3
      for (int q = 0; q < 3; ++q) {
        if (in < 3) top[k] = _mm512_fmadd_ps(w[in * 3 + q], t[q], top[k]);
        if (in >= Step) bottom[k] = _mm512_fmadd_ps(w[(in - Step) * 3 + q], t[q], bottom[k]);
      }
    }
  }
}

template <int Step>
__attribute__((target("avx512f"))) void plane3x3(const Plane &p, const Window &win) {
  __m512 w[9];
  for (int t = 0; t < 9; ++t) w[t] = _mm512_set1_ps(p.w[t]);
  const __m512 bias = _mm512_set1_ps(p.bias), lo = _mm512_set1_ps(win.lo), hi = _mm512_set1_ps(win.hi);
  const int64_t outHeight = win.outHeight, outWidth = win.outWidth, blocks = win.blocks.count();
  float *y = p.y;
  const float *residual = p.residual;
  // The epilogue and the store of output row i's block b.
  auto store = [&](__m512 sum, int64_t i, int64_t b) __attribute__((target("avx512f"), always_inline)) {
    const __mmask16 count = win.blocks.storeMasks[b];
    const int64_t at = i * outWidth + b * kDirectLanes;
    _mm512_mask_storeu_ps(y + at, count, directEpilogue(sum, bias, residual ? residual + at : nullptr, count, lo, hi));
  };
  for (int64_t i = 0; i < outHeight; i += 2) {
    const bool pair = i + 1 < outHeight;
    const float *rows[Step + 3];
    for (int in = 0; in < Step + 3; ++in) {
      const int64_t r = i * Step + in - win.padTop;
      // Padding rows, and without a bottom output row the rows only it reads, as zeros.
      rows[in] = r < 0 || r >= win.height || (!pair && in >= 3) ? win.blocks.zeros.data() : p.x + r * win.rowStride;
    }
    int64_t b = 0;
    for (; b + 2 <= blocks; b += 2) {
      __m512 top[2], bottom[2];
      rowPair<Step, 2>(rows, win, w, b, top, bottom);
      for (int k = 0; k < 2; ++k) {
        store(top[k], i, b + k);
        if (pair) store(bottom[k], i + 1, b + k);
      }
    }
    if (b < blocks) {
      __m512 top[1], bottom[1];
      rowPair<Step, 1>(rows, win, w, b, top, bottom);
      store(top[0], i, b);
      if (pair) store(bottom[0], i + 1, b);
    }
  }
}

}  // namespace

bool depthwiseDirect3x3(const DepthwiseProblem &p) {
  if (!useAvx512() || p.kernelH != 3 || p.kernelW != 3 || p.dilationH != 1 || p.dilationW != 1 ||
      p.stepH != p.stepW || (p.stepH != 1 && p.stepH != 2) || p.strideXW != 1 || p.outWidth < kDirectMinOutWidth)
    return false;
  const int64_t planes = p.batch * p.channels, outPlane = p.outHeight * p.outWidth;
  // Output rows are written while later ones still read the input. An in-place convolution
  // (each plane of y over the same plane of x, as bufferization reuses a dead input) reads a
  // copy of each plane; any other overlap goes to the plane-at-a-time kernel.
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
  const int threads = threadsForPlanes(planes, planes * outPlane * 9);
#pragma omp parallel num_threads(threads)
  {
    thread_local std::vector<float> copy;
    if (inPlace) copy.resize(inPlane);
#pragma omp for schedule(static)
    for (int64_t index = 0; index < planes; ++index) {
      const int64_t n = index / p.channels, c = index % p.channels;
      const float *x = p.x + n * p.strideXN + c * p.strideXC;
      if (inPlace) x = static_cast<const float *>(std::memcpy(copy.data(), x, inPlane * sizeof(float)));
      const Plane plane{x, p.w + c * 9, p.y + index * outPlane, p.residual ? p.residual + index * outPlane : nullptr,
                        p.bias ? p.bias[index] : 0.0f};
      if (p.stepH == 1) plane3x3<1>(plane, win);
      else plane3x3<2>(plane, win);
    }
  }
  return true;
}

}  // namespace fusor::runtime
