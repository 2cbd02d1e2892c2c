// A BLIS-style GEMM: C is walked in NC-column blocks, K in KC-deep slices, and rows in blocks;
// each slice of B is packed into contiguous 16-column micro-panels (any strides, zero-padded
// edges; for a few rows of A, a row-major B is read in place instead; for a convolution's
// implicit GEMM, gathered from its input, see Im2colPack.h), A is read in place when
// row-major (packed otherwise), and a 6x16 AVX2 tile of C accumulates in 12 registers (6x48
// in 18 with AVX-512, over three adjacent panels). Unlike a BLAS call, C is not pre-scaled in
// a separate pass, and the epilogue (bias, residual, clamp) is applied as the tile is stored,
// so a convolution's output is written once.
#include "cpu/gemm/GemmKernel.h"
#include "cpu/gemm/BlockSizes.h"

#include "base/ConstantWeights.h"
#include "cpu/gemm/Im2colPack.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace fusor::runtime {
namespace {

using namespace gemm;  // the blocking (BlockSizes.h)

struct PackBuffers {
  float *a, *b;
  PackBuffers() {
    a = static_cast<float *>(std::aligned_alloc(64, sizeof(float) * kBlockRows * kDepth));
    b = static_cast<float *>(std::aligned_alloc(64, sizeof(float) * kBlockCols * kDepth));
  }
  ~PackBuffers() {
    std::free(a);
    std::free(b);
  }
};

PackBuffers &packBuffers() {
  thread_local PackBuffers buffers;
  return buffers;
}

// rows x depth of A (from `a`) as ceil(rows / 6) panels, each depth x 6, zero-padded.
void packA(const float *a, int64_t rsA, int64_t csA, int64_t rows, int64_t depth, float *out) {
  for (int64_t i0 = 0; i0 < rows; i0 += kTileRows) {
    int64_t valid = std::min(kTileRows, rows - i0);
    for (int64_t p = 0; p < depth; ++p) {
      for (int64_t r = 0; r < valid; ++r) out[r] = a[(i0 + r) * rsA + p * csA];
      for (int64_t r = valid; r < kTileRows; ++r) out[r] = 0.0f;
      out += kTileRows;
    }
  }
}

// depth x cols of B as ceil(cols / 16) panels, each depth x 16, zero-padded. A row-major B's
// full panels are copied panel by panel, or a row of B at a time across all of them where
// its rows are a page or more apart: walking one panel down all of K then touched a new page
// at every step, which stalled on the TLB (a fifth of a transformer's GEMM; 7-9% faster
// row by row there, and on a 7x7 stem convolution's im2col rows).
__attribute__((target("avx2,fma"))) void packB(const float *b, int64_t rsB, int64_t csB,
                                                int64_t depth, int64_t cols, float *out) {
  constexpr int64_t kPageFloats = 1024;
  int64_t fullCols = csB == 1 ? cols / kTileCols * kTileCols : 0;
  if (rsB < kPageFloats) {
    for (int64_t j0 = 0; j0 < fullCols; j0 += kTileCols)
      for (int64_t p = 0; p < depth; ++p, out += kTileCols) {
        _mm256_store_ps(out, _mm256_loadu_ps(b + p * rsB + j0));
        _mm256_store_ps(out + 8, _mm256_loadu_ps(b + p * rsB + j0 + 8));
      }
  } else {
    for (int64_t p = 0; p < depth; ++p) {
      const float *row = b + p * rsB;
      float *at = out + p * kTileCols;
      for (int64_t j0 = 0; j0 < fullCols; j0 += kTileCols, at += depth * kTileCols) {
        _mm256_store_ps(at, _mm256_loadu_ps(row + j0));
        _mm256_store_ps(at + 8, _mm256_loadu_ps(row + j0 + 8));
      }
    }
    out += fullCols * depth;
  }
  for (int64_t j0 = fullCols; j0 < cols; j0 += kTileCols) {
    int64_t valid = std::min(kTileCols, cols - j0);
    const float *panel = b + j0 * csB;
    for (int64_t p = 0; p < depth; ++p, out += kTileCols) {
      for (int64_t j = 0; j < valid; ++j) out[j] = panel[p * rsB + j * csB];
      for (int64_t j = valid; j < kTileCols; ++j) out[j] = 0.0f;
    }
  }
}

// How a tile is stored: added to C or not, and whether this is the last slice of K (the
// epilogue's turn). Row and column are the tile's position in the whole C, for the bias.
struct TileStore {
  bool addToC, last;
  int64_t row, col;
  const float *residual;  // the residual's element at the tile's corner, or null
};

__attribute__((target("avx2,fma"))) inline __m256 clamp(__m256 v, __m256 lo, __m256 hi) {
  // maxps/minps return their second operand when either is NaN: NaN propagates, as in torch.
  return _mm256_min_ps(hi, _mm256_max_ps(lo, v));
}

// Where a tile's six rows of A come from: packed (six interleaved values per step of K) or
// read in place from a row-major A (one pointer per row, unit step).
struct TileRowsOfA {
  const float *row[kTileRows];
  int64_t step;
};

// Eight floats, or those of them `mask` selects (at C's right edge), the others 0.
__attribute__((target("avx2,fma"))) inline __m256 loadColumns(const float *x, bool full, __m256i mask) {
  return full ? _mm256_loadu_ps(x) : _mm256_maskload_ps(x, mask);
}

// The K loop: acc[r][h] = sum_p A[r][p] * B[p][8h, 8h + 8) for h < Halves (one half where
// C's right edge leaves at most 8 columns, which halves the work there).
// UnitStep: A read in place, its step known to be 1, which frees the register GCC otherwise
// reloads it into on every step of K (5-7% faster measured).
template <int Halves, bool UnitStep>
__attribute__((target("avx2,fma"))) inline void multiply(int64_t depth, const TileRowsOfA &a, const float *bp, int64_t bStep,
                                                          __m256 (&acc)[kTileRows][2]) {
  const float *a0 = a.row[0], *a1 = a.row[1], *a2 = a.row[2], *a3 = a.row[3], *a4 = a.row[4], *a5 = a.row[5];
  const int64_t step = UnitStep ? 1 : a.step;
  // Named accumulators: GCC keeps an array of them in memory, not in registers.
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
         c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
#pragma GCC unroll 4
  for (int64_t p = 0; p < depth; ++p) {
    __m256 b0 = _mm256_loadu_ps(bp), x;
    int64_t o = p * step;
    if constexpr (Halves == 2) {
      __m256 b1 = _mm256_loadu_ps(bp + 8);
      x = _mm256_broadcast_ss(a0 + o), c00 = _mm256_fmadd_ps(x, b0, c00), c01 = _mm256_fmadd_ps(x, b1, c01);
      x = _mm256_broadcast_ss(a1 + o), c10 = _mm256_fmadd_ps(x, b0, c10), c11 = _mm256_fmadd_ps(x, b1, c11);
      x = _mm256_broadcast_ss(a2 + o), c20 = _mm256_fmadd_ps(x, b0, c20), c21 = _mm256_fmadd_ps(x, b1, c21);
      x = _mm256_broadcast_ss(a3 + o), c30 = _mm256_fmadd_ps(x, b0, c30), c31 = _mm256_fmadd_ps(x, b1, c31);
      x = _mm256_broadcast_ss(a4 + o), c40 = _mm256_fmadd_ps(x, b0, c40), c41 = _mm256_fmadd_ps(x, b1, c41);
      x = _mm256_broadcast_ss(a5 + o), c50 = _mm256_fmadd_ps(x, b0, c50), c51 = _mm256_fmadd_ps(x, b1, c51);
    } else {
      c00 = _mm256_fmadd_ps(_mm256_broadcast_ss(a0 + o), b0, c00);
      c10 = _mm256_fmadd_ps(_mm256_broadcast_ss(a1 + o), b0, c10);
      c20 = _mm256_fmadd_ps(_mm256_broadcast_ss(a2 + o), b0, c20);
      c30 = _mm256_fmadd_ps(_mm256_broadcast_ss(a3 + o), b0, c30);
      c40 = _mm256_fmadd_ps(_mm256_broadcast_ss(a4 + o), b0, c40);
      c50 = _mm256_fmadd_ps(_mm256_broadcast_ss(a5 + o), b0, c50);
    }
    bp += bStep;
  }
  acc[0][0] = c00, acc[0][1] = c01, acc[1][0] = c10, acc[1][1] = c11, acc[2][0] = c20, acc[2][1] = c21;
  acc[3][0] = c30, acc[3][1] = c31, acc[4][0] = c40, acc[4][1] = c41, acc[5][0] = c50, acc[5][1] = c51;
}

// Up to 6 rows and 16 columns of C (one panel of B), in AVX2's 8-float vectors.
__attribute__((target("avx2,fma"))) inline void tileAvx2(
    int64_t depth, const TileRowsOfA &a, const float *bp, int64_t bStep, float *c, int64_t ldc, int64_t rows, int64_t cols,
    const TileStore &store, const GemmEpilogueOp &epilogue) {
  __m256 acc[kTileRows][2];
  if (a.step == 1) {
    if (cols > kTileCols / 2) multiply<2, true>(depth, a, bp, bStep, acc);
    else multiply<1, true>(depth, a, bp, bStep, acc);
  } else {
    if (cols > kTileCols / 2) multiply<2, false>(depth, a, bp, bStep, acc);
    else multiply<1, false>(depth, a, bp, bStep, acc);
  }
  const bool full = cols == kTileCols;
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i mask0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(cols)), lane);
  const __m256i mask1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(cols) - 8), lane);
  const bool epilogueNow = store.last;
  const auto biasKind = epilogueNow ? epilogue.biasKind : abi::kBiasNone;
  const float *residual = epilogueNow ? store.residual : nullptr;
  const bool clamps = epilogueNow && (epilogue.lo > -__builtin_inff() || epilogue.hi < __builtin_inff());
  const __m256 lo = _mm256_set1_ps(epilogue.lo), hi = _mm256_set1_ps(epilogue.hi);
  __m256 bias0 = _mm256_setzero_ps(), bias1 = bias0;
  if (biasKind == abi::kBiasPerColumn) {
    bias0 = loadColumns(epilogue.bias + store.col, full, mask0);
    bias1 = loadColumns(epilogue.bias + store.col + 8, full, mask1);
  }
  for (int64_t r = 0; r < rows; ++r) {
    float *out = c + r * ldc;
    __m256 v0 = acc[r][0], v1 = acc[r][1];
    if (store.addToC) {
      v0 = _mm256_add_ps(v0, loadColumns(out, full, mask0));
      v1 = _mm256_add_ps(v1, loadColumns(out + 8, full, mask1));
    }
    if (biasKind != abi::kBiasNone) {
      if (biasKind == abi::kBiasPerRow) bias0 = bias1 = _mm256_set1_ps(epilogue.bias[store.row + r]);
      v0 = _mm256_add_ps(v0, bias0);
      v1 = _mm256_add_ps(v1, bias1);
    }
    if (residual) {
      v0 = _mm256_add_ps(v0, loadColumns(residual + r * ldc, full, mask0));
      v1 = _mm256_add_ps(v1, loadColumns(residual + r * ldc + 8, full, mask1));
    }
    if (clamps) {
      v0 = clamp(v0, lo, hi);
      v1 = clamp(v1, lo, hi);
    }
    if (full) {
      _mm256_storeu_ps(out, v0);
      _mm256_storeu_ps(out + 8, v1);
    } else {
      _mm256_maskstore_ps(out, mask0, v0);
      _mm256_maskstore_ps(out + 8, mask1, v1);
    }
  }
}

