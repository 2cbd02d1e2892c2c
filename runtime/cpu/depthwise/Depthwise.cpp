// A depthwise convolution one (image, channel) plane at a time, for what the other kernels
// leave: the 3x3 one read straight from the input with AVX-512 (DepthwiseDirect.cpp) and the
// one vectorized across channels on small maps (DepthwiseChannels.cpp). That is other windows
// on larger maps, and mobilenet's 3x3 windows too where the CPU has AVX2 but not AVX-512.
// The plane is first copied, zero-padded, into a small per-thread scratch with its columns
// split by phase (column modulo the stride), so that each tap of the window reads a
// contiguous run of the scratch whatever the stride and dilation. Output rows are then
// vectorized along their width with no edge cases but the last store, and the epilogue is
// applied before it. Planes are shared out between OpenMP threads. Reading the whole plane
// before writing any of it is also what lets the output overwrite the input.
#include "fusor/runtime/abi/Calls.h"

#include "cpu/depthwise/DepthwiseChannels.h"
#include "cpu/depthwise/DepthwiseDirect.h"
#include "cpu/EvenOddSplit.h"
#include "cpu/gemm/GemmKernel.h"
#include "cpu/PlaneThreads.h"

#include <immintrin.h>

#include <algorithm>
#include <vector>

