// A 3x3 depthwise convolution (unit dilations, strides of 1 or 2) with AVX-512, read straight
// from each row-major input plane: sixteen output columns at a time, two output rows sharing
// the input rows both windows cover. A stride of 2 splits each input row's 32 columns into
// evens and odds in registers (two permutes, and a lane shift for the third tap). Columns and
// rows outside the input read as 0 (masked loads at the row ends, padding rows skipped).
//
// The plane-at-a-time kernel (Depthwise.cpp) first copies each plane, padded and split into
// phases, into a scratch; on mobilenet_v2's 112x112 maps that copy was 64% of the call, and
// the scratch (52 KB a plane) did not fit L1. Here nothing is copied.
#include "DepthwiseDirect.h"

#include "GemmKernel.h"
#include "PlaneThreads.h"

#include <immintrin.h>

#include <algorithm>
#include <vector>

namespace fusor::runtime {
namespace {

constexpr int64_t kLanes = 16;
// Narrower output rows leave most of a block's lanes idle: there the kernel across channels
// was faster (one thread, 960 channels 7x7: 61 against 95 us; 576 channels 14x14 to 7x7: 52
// against 68), where this one was faster from 14 columns on (576 channels 14x14: 97 against
// 111; 144 channels 56x56 to 28x28: 86 against 130).
constexpr int64_t kMinOutWidth = 14;

// One (image, channel) plane's operands.
struct Plane {
  const float *x;  // row r at x + r * rowStride, columns dense
  const float *w;  // 3x3
  float *y;        // outHeight x outWidth, dense
  const float *residual;  // laid out as y, or null
  float bias;
};

// The call's shape, and what is the same for every plane: per block of sixteen output columns,
// the masks of its three loads from an input row (the lanes inside the row) and of its store;
// a row of zeros standing for the padding rows.
struct Window {
  int64_t rowStride, height, outHeight, outWidth, padTop;
  float lo, hi;
  std::vector<int64_t> firstColumn;  // per block, the input column of its first tap
  std::vector<__mmask16> loadMasks, storeMasks;
  std::vector<float> zeros;
};

__mmask16 lanesInside(int64_t c, int64_t width) {
  const int64_t lo = std::max<int64_t>(0, -c), hi = std::min<int64_t>(kLanes, width - c);
  return hi > lo ? __mmask16(((1u << hi) - 1) & ~((1u << lo) - 1)) : __mmask16(0);
}

Window windowOf(const DepthwiseProblem &p) {
  Window win{p.strideXH, p.height, p.outHeight, p.outWidth, p.padTop, p.lo, p.hi, {}, {}, {}, {}};
  for (int64_t j = 0; j < p.outWidth; j += kLanes) {
    const int64_t c0 = j * p.stepW - p.padLeft;
    win.firstColumn.push_back(c0);
    // A stride of 1 loads columns from c0, c0 + 1 and c0 + 2; a stride of 2 from c0 and
    // c0 + 16, and column c0 + 32 alone.
    const int64_t starts[3] = {c0, c0 + (p.stepW == 1 ? 1 : kLanes), c0 + (p.stepW == 1 ? 2 : 2 * kLanes)};
    for (int q = 0; q < 3; ++q) {
      __mmask16 m = lanesInside(starts[q], p.width);
      win.loadMasks.push_back(p.stepW == 2 && q == 2 ? __mmask16(m & 1) : m);
    }
    win.storeMasks.push_back(lanesInside(0, p.outWidth - j));
  }
  win.zeros.assign(p.width, 0.0f);
  return win;
}

// Columns from c of a row, the lanes of `inside`; the masked load faults on no lane it leaves
// out, wherever they point.
__attribute__((target("avx512f"), always_inline)) inline __m512 columns(const float *row, int64_t c, __mmask16 inside) {
  return _mm512_maskz_loadu_ps(inside, reinterpret_cast<const float *>(reinterpret_cast<intptr_t>(row) + c * 4));
}

// The three taps' inputs of a block of sixteen output columns from one input row, the
// block's first tap at input column c0: column c0 + Step * k + q in lane k of tap q.
template <int Step>
__attribute__((target("avx512f"), always_inline)) inline void taps(const float *row, int64_t c0,
                                                                   const __mmask16 *masks, __m512 (&t)[3]) {
  if constexpr (Step == 1) {
    for (int q = 0; q < 3; ++q) t[q] = columns(row, c0 + q, masks[q]);
  } else {
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odds = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512 a = columns(row, c0, masks[0]), b = columns(row, c0 + kLanes, masks[1]);
    // Zero-masked forms: GCC 12 warns of the plain ones' undefined pass-through.
    t[0] = _mm512_maskz_permutex2var_ps(0xffff, a, evens, b);
    t[1] = _mm512_maskz_permutex2var_ps(0xffff, a, odds, b);
    // Tap 2 is tap 0 one lane on, its last lane column c0 + 32.
    const __m512 next = columns(row, c0 + 2 * kLanes, masks[2]);
    t[2] = _mm512_castsi512_ps(
        _mm512_maskz_alignr_epi32(0xffff, _mm512_castps_si512(next), _mm512_castps_si512(t[0]), 1));
  }
}

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
      taps<Step>(rows[in], win.firstColumn[b + k], &win.loadMasks[3 * (b + k)], t);
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
  const int64_t outHeight = win.outHeight, outWidth = win.outWidth, blocks = int64_t(win.firstColumn.size());
  float *y = p.y;
  const float *residual = p.residual;
  // The epilogue and the store of output row i's block b.
  auto store = [&](__m512 sum, int64_t i, int64_t b) __attribute__((target("avx512f"), always_inline)) {
    const __mmask16 count = win.storeMasks[b];
    const int64_t at = i * outWidth + b * kLanes;
    __m512 v = _mm512_add_ps(sum, bias);
    if (residual) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(count, residual + at));
    // The clamp always runs (NaN stays NaN, as in the GEMM); zero-masked forms as above.
    v = _mm512_maskz_min_ps(0xffff, hi, _mm512_maskz_max_ps(0xffff, lo, v));
    _mm512_mask_storeu_ps(y + at, count, v);
  };
  for (int64_t i = 0; i < outHeight; i += 2) {
    const bool pair = i + 1 < outHeight;
    const float *rows[Step + 3];
    for (int in = 0; in < Step + 3; ++in) {
      const int64_t r = i * Step + in - win.padTop;
      // Padding rows, and without a bottom output row the rows only it reads, as zeros.
      rows[in] = r < 0 || r >= win.height || (!pair && in >= 3) ? win.zeros.data() : p.x + r * win.rowStride;
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
      p.stepH != p.stepW || (p.stepH != 1 && p.stepH != 2) || p.strideXW != 1 || p.outWidth < kMinOutWidth)
    return false;
  const int64_t planes = p.batch * p.channels, outPlane = p.outHeight * p.outWidth;
  // Output rows are written while later ones still read the input: no in-place convolution.
  const char *xFirst = reinterpret_cast<const char *>(p.x), *yFirst = reinterpret_cast<const char *>(p.y);
  const char *xEnd = reinterpret_cast<const char *>(p.x + (p.batch - 1) * p.strideXN + (p.channels - 1) * p.strideXC +
                                                    (p.height - 1) * p.strideXH + p.width);
  const char *yEnd = reinterpret_cast<const char *>(p.y + planes * outPlane);
  if (xFirst < yEnd && yFirst < xEnd) return false;
  const Window win = windowOf(p);
  const int threads = threadsForPlanes(planes, planes * outPlane * 9);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t index = 0; index < planes; ++index) {
    const int64_t n = index / p.channels, c = index % p.channels;
    const Plane plane{p.x + n * p.strideXN + c * p.strideXC, p.w + c * 9,
                      p.y + index * outPlane, p.residual ? p.residual + index * outPlane : nullptr,
                      p.bias ? p.bias[index] : 0.0f};
    if (p.stepH == 1) plane3x3<1>(plane, win);
    else plane3x3<2>(plane, win);
  }
  return true;
}

}  // namespace fusor::runtime