// The same K loop over up to three adjacent panels of B at once (`gap` floats apart), in
// AVX-512's 16-float vectors: 6 rows x 48 columns of C in 18 registers; only the first Rows
// of them where C's bottom edge leaves fewer (a 16-row GEMM's last tile of 4 had spent a
// third of its multiply-adds on rows it did not store).
template <int Panels, bool UnitStep, int Rows = kTileRows>
__attribute__((target("avx512f,avx2,fma"))) inline void multiplyAvx512(int64_t depth, const TileRowsOfA &a, const float *bp,
                                                                      int64_t gap, int64_t bStep, __m512 (&acc)[kTileRows][3]) {
  const float *a0 = a.row[0], *a1 = a.row[1], *a2 = a.row[2], *a3 = a.row[3], *a4 = a.row[4], *a5 = a.row[5];
  const int64_t step = UnitStep ? 1 : kTileRows;  // packed A: six interleaved rows
  // Named accumulators: GCC keeps an array of them in memory, not in registers.
  __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00, c20 = c00, c21 = c00,
         c22 = c00, c30 = c00, c31 = c00, c32 = c00, c40 = c00, c41 = c00, c42 = c00, c50 = c00, c51 = c00, c52 = c00;
#pragma GCC unroll 4
  for (int64_t p = 0; p < depth; ++p) {
    __m512 b0 = _mm512_loadu_ps(bp), b1 = b0, b2 = b0;
    if constexpr (Panels > 1) b1 = _mm512_loadu_ps(bp + gap);
    if constexpr (Panels > 2) b2 = _mm512_loadu_ps(bp + 2 * gap);
    int64_t o = p * step;
    auto row = [&](const float *ar, __m512 &x0, __m512 &x1, __m512 &x2) __attribute__((target("avx512f,avx2,fma"), always_inline)) {
      __m512 x = _mm512_set1_ps(ar[o]);
      x0 = _mm512_fmadd_ps(x, b0, x0);
      if constexpr (Panels > 1) x1 = _mm512_fmadd_ps(x, b1, x1);
      if constexpr (Panels > 2) x2 = _mm512_fmadd_ps(x, b2, x2);
    };
    row(a0, c00, c01, c02), row(a1, c10, c11, c12);
    if constexpr (Rows > 2) row(a2, c20, c21, c22), row(a3, c30, c31, c32);
    if constexpr (Rows > 4) row(a4, c40, c41, c42), row(a5, c50, c51, c52);
    bp += bStep;
  }
  acc[0][0] = c00, acc[0][1] = c01, acc[0][2] = c02, acc[1][0] = c10, acc[1][1] = c11, acc[1][2] = c12;
  acc[2][0] = c20, acc[2][1] = c21, acc[2][2] = c22, acc[3][0] = c30, acc[3][1] = c31, acc[3][2] = c32;
  acc[4][0] = c40, acc[4][1] = c41, acc[4][2] = c42, acc[5][0] = c50, acc[5][1] = c51, acc[5][2] = c52;
}