namespace fusor::runtime {
namespace {

constexpr int64_t kLanes = 8;

int64_t roundUp(int64_t v, int64_t to) { return (v + to - 1) / to * to; }

struct Plane {
  const float *x;  // the input plane, at (row, column) x[row * rowStride + column * colStride]
  int64_t rowStride, colStride;
  const float *w;  // kernelH x kernelW
  float *y;        // outHeight x outWidth, dense
  const float *residual;  // laid out as y, or null
  float bias;
};

struct Shape {
  int64_t height, width, kernelH, kernelW, outHeight, outWidth, stepH, stepW, dilationH, dilationW,
      padTop, padLeft;
  // The scratch: `rows` padded input rows, each as stepW phases of `run` floats; phase q holds
  // the padded row's columns q, q + stepW, q + 2 stepW, ...
  int64_t rows, run;
  // Where output row i's tap t = p * kernelW + q starts reading: i * rowStep + tapOffsets[t].
  int64_t rowStep;
  std::vector<int64_t> tapOffsets;
};

Shape shapeOf(int64_t height, int64_t width, int64_t kernelH, int64_t kernelW, int64_t outHeight,
              int64_t outWidth, int64_t stepH, int64_t stepW, int64_t dilationH, int64_t dilationW,
              int64_t padTop, int64_t padLeft) {
  Shape s{height, width, kernelH, kernelW, outHeight, outWidth, stepH, stepW, dilationH, dilationW, padTop, padLeft, 0, 0, 0, {}};
  s.rows = (outHeight - 1) * stepH + (kernelH - 1) * dilationH + 1;
  // A whole vector read at the last output column of any tap stays inside the run.
  s.run = roundUp(outWidth, kLanes) + (kernelW - 1) * dilationW / stepW;
  s.rowStep = stepH * stepW * s.run;
  for (int64_t p = 0; p < kernelH; ++p)
    for (int64_t q = 0; q < kernelW; ++q) {
      int64_t column = q * dilationW;
      s.tapOffsets.push_back((p * dilationH * stepW + column % stepW) * s.run + column / stepW);
    }
  return s;
}

// count floats from src (at `stride` apart) to dst, inline: rows are short, and a call to
// memcpy per row cost more than the copy.
__attribute__((target("avx2,fma"))) void copyRow(float *dst, const float *src, int64_t count, int64_t stride,
                                                  bool avx2) {
  if (stride != 1 || !avx2) {
    for (int64_t j = 0; j < count; ++j) dst[j] = src[j * stride];
    return;
  }
  int64_t j = 0;
  for (; j + kLanes <= count; j += kLanes) _mm256_storeu_ps(dst + j, _mm256_loadu_ps(src + j));
  for (; j < count; ++j) dst[j] = src[j];  // masked moves are slow on AMD's cores
}

// Input row h of the plane into its padded row of the scratch, split by phase. Only the
// columns inside the input are written: the padding, the same for every plane, stays as the
// scratch was zeroed. `line`, stepW * run floats and a vector, holds the padded row when it
// is split into phases.
__attribute__((target("avx2,fma"))) void fillRow(const Shape &s, const Plane &plane, int64_t h, float *out,
                                                  float *line, bool avx2) {
  int64_t span = s.stepW * s.run;
  const float *src = plane.x + h * plane.rowStride;
  float *padded = s.stepW == 1 ? out : line;
  int64_t first = std::min(s.padLeft, span), last = std::min(span, s.padLeft + s.width);
  if (last > first)
    copyRow(padded + first, src + (first - s.padLeft) * plane.colStride, last - first, plane.colStride, avx2);
  if (s.stepW == 1) return;
  for (int64_t j = 0; j < s.run; ++j)
    for (int64_t q = 0; q < s.stepW; ++q) out[q * s.run + j] = line[j * s.stepW + q];
}

// All input rows of the plane into the scratch for a stride of 2 (row-major input, AVX2), split
// straight from the input: phase q's column j is the input's 2j + q - padLeft. Sixteen input
// columns give eight of each phase (splitEvenOdd). Columns
// outside the input read as 0, through masked loads at the row's ends (they fault on no lane
// they leave out). The loop over rows is here, with the shape in locals: read through `s`,
// every store reloaded them. (Copying each row out first and splitting the copy measured
// slower: the loads straddled its stores, which could not forward to them.)
__attribute__((target("avx2,fma"))) void fillRowsStride2(const Shape &s, const Plane &plane, float *scratch) {
  const int64_t width = s.width, padLeft = s.padLeft, run = s.run, span = 2 * s.run, rowStride = plane.rowStride;
  const int64_t first = std::max<int64_t>(0, s.padTop), last = std::min(s.rows, s.padTop + s.height);
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), widthLanes = _mm256_set1_epi32(int(width));
  for (int64_t r = first; r < last; ++r) {
    const float *src = plane.x + (r - s.padTop) * rowStride;
    float *out = scratch + r * span;
    auto columns = [&](int64_t c0) __attribute__((target("avx2,fma"), always_inline)) {
      if (c0 >= 0 && c0 + kLanes <= width) return _mm256_loadu_ps(src + c0);
      __m256i at = _mm256_add_epi32(_mm256_set1_epi32(int(c0)), lanes);
      __m256i inside = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), at), _mm256_cmpgt_epi32(widthLanes, at));
      return _mm256_maskload_ps(reinterpret_cast<const float *>(reinterpret_cast<intptr_t>(src) + c0 * 4), inside);
    };
    auto split = [&](int64_t j, __m256 &even, __m256 &odd) __attribute__((target("avx2,fma"), always_inline)) {
      splitEvenOdd(columns(2 * j - padLeft), columns(2 * j - padLeft + kLanes), even, odd);
    };
    int64_t j = 0;
    for (; j + kLanes <= run; j += kLanes) {
      __m256 even, odd;
      split(j, even, odd);
      _mm256_storeu_ps(out + j, even);
      _mm256_storeu_ps(out + run + j, odd);
    }
    if (j < run) {  // the phases' last few columns: a whole store would run into the next phase
      alignas(32) float even[kLanes], odd[kLanes];
      __m256 e, o;
      split(j, e, o);
      _mm256_store_ps(even, e);
      _mm256_store_ps(odd, o);
      for (int64_t t = j; t < run; ++t) out[t] = even[t - j], out[run + t] = odd[t - j];
    }
  }
}

// The same with AVX-512: sixteen input columns in one vector, one permute putting the evens
// in its low half and the odds in its high half (half the shuffles of AVX2's split, which
// bounded this fill), and masked loads and stores at the ends.
__attribute__((target("avx512f,avx2,fma"))) void fillRowsStride2Avx512(const Shape &s, const Plane &plane,
                                                                     float *scratch) {
  const int64_t width = s.width, padLeft = s.padLeft, run = s.run, span = 2 * s.run, rowStride = plane.rowStride;
  const int64_t first = std::max<int64_t>(0, s.padTop), last = std::min(s.rows, s.padTop + s.height);
  const __m512i evensThenOdds = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
  for (int64_t r = first; r < last; ++r) {
    const float *src = plane.x + (r - s.padTop) * rowStride;
    float *out = scratch + r * span;
    for (int64_t j = 0; j < run; j += kLanes) {
      int64_t c0 = 2 * j - padLeft;
      __m512 v;
      if (c0 >= 0 && c0 + 2 * kLanes <= width) {
        v = _mm512_loadu_ps(src + c0);
      } else {  // the lanes inside the input: [max(0, -c0), min(16, width - c0))
        int64_t lo = std::max<int64_t>(0, -c0), hi = std::min<int64_t>(2 * kLanes, width - c0);
        __mmask16 inside = hi > lo ? __mmask16(((1u << hi) - 1) & ~((1u << lo) - 1)) : __mmask16(0);
        v = _mm512_maskz_loadu_ps(inside, reinterpret_cast<const float *>(reinterpret_cast<intptr_t>(src) + c0 * 4));
      }
      // Zero-masked forms: GCC 12 warns of the plain ones' undefined pass-through.
      v = _mm512_maskz_permutexvar_ps(0xffff, evensThenOdds, v);
      __m512 odds = _mm512_maskz_shuffle_f32x4(0xffff, v, v, _MM_SHUFFLE(1, 0, 3, 2));
      // The low eight lanes, or as many as the phase has left (not into the next phase).
      __mmask16 count = __mmask16((1u << std::min<int64_t>(kLanes, run - j)) - 1);
      _mm512_mask_storeu_ps(out + j, count, v);
      _mm512_mask_storeu_ps(out + run + j, count, odds);
    }
  }
}

// Where sums of output rows go: the epilogue, then the row of y. It holds values, not
// references: every vector store may alias anything, and fields read through a reference
// were reloaded after each one (measured 3x slower on mobilenet's planes).
struct RowStore {
  float *y;
  const float *residual;
  int64_t width;
  float loValue, hiValue;
  __m256 bias, lo, hi;

  __attribute__((target("avx2,fma"))) RowStore(const Shape &s, const Plane &plane, const GemmEpilogueOp &epilogue)
      : y(plane.y), residual(plane.residual), width(s.outWidth), loValue(epilogue.lo), hiValue(epilogue.hi),
        bias(_mm256_set1_ps(plane.bias)), lo(_mm256_set1_ps(epilogue.lo)), hi(_mm256_set1_ps(epilogue.hi)) {}

  // Output row i's columns [j, j + 8), all inside the row.
  __attribute__((target("avx2,fma"), always_inline)) void full(__m256 sum, int64_t i, int64_t j) const {
    __m256 v = _mm256_add_ps(sum, bias);
    if (residual) v = _mm256_add_ps(v, _mm256_loadu_ps(residual + i * width + j));
    _mm256_storeu_ps(y + i * width + j, _mm256_min_ps(hi, _mm256_max_ps(lo, v)));
  }

  // Output row i's columns [j, j + 8), or as many of them as there are. The clamp always
  // runs: with unbounded limits it changes nothing (and NaN stays NaN, as in the GEMM).
  __attribute__((target("avx2,fma"), always_inline)) void operator()(__m256 sum, int64_t i, int64_t j) const {
    float *out = y + i * width;
    const float *skip = residual ? residual + i * width : nullptr;
    __m256 v = _mm256_add_ps(sum, bias);
    if (j + kLanes <= width) {
      if (skip) v = _mm256_add_ps(v, _mm256_loadu_ps(skip + j));
      _mm256_storeu_ps(out + j, _mm256_min_ps(hi, _mm256_max_ps(lo, v)));
      return;
    }
    // The last few columns one at a time: masked moves are slow on AMD's cores.
    alignas(32) float tail[kLanes];
    _mm256_store_ps(tail, v);
    for (int64_t c = j; c < width; ++c) {
      float x = tail[c - j] + (skip ? skip[c] : 0.0f);
      x = x < loValue ? loValue : x;
      out[c] = hiValue < x ? hiValue : x;
    }
  }
};

// Output rows [i, i + Rows) from the scratch, any window: at each eight columns one sum per
// row, so that the taps' multiply-adds form Rows independent chains.
template <int Rows>
__attribute__((target("avx2,fma"))) void rowsAvx2(const Shape &s, const float *scratch, int64_t i, const float *w,
                                                   const RowStore &store) {
  const int64_t taps = s.kernelH * s.kernelW, width = s.outWidth, rowStep = s.rowStep;
  const int64_t *offsets = s.tapOffsets.data();
  const RowStore out = store;
  auto sums = [&](int64_t j, __m256 (&acc)[Rows]) __attribute__((target("avx2,fma"), always_inline)) {
    for (int r = 0; r < Rows; ++r) acc[r] = _mm256_setzero_ps();
    for (int64_t t = 0; t < taps; ++t) {
      __m256 wt = _mm256_set1_ps(w[t]);
      const float *in = scratch + i * rowStep + offsets[t] + j;
      for (int r = 0; r < Rows; ++r) acc[r] = _mm256_fmadd_ps(wt, _mm256_loadu_ps(in + r * rowStep), acc[r]);
    }
  };
  // Whole vectors, then the last few columns (their code kept out of the main loop).
  int64_t j = 0;
  for (; j + kLanes <= width; j += kLanes) {
    __m256 acc[Rows];
    sums(j, acc);
    for (int r = 0; r < Rows; ++r) out.full(acc[r], i + r, j);
  }
  if (j < width) {
    __m256 acc[Rows];
    sums(j, acc);
    for (int r = 0; r < Rows; ++r) out(acc[r], i + r, j);
  }
}