// A full tile's stores (six rows, three panels, C not added to): straight-line, the bias per
// row (if Bias) broadcast once a row, the residual (if Residual) and the clamp to [lo, hi]
// (exact with unbounded limits: max and min keep -0 and return a NaN second operand).
// Through the general loop below, with its tests of the epilogue's kind at every vector, a
// short-K tile's stores took about as long as its multiply-adds.
template <bool Bias, bool Residual>
__attribute__((target("avx512f,avx2,fma"), always_inline)) inline void storeFullTile(
    const __m512 (&acc)[kTileRows][3], float *c, int64_t ldc, const float *bias, const float *residual,
    const __mmask16 (&masks)[3], __m512 lo, __m512 hi) {
#pragma GCC unroll 6
  for (int r = 0; r < kTileRows; ++r) {
    const __m512 rowBias = Bias ? _mm512_set1_ps(bias[r]) : _mm512_setzero_ps();
#pragma GCC unroll 3
    for (int h = 0; h < 3; ++h) {
      __m512 v = acc[r][h];
      if (Bias) v = _mm512_add_ps(v, rowBias);
      if (Residual) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(masks[h], residual + r * ldc + h * kTileCols));
      v = _mm512_maskz_min_ps(0xffff, hi, _mm512_maskz_max_ps(0xffff, lo, v));
      _mm512_mask_storeu_ps(c + r * ldc + h * kTileCols, masks[h], v);
    }
  }
}