// A 3x3 window with unit dilations and strides of 1 or 2 (mobilenet's), two output rows at a
// time: each input row is loaded once per window column and used by both output rows where
// both windows cover it, and the nine weights stay in registers. `row` is the first input
// row at the output columns' start; with a stride of 2 a row's odd columns are its second
// phase, `run` further on. Written out with named sums: arrays of them were kept in memory.
template <int Step>
__attribute__((target("avx2,fma"), always_inline)) inline void pair3x3(const float *row, int64_t span, int64_t run,
                                                                       const __m256 (&w)[9], __m256 &top, __m256 &bottom) {
  auto tap = [&](const float *r, int q) __attribute__((target("avx2,fma"), always_inline)) {
    return _mm256_loadu_ps(Step == 1 ? r + q : q == 1 ? r + run : r + q / 2);
  };
  top = _mm256_setzero_ps(), bottom = _mm256_setzero_ps();
  // Input rows 0 .. Step + 2: window row p of the top output and p - Step of the bottom one.
#pragma GCC unroll 5
  for (int in = 0; in < Step + 3; ++in) {
#pragma GCC unroll 3
    for (int q = 0; q < 3; ++q) {
      __m256 v = tap(row + in * span, q);
      if (in < 3) top = _mm256_fmadd_ps(w[in * 3 + q], v, top);
      if (in >= Step) bottom = _mm256_fmadd_ps(w[(in - Step) * 3 + q], v, bottom);
    }
  }
}

template <int Step>
__attribute__((target("avx2,fma"))) void plane3x3(const Shape &s, const float *scratch, const float *weights,
                                                  const RowStore &store) {
  __m256 w[9];
  for (int t = 0; t < 9; ++t) w[t] = _mm256_set1_ps(weights[t]);
  const int64_t span = s.stepW * s.run, run = s.run, width = s.outWidth, height = s.outHeight;
  const RowStore out = store;
  for (int64_t i = 0; i < height; i += 2) {
    // An odd last row computes a second one from rows of zeros in the scratch, not stored.
    bool pair = i + 1 < height;
    const float *base = scratch + i * Step * span;
    // Whole vectors, then the row's last few columns: the tail's code kept apart, so that
    // nothing between the two sums' multiply-adds pushes their operands out of registers.
    int64_t j = 0;
    for (; j + kLanes <= width; j += kLanes) {
      __m256 top, bottom;
      pair3x3<Step>(base + j, span, run, w, top, bottom);
      out.full(top, i, j);
      if (pair) out.full(bottom, i + 1, j);
    }
    if (j < width) {
      __m256 top, bottom;
      pair3x3<Step>(base + j, span, run, w, top, bottom);
      out(top, i, j);
      if (pair) out(bottom, i + 1, j);
    }
  }
}

__attribute__((target("avx2,fma"))) void planeAvx2(const Shape &s, const Plane &plane, const float *scratch,
                                                   const GemmEpilogueOp &epilogue) {
  RowStore store(s, plane, epilogue);
  if (s.kernelH == 3 && s.kernelW == 3 && s.dilationH == 1 && s.dilationW == 1 && s.stepH == s.stepW) {
    if (s.stepH == 1) return plane3x3<1>(s, scratch, plane.w, store);
    if (s.stepH == 2) return plane3x3<2>(s, scratch, plane.w, store);
  }
  int64_t i = 0;
  for (; i + 8 <= s.outHeight; i += 8) rowsAvx2<8>(s, scratch, i, plane.w, store);
  for (; i + 4 <= s.outHeight; i += 4) rowsAvx2<4>(s, scratch, i, plane.w, store);
  for (; i < s.outHeight; ++i) rowsAvx2<1>(s, scratch, i, plane.w, store);
}