// Up to 6 rows and 48 columns of C: the panel at bp and, past each 16 columns, the next one
// `gap` floats on. C's right edge is stored through masks (cheap with AVX-512's mask registers).
__attribute__((target("avx512f,avx2,fma"))) inline void tileAvx512(
    int64_t depth, const TileRowsOfA &a, const float *bp, int64_t gap, int64_t bStep, float *c, int64_t ldc, int64_t rows,
    int64_t cols, const TileStore &store, const GemmEpilogueOp &epilogue) {
  __m512 acc[kTileRows][3];
  const int panels = int((cols + kTileCols - 1) / kTileCols);
  // The K loop for this tile's panels and rows, A in place (unit step) or packed.
  auto multiply = [&](auto unitStep) __attribute__((target("avx512f,avx2,fma"), always_inline)) {
    constexpr bool kUnitStep = decltype(unitStep)::value;
    if (panels == 3 && rows > 4) multiplyAvx512<3, kUnitStep>(depth, a, bp, gap, bStep, acc);
    else if (panels == 3 && rows > 2) multiplyAvx512<3, kUnitStep, 4>(depth, a, bp, gap, bStep, acc);
    else if (panels == 3) multiplyAvx512<3, kUnitStep, 2>(depth, a, bp, gap, bStep, acc);
    else if (panels == 2) multiplyAvx512<2, kUnitStep>(depth, a, bp, gap, bStep, acc);
    else multiplyAvx512<1, kUnitStep>(depth, a, bp, gap, bStep, acc);
  };
  if (a.step == 1) multiply(std::true_type());
  else multiply(std::false_type());
  auto maskOf = [](int64_t n) { return __mmask16(n >= 16 ? 0xffff : n <= 0 ? 0 : (1u << n) - 1); };
  const __mmask16 masks[3] = {maskOf(cols), maskOf(cols - kTileCols), maskOf(cols - 2 * kTileCols)};
  const bool epilogueNow = store.last;
  const auto biasKind = epilogueNow ? epilogue.biasKind : abi::kBiasNone;
  const float *residual = epilogueNow ? store.residual : nullptr;
  const bool clamps = epilogueNow && (epilogue.lo > -__builtin_inff() || epilogue.hi < __builtin_inff());
  const __m512 lo = _mm512_set1_ps(epilogue.lo), hi = _mm512_set1_ps(epilogue.hi);
  if (rows == kTileRows && panels == 3 && !store.addToC && biasKind != abi::kBiasPerColumn) {
    const __m512 low = clamps ? lo : _mm512_set1_ps(-__builtin_inff()), high = clamps ? hi : _mm512_set1_ps(__builtin_inff());
    const float *rowBias = biasKind == abi::kBiasPerRow ? epilogue.bias + store.row : nullptr;
    if (rowBias && residual) storeFullTile<true, true>(acc, c, ldc, rowBias, residual, masks, low, high);
    else if (rowBias) storeFullTile<true, false>(acc, c, ldc, rowBias, nullptr, masks, low, high);
    else if (residual) storeFullTile<false, true>(acc, c, ldc, nullptr, residual, masks, low, high);
    else storeFullTile<false, false>(acc, c, ldc, nullptr, nullptr, masks, low, high);
    return;
  }
  // All three, unrolled: a loop to `panels` setting them to zero became a rep stos (6% of a
  // short-K GEMM's time).
  __m512 columnBias[3];
#pragma GCC unroll 3
  for (int h = 0; h < 3; ++h)
    columnBias[h] = biasKind == abi::kBiasPerColumn && h < panels
                        ? _mm512_maskz_loadu_ps(masks[h], epilogue.bias + store.col + h * kTileCols)
                        : _mm512_setzero_ps();
  for (int64_t r = 0; r < rows; ++r) {
    float *out = c + r * ldc;
    const __m512 rowBias = biasKind == abi::kBiasPerRow ? _mm512_set1_ps(epilogue.bias[store.row + r])
                                                                   : _mm512_setzero_ps();
    for (int h = 0; h < panels; ++h) {
      __m512 v = acc[r][h];
      if (store.addToC) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(masks[h], out + h * kTileCols));
      if (biasKind == abi::kBiasPerRow) v = _mm512_add_ps(v, rowBias);
      if (biasKind == abi::kBiasPerColumn) v = _mm512_add_ps(v, columnBias[h]);
      if (residual) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(masks[h], residual + r * ldc + h * kTileCols));
      // As in AVX2's: max and min return their second operand when either is NaN. (Zero-
      // masked forms: GCC 12 warns of the plain ones' undefined pass-through.)
      if (clamps) v = _mm512_maskz_min_ps(0xffff, hi, _mm512_maskz_max_ps(0xffff, lo, v));
      _mm512_mask_storeu_ps(out + h * kTileCols, masks[h], v);
    }
  }
}

__attribute__((target("avx2,fma"))) inline float horizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}

// sum_p x[p] * row[p] for four rows at once; x contiguous.
__attribute__((target("avx2,fma"))) void dot4(const float *x, const float *const row[4], int64_t depth,
                                               float out[4]) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  int64_t p = 0;
  for (; p + 8 <= depth; p += 8) {
    __m256 v = _mm256_loadu_ps(x + p);
    for (int r = 0; r < 4; ++r) acc[r] = _mm256_fmadd_ps(v, _mm256_loadu_ps(row[r] + p), acc[r]);
  }
  for (int r = 0; r < 4; ++r) {
    out[r] = horizontalSum(acc[r]);
    for (int64_t q = p; q < depth; ++q) out[r] += x[q] * row[r][q];
  }
}

// The same for eight rows, sixteen floats at a time (the last few through a mask).
__attribute__((target("avx512f,avx2,fma"))) void dot8Avx512(const float *x, const float *const row[8], int64_t depth,
                                                            float out[8]) {
  __m512 acc[8];
#pragma GCC unroll 8
  for (int r = 0; r < 8; ++r) acc[r] = _mm512_setzero_ps();
  for (int64_t p = 0; p < depth; p += 16) {
    const __mmask16 mask = depth - p >= 16 ? __mmask16(0xffff) : __mmask16((1u << (depth - p)) - 1);
    const __m512 v = _mm512_maskz_loadu_ps(mask, x + p);
#pragma GCC unroll 8
    for (int r = 0; r < 8; ++r) acc[r] = _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(mask, row[r] + p), acc[r]);
  }