// The same row without AVX2.
void rowScalar(const Shape &s, const Plane &plane, const float *scratch, int64_t i, const GemmEpilogueOp &epilogue) {
  GemmEpilogueOp one = epilogue;
  one.biasKind = abi::kBiasNone;
  for (int64_t j = 0; j < s.outWidth; ++j) {
    float v = 0.0f;
    for (int64_t t = 0; t < s.kernelH * s.kernelW; ++t) v += plane.w[t] * scratch[i * s.rowStep + s.tapOffsets[t] + j];
    const float *residual = plane.residual ? plane.residual + i * s.outWidth + j : nullptr;
    plane.y[i * s.outWidth + j] = applyEpilogue(v + plane.bias, one, 0, 0, residual);
  }
}

// A thread's scratch for one call: zeroed once, so that the padding needs no writes per plane.
struct Scratch {
  std::vector<float> rows, line;
  void prepare(const Shape &s) {
    int64_t span = s.stepW * s.run;
    rows.assign((s.rows + 2) * span, 0.0f);  // two more rows of zeros: plane3x3's odd last row
    line.assign(span + 2 * kLanes, 0.0f);
  }
};

// avx2, avx512: the instruction sets this call's kernels use (hasGemmKernelF32, useAvx512).
void convolvePlane(const Shape &s, const Plane &plane, const GemmEpilogueOp &epilogue, Scratch &scratch, bool avx2,
                   bool avx512) {
  int64_t span = s.stepW * s.run;

  if (s.stepW == 2 && avx2 && plane.colStride == 1) {
    if (avx512) fillRowsStride2Avx512(s, plane, scratch.rows.data());
    else fillRowsStride2(s, plane, scratch.rows.data());
  } else {
    for (int64_t r = std::max<int64_t>(0, s.padTop); r < std::min(s.rows, s.padTop + s.height); ++r)
      fillRow(s, plane, r - s.padTop, scratch.rows.data() + r * span, scratch.line.data(), avx2);
  }
  if (avx2) {
    planeAvx2(s, plane, scratch.rows.data(), epilogue);
    return;
  }
  for (int64_t i = 0; i < s.outHeight; ++i) rowScalar(s, plane, scratch.rows.data(), i, epilogue);
}

}  // namespace
}  // namespace fusor::runtime

using namespace fusor::runtime;

extern "C" void fusor_rt_depthwise_conv2d_f32(const fusor_rt_depthwise_problem *call,
                                              const fusor_rt_epilogue *e) {
  const auto [x, offsetX, strideXN, strideXC, strideXH, strideXW, batch, channels, height, width, w, offsetW, kernelH,
              kernelW, y, offsetY, outHeight, outWidth, stepH, stepW, dilationH, dilationW, padTop, padLeft] = *call;
  const GemmEpilogueOp given = epilogueFrom(*e);
  int64_t planes = batch * channels, outPlane = outHeight * outWidth;
  if (planes == 0 || outPlane == 0) return;
  const float *px = reinterpret_cast<const float *>(x) + offsetX, *pw = reinterpret_cast<const float *>(w) + offsetW;
  float *py = reinterpret_cast<float *>(y) + offsetY;
  const DepthwiseProblem problem{px, strideXN, strideXC, strideXH, strideXW, batch, channels, height, width,
                                 pw, kernelH, kernelW, py, outHeight, outWidth, stepH, stepW, dilationH, dilationW,
                                 padTop, padLeft, given.bias, given.residual, given.lo, given.hi};
  if (depthwiseDirect3x3(problem) || depthwiseAcrossChannels(problem)) return;
  Shape s = shapeOf(height, width, kernelH, kernelW, outHeight, outWidth, stepH, stepW, dilationH, dilationW, padTop,
                    padLeft);
  GemmEpilogueOp epilogue;  // the plane kernel adds each plane's bias and residual itself
  epilogue.lo = given.lo;
  epilogue.hi = given.hi;
  int threads = threadsForPlanes(planes, planes * outPlane * kernelH * kernelW);
  bool avx2 = hasGemmKernelF32(), avx512 = useAvx512();
#pragma omp parallel num_threads(threads)
  {
    thread_local Scratch scratch;
    scratch.prepare(s);
#pragma omp for schedule(static)
    for (int64_t p = 0; p < planes; ++p) {
      int64_t n = p / channels, c = p % channels;
      Plane plane{px + n * strideXN + c * strideXC, strideXH, strideXW, pw + c * kernelH * kernelW, py + p * outPlane,
                  given.residual ? given.residual + p * outPlane : nullptr, given.bias ? given.bias[p] : 0.0f};
      convolvePlane(s, plane, epilogue, scratch, avx2, avx512);
    }
  }
}