#pragma GCC unroll 8
  for (int r = 0; r < 8; ++r) {
    // Halves by zero-masked extracts (GCC 12 warns of the plain ones' undefined pass-through).
    const __m512d both = _mm512_castps_pd(acc[r]);
    const __m256 low = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xff, both, 0)),
                 high = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xff, both, 1));
    out[r] = horizontalSum(_mm256_add_ps(low, high));
  }
}

// sum_p x[p] * A[r][p] for the six rows r of a packed panel of A (six interleaved values per
// step of K): eight steps at a time, x's values spread to match the panel's 48 floats.
__attribute__((target("avx512f,avx2,fma"))) void dotPanelAvx512(const float *x, const float *panel, int64_t depth,
                                                                float (&out)[kTileRows]) {
  const __m512i spread0 = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2),
                spread1 = _mm512_setr_epi32(2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 5, 5),
                spread2 = _mm512_setr_epi32(5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7);
  __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0, acc2 = acc0;
  int64_t p = 0;
  for (; p + 8 <= depth; p += 8) {
    const __m512 v = _mm512_maskz_loadu_ps(0xff, x + p);
    const float *at = panel + p * kTileRows;
    // Zero-masked permutes: GCC 12 warns of the plain ones' undefined pass-through.
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(at), _mm512_maskz_permutexvar_ps(0xffff, spread0, v), acc0);
    acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(at + 16), _mm512_maskz_permutexvar_ps(0xffff, spread1, v), acc1);
    acc2 = _mm512_fmadd_ps(_mm512_loadu_ps(at + 32), _mm512_maskz_permutexvar_ps(0xffff, spread2, v), acc2);
  }
  alignas(64) float lanes[48];
  _mm512_store_ps(lanes, acc0), _mm512_store_ps(lanes + 16, acc1), _mm512_store_ps(lanes + 32, acc2);
  for (int r = 0; r < kTileRows; ++r) out[r] = 0.0f;
  for (int l = 0; l < 48; ++l) out[l % kTileRows] += lanes[l];
  for (; p < depth; ++p)
    for (int r = 0; r < kTileRows; ++r) out[r] += x[p] * panel[p * kTileRows + r];
}

// Rows [row0, row0 + rows) of C's columns [col0, col0 + count), for one slice of K, as dot
// products: sumsOf(d, i, sums) gives dot column d's sums for the block's rows i to
// i + Rows - 1 (rows past the block's repeat its last). Then the epilogue on the last slice.
template <int Rows, typename SumsOf>
inline void dotColumnsOfSlice(int64_t count, float *c, int64_t ldc, int64_t row0, int64_t rows, int64_t col0,
                              bool addToC, bool last, const GemmEpilogueOp &epilogue, SumsOf sumsOf) {
  for (int64_t d = 0; d < count; ++d)
    for (int64_t i = 0; i < rows; i += Rows) {
      float sums[Rows];
      sumsOf(d, i, sums);
      for (int64_t r = 0; r < std::min<int64_t>(Rows, rows - i); ++r) {
        int64_t at = (row0 + i + r) * ldc + col0 + d;
        float v = sums[r] + (addToC ? c[at] : 0.0f);
        const float *residual = epilogue.residual ? epilogue.residual + at : nullptr;
        c[at] = last ? applyEpilogue(v, epilogue, row0 + i + r, col0 + d, residual) : v;
      }
    }
}

// What the driver below needs of an instruction set: its tile, and how many 16-column panels
// of B one tile spans.
struct Avx2Tiles : Avx2Blocking {
  static void packWindow(const Im2colB &b, int64_t p0, int64_t depth, int64_t j0, int64_t cols, float *out) {
    packIm2colAvx2(b, p0, depth, j0, cols, out);
  }
  __attribute__((target("avx2,fma"))) static void tile(int64_t depth, const TileRowsOfA &a, const float *bp, int64_t,
                                                       int64_t bStep, float *c, int64_t ldc, int64_t rows, int64_t cols,
                                                       const TileStore &store, const GemmEpilogueOp &epilogue) {
    tileAvx2(depth, a, bp, bStep, c, ldc, rows, cols, store, epilogue);
  }
  static void dot(const float *x, const float *const (&row)[kDotRows], int64_t depth, float (&out)[kDotRows]) {
    dot4(x, row, depth, out);
  }
};

struct Avx512Tiles : Avx512Blocking {
  static void packWindow(const Im2colB &b, int64_t p0, int64_t depth, int64_t j0, int64_t cols, float *out) {
    packIm2colAvx512(b, p0, depth, j0, cols, out);
  }
  __attribute__((target("avx512f,avx2,fma"))) static void tile(int64_t depth, const TileRowsOfA &a, const float *bp,
                                                               int64_t gap, int64_t bStep, float *c, int64_t ldc,
                                                               int64_t rows, int64_t cols, const TileStore &store,
                                                               const GemmEpilogueOp &epilogue) {
    tileAvx512(depth, a, bp, gap, bStep, c, ldc, rows, cols, store, epilogue);
  }
  static void dot(const float *x, const float *const (&row)[kDotRows], int64_t depth, float (&out)[kDotRows]) {
    dot8Avx512(x, row, depth, out);
  }
};

// Where the driver's B comes from: a matrix with any strides, or a convolution's im2col
// matrix from its column `col0` on, gathered from the input as it is packed.
struct StridedB {
  const float *b;
  int64_t rsB, csB;
};

struct WindowB {
  const Im2colB *im2col;
  int64_t col0;
};

// The blocks of C, K and rows walked around `Tiles`' register tile (see the top), for one
// instruction set.
template <typename Tiles, typename Source>
inline void gemmDriver(const float *a, int64_t rsA, int64_t csA, const Source &source, float *c, int64_t ldc,
                       int64_t m, int64_t n, int64_t k, bool accumulate, const GemmEpilogueOp &epilogue) {
  constexpr bool kStrided = std::is_same_v<Source, StridedB>;
  const float *b = nullptr;
  int64_t rsB = 0, csB = 0;
  if constexpr (kStrided) b = source.b, rsB = source.rsB, csB = source.csB;
  auto elementOfB = [&](int64_t p, int64_t j) {
    if constexpr (kStrided) return b[p * rsB + j * csB];
    else return source.im2col->at(p, source.col0 + j);
  };
  // Rows [p0, p0 + depth) and columns [j0, j0 + cols) of B as packB lays them out.
  auto packBlock = [&](int64_t p0, int64_t depth, int64_t j0, int64_t cols, float *out) {
    if constexpr (kStrided) packB(b + p0 * rsB + j0 * csB, rsB, csB, depth, cols, out);
    else Tiles::packWindow(*source.im2col, p0, depth, source.col0 + j0, cols, out);
  };
  PackBuffers &buffers = packBuffers();
  if (k == 0) {  // no products: C keeps its value (or is 0), then the epilogue
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        const float *residual = epilogue.residual ? epilogue.residual + i * ldc + j : nullptr;
        c[i * ldc + j] = applyEpilogue(accumulate ? c[i * ldc + j] : 0.0f, epilogue, i, j, residual);
      }
    return;
  }
  // A last panel of one or two columns (49 = 3 x 16 + 1, as 7x7 maps give): dot products
  // along K for those, where a tile would compute 16 columns for them. They are taken with
  // each slice of K and block of rows, while that block of A is cached: a separate pass over
  // A cost 15-25% of a 512x49x4608 GEMM, whose A (9 MB) comes from memory.
  const int64_t dotColumns = csA == 1 && n > kTileCols && n % kTileCols <= 2 ? n % kTileCols : 0;
  n -= dotColumns;
  thread_local std::vector<float> dotColumnSlices;  // each dot column's slice of K, contiguous
  // Few rows of A reuse each panel of B too little to repay packing it, and a B of few
  // columns reads as well in place: full panels of a row-major B are then read in place,
  // only the edge panels are packed.
  const bool inPlaceB = kStrided && csB == 1 && (m <= kInPlaceBRows || n <= kInPlaceBColumns);
  // Blocks of B widen as K shortens, to the same number of floats as a full-depth block:
  // with a short K, each tile's store is a large part of its cost, and C's rows are then
  // written in long runs (see rowsOuter).
  const int64_t blockCols = std::max(kBlockCols, kBlockCols * kDepth / std::min(k, kDepth) / kTileCols * kTileCols);
  // With K up to kRowsOuterDepth, each row tile walks the whole block of columns before the
  // next one starts, so that C is written as a few long streams of rows, not a block's every
  // row a few cache lines at a time (the hardware prefetchers follow the former).
  const bool rowsOuter = k <= kRowsOuterDepth;
  // Each block of B as packB lays it out, one after another in the order of the loops below
  // (which walk the blocks themselves: the block body as a lambda here measured 4-7% slower).
  auto forEachBlock = [&](auto visit) {
    for (int64_t j0 = 0; j0 < n; j0 += blockCols)
      for (int64_t p0 = 0; p0 < k; p0 += kDepth) visit(j0, std::min(blockCols, n - j0), p0, std::min(kDepth, k - p0));
  };
  auto packedFloats = [](int64_t cols, int64_t depth) { return (cols + kTileCols - 1) / kTileCols * kTileCols * depth; };
  // B from a model's weights (see ConstantWeights.h): all of its blocks packed once.
  std::shared_ptr<const float> prepacked;
  if (kStrided && !inPlaceB && anyConstantWeights()) {
    size_t floats = 0;
    forEachBlock([&](int64_t, int64_t cols, int64_t, int64_t depth) { floats += packedFloats(cols, depth); });
    auto packAll = [&](float *out) {
      forEachBlock([&](int64_t j0, int64_t cols, int64_t p0, int64_t depth) {
        packBlock(p0, depth, j0, cols, out);
        out += packedFloats(cols, depth);
      });
    };
    prepacked = packedWeights(b, rsB, csB, k, n, floats, PackInto(packAll));
  }
  const float *nextPrepacked = prepacked.get();
  // A from a model's weights (the convolutions' 1x1 filters) with rows of up to
  // kPrepackedADepth floats: packed once into the six-row panels the tiles read, one
  // sequential stream. Read in place, each row tile's A came from memory as six runs too
  // short for the hardware's prefetchers: on mobilenet_v2's 7x7 maps, whose weights outweigh
  // their activations, calls took up to 1.7x as long in the model as with A in cache. One
  // slice of K; the blocks of rows one after another, each rounded up to whole panels.
  auto blockRowsOfA = [](int64_t depth) { return std::max(kBlockRows, kL2Floats / depth / kTileRows * kTileRows); };
  auto packedRows = [](int64_t rows) { return (rows + kTileRows - 1) / kTileRows * kTileRows; };
  // Where the block of rows from i0 on starts: the rows before it, in whole panels, times K.
  auto prepackedAOffset = [&](int64_t i0) {
    const int64_t blockRows = blockRowsOfA(k);
    return (i0 / blockRows * packedRows(blockRows) + packedRows(i0 % blockRows)) * k;
  };
  static_assert(kPrepackedADepth <= kDepth, "a prepacked A is one slice of K");
  std::shared_ptr<const float> prepackedA;
  if (Tiles::kPrepacksA && k <= kPrepackedADepth && anyConstantWeights()) {
    auto packAll = [&](float *out) {
      for (int64_t i0 = 0, blockRows = blockRowsOfA(k); i0 < m; i0 += blockRows)
        packA(a + i0 * rsA, rsA, csA, std::min(blockRows, m - i0), k, out + prepackedAOffset(i0));
    };
    prepackedA = packedWeights(a, rsA, csA, m, k, prepackedAOffset(m), PackInto(packAll), PackedKind::kGemmRowPanels);
  }
  for (int64_t j0 = 0; j0 < n; j0 += blockCols) {
    int64_t cols = std::min(blockCols, n - j0);
    for (int64_t p0 = 0; p0 < k; p0 += kDepth) {
      int64_t depth = std::min(kDepth, k - p0);
      int64_t fullCols = inPlaceB ? cols / kTileCols * kTileCols : 0;
      const float *packedBlock = buffers.b;
      if (nextPrepacked) {
        packedBlock = nextPrepacked;
        nextPrepacked += packedFloats(cols, depth);
      } else if (fullCols < cols) {
        packBlock(p0, depth, j0 + fullCols, cols - fullCols, buffers.b);
      }
      bool addToC = accumulate || p0 > 0, last = p0 + depth == k;
      const bool dotsHere = dotColumns && j0 + cols == n;  // the last block of columns takes them
      if (dotsHere) {
        dotColumnSlices.resize(dotColumns * depth);
        for (int64_t d = 0; d < dotColumns; ++d)
          for (int64_t p = 0; p < depth; ++p) dotColumnSlices[d * depth + p] = elementOfB(p0 + p, n + d);
      }
      // A row-major A is read in place; otherwise its block is packed. In place (or packed
      // once, below), the rows a panel of B meets while it is cached are limited by L2 (rows x
      // depth of A), not by the pack buffer, so more of them share it.
      const bool packsBlockOfA = csA != 1 && !prepackedA, packedA = packsBlockOfA || prepackedA;
      int64_t blockRows = packsBlockOfA ? kBlockRows : blockRowsOfA(depth);
      for (int64_t i0 = 0; i0 < m; i0 += blockRows) {
        int64_t rows = std::min(blockRows, m - i0);
        const float *packedBlockOfA = buffers.a;
        if (prepackedA) packedBlockOfA = prepackedA.get() + prepackedAOffset(i0);
        else if (packsBlockOfA) packA(a + i0 * rsA + p0 * csA, rsA, csA, rows, depth, buffers.a);
        // The tile at row ir and column jr of the block; returns how many columns it spans.
        auto tileAt = [&](int64_t ir, int64_t jr) {
          bool packedPanel = jr >= fullCols;
          const float *bp = packedPanel ? packedBlock + (jr - fullCols) * depth : b + p0 * rsB + j0 + jr;
          int64_t bStep = packedPanel ? kTileCols : rsB;
          // A wide tile spans the next panels too while they are of the same kind (all packed,
          // or all read in place), each `gap` floats on from the last.
          int64_t gap = packedPanel ? kTileCols * depth : kTileCols, panels = 1;
          while (panels < Tiles::kPanels && jr + panels * kTileCols < cols &&
                 (packedPanel || jr + panels * kTileCols < fullCols))
            ++panels;
          int64_t tileCols = std::min(panels * kTileCols, cols - jr);
          int64_t tileRows = std::min(kTileRows, rows - ir);
          TileRowsOfA rowsOfA;
          if (packedA) {
            rowsOfA.step = kTileRows;
            for (int64_t r = 0; r < kTileRows; ++r) rowsOfA.row[r] = packedBlockOfA + ir * depth + r;
          } else {
            // Rows past the edge read row 0 again; their results are not stored.
            rowsOfA.step = 1;
            for (int64_t r = 0; r < kTileRows; ++r)
              rowsOfA.row[r] = a + (i0 + ir + (r < tileRows ? r : 0)) * rsA + p0;
          }
          int64_t corner = (i0 + ir) * ldc + j0 + jr;
          TileStore store{addToC, last, i0 + ir, j0 + jr, epilogue.residual ? epilogue.residual + corner : nullptr};
          Tiles::tile(depth, rowsOfA, bp, gap, bStep, c + corner, ldc, tileRows, tileCols, store, epilogue);
          return tileCols;
        };
        if (rowsOuter) {
          for (int64_t ir = 0; ir < rows; ir += kTileRows)
            for (int64_t jr = 0; jr < cols;) jr += tileAt(ir, jr);
        } else {
          for (int64_t jr = 0; jr < cols;) {
            int64_t tileCols = 0;
            for (int64_t ir = 0; ir < rows; ir += kTileRows) tileCols = tileAt(ir, jr);
            jr += tileCols;
          }
        }
        // The dot columns' sums: from A's packed panels, six rows each, or from its rows in place.
        auto packedSums = [&](int64_t d, int64_t i, float (&sums)[kTileRows]) {
          dotPanelAvx512(dotColumnSlices.data() + d * depth, packedBlockOfA + i * depth, depth, sums);
        };
        auto inPlaceSums = [&](int64_t d, int64_t i, float (&sums)[Tiles::kDotRows]) {
          const float *row[Tiles::kDotRows];
          for (int64_t r = 0; r < Tiles::kDotRows; ++r) row[r] = a + (i0 + std::min(i + r, rows - 1)) * rsA + p0;
          Tiles::dot(dotColumnSlices.data() + d * depth, row, depth, sums);
        };
        if (dotsHere && prepackedA)
          dotColumnsOfSlice<kTileRows>(dotColumns, c, ldc, i0, rows, n, addToC, last, epilogue, packedSums);
        else if (dotsHere)
          dotColumnsOfSlice<Tiles::kDotRows>(dotColumns, c, ldc, i0, rows, n, addToC, last, epilogue, inPlaceSums);
      }
    }
  }
}

// Each compiled for its instruction set as a whole (flatten): the driver, tile and K loop
// become one function, with the tile's loop-invariant setup hoisted and nothing called.
__attribute__((target("avx2,fma"), flatten)) void gemmKernelF32Avx2(
    const float *a, int64_t rsA, int64_t csA, const float *b, int64_t rsB, int64_t csB, float *c, int64_t ldc,
    int64_t m, int64_t n, int64_t k, bool accumulate, const GemmEpilogueOp &epilogue) {
  gemmDriver<Avx2Tiles>(a, rsA, csA, StridedB{b, rsB, csB}, c, ldc, m, n, k, accumulate, epilogue);
}

__attribute__((target("avx512f,avx2,fma"), flatten)) void gemmKernelF32Avx512(
    const float *a, int64_t rsA, int64_t csA, const float *b, int64_t rsB, int64_t csB, float *c, int64_t ldc,
    int64_t m, int64_t n, int64_t k, bool accumulate, const GemmEpilogueOp &epilogue) {
  gemmDriver<Avx512Tiles>(a, rsA, csA, StridedB{b, rsB, csB}, c, ldc, m, n, k, accumulate, epilogue);
}

__attribute__((target("avx2,fma"), flatten)) void convGemmKernelF32Avx2(const float *a, int64_t rsA, const Im2colB &b,
                                                                       int64_t col0, float *c, int64_t ldc, int64_t m,
                                                                       int64_t n, int64_t k, const GemmEpilogueOp &epilogue) {
  gemmDriver<Avx2Tiles>(a, rsA, 1, WindowB{&b, col0}, c, ldc, m, n, k, false, epilogue);
}

__attribute__((target("avx512f,avx2,fma"), flatten)) void convGemmKernelF32Avx512(
    const float *a, int64_t rsA, const Im2colB &b, int64_t col0, float *c, int64_t ldc, int64_t m, int64_t n, int64_t k,
    const GemmEpilogueOp &epilogue) {
  gemmDriver<Avx512Tiles>(a, rsA, 1, WindowB{&b, col0}, c, ldc, m, n, k, false, epilogue);
}

}  // namespace

bool hasGemmKernelF32() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return has;
}

bool useAvx512() {
  static const bool use = [] {
    __builtin_cpu_init();
    const char *isa = std::getenv("FUSOR_CPU_ISA");
    return hasGemmKernelF32() && __builtin_cpu_supports("avx512f") && !(isa && std::string(isa) == "avx2");
  }();
  return use;
}

const char *gemmKernelIsa() { return useAvx512() ? "AVX-512" : "AVX2"; }

void gemmKernelF32(const float *a, int64_t rsA, int64_t csA, const float *b, int64_t rsB, int64_t csB, float *c,
                   int64_t ldc, int64_t m, int64_t n, int64_t k, bool accumulate, const GemmEpilogueOp &epilogue) {
  if (useAvx512()) gemmKernelF32Avx512(a, rsA, csA, b, rsB, csB, c, ldc, m, n, k, accumulate, epilogue);
  else gemmKernelF32Avx2(a, rsA, csA, b, rsB, csB, c, ldc, m, n, k, accumulate, epilogue);
}

void convGemmKernelF32(const float *a, int64_t rsA, const Im2colB &b, int64_t col0, float *c, int64_t ldc, int64_t m,
                       int64_t n, int64_t k, const GemmEpilogueOp &epilogue) {
  if (useAvx512()) convGemmKernelF32Avx512(a, rsA, b, col0, c, ldc, m, n, k, epilogue);
  else convGemmKernelF32Avx2(a, rsA, b, col0, c, ldc, m, n, k, epilogue);
}


void gemvKernelF32(const float *x, int64_t sx, const float *rows, int64_t ld, int64_t count,
                   int64_t depth, float *y, int64_t sy, bool accumulate,
                   const GemmEpilogueOp &epilogue, int64_t biasStep) {
  // A strided x is copied once, so that every dot product reads it contiguously.
  thread_local std::vector<float> contiguous;
  if (sx != 1 && depth > 1) {
    contiguous.resize(depth);
    for (int64_t p = 0; p < depth; ++p) contiguous[p] = x[p * sx];
    x = contiguous.data();
  }
  GemmEpilogueOp one = epilogue;  // the bias for output t as a per-row bias at t * biasStep
  one.biasKind = epilogue.biasKind == abi::kBiasNone ? abi::kBiasNone : abi::kBiasPerRow;
  // Outputs eight at a time with AVX-512: eight rows streamed at once kept more of them in
  // flight from memory (a 1000x1280 classifier, weights from DRAM, one thread: 240-290 against
  // 333-386 us, alternated).
  const int64_t group = useAvx512() ? 8 : 4;
  for (int64_t t0 = 0; t0 < count; t0 += group) {
    const float *row[8];
    for (int r = 0; r < group; ++r) row[r] = rows + std::min(t0 + r, count - 1) * ld;
    float sums[8];
    if (group == 8) dot8Avx512(x, row, depth, sums);
    else dot4(x, row, depth, sums);
    for (int64_t t = t0; t < std::min(t0 + group, count); ++t) {
      float v = sums[t - t0] + (accumulate ? y[t * sy] : 0.0f);
      const float *residual = epilogue.residual ? epilogue.residual + t * sy : nullptr;
      y[t * sy] = applyEpilogue(v, one, t * biasStep, 0, residual);
    }
  }
}

}  // namespace fusor::runtime
