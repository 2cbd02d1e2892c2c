// What the direct 3x3 convolutions (DepthwiseDirect.cpp, ConvolutionDirect.cpp) share: output
// rows in blocks of sixteen columns, one AVX-512 vector each, and the three taps of a window
// row read straight from an input row, with the masks that keep them inside it.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace fusor::runtime {

constexpr int64_t kDirectLanes = 16;

// Lanes k of a vector whose column c + k lies in [0, width).
inline __mmask16 lanesInside(int64_t c, int64_t width) {
  const int64_t lo = std::max<int64_t>(0, -c), hi = std::min<int64_t>(kDirectLanes, width - c);
  return hi > lo ? __mmask16(((1u << hi) - 1) & ~((1u << lo) - 1)) : __mmask16(0);
}

// An output row's blocks, the same for every row and plane: per block, the input column of
// its first tap, the masks of its three loads from an input row (the lanes inside the row)
// and of its store. And a row of zeros standing for the padding rows.
struct RowBlocks {
  std::vector<int64_t> firstColumn;
  std::vector<__mmask16> loadMasks, storeMasks;
  std::vector<float> zeros;

  RowBlocks(int64_t width, int64_t outWidth, int64_t step, int64_t padLeft) : zeros(width, 0.0f) {
    for (int64_t j = 0; j < outWidth; j += kDirectLanes) {
      const int64_t c0 = j * step - padLeft;
      firstColumn.push_back(c0);
      // A stride of 1 loads columns from c0, c0 + 1 and c0 + 2; a stride of 2 from c0 and
      // c0 + 16, and column c0 + 32 alone.
      const int64_t starts[3] = {c0, c0 + (step == 1 ? 1 : kDirectLanes), c0 + (step == 1 ? 2 : 2 * kDirectLanes)};
      for (int q = 0; q < 3; ++q) {
        const __mmask16 m = lanesInside(starts[q], width);
        loadMasks.push_back(step == 2 && q == 2 ? __mmask16(m & 1) : m);
      }
      storeMasks.push_back(lanesInside(0, outWidth - j));
    }
  }
  int64_t count() const { return int64_t(firstColumn.size()); }
};

// Columns from c of a row, the lanes of `inside`; the masked load faults on no lane it leaves
// out, wherever they point.
__attribute__((target("avx512f"), always_inline)) inline __m512 columnsInside(const float *row, int64_t c,
                                                                              __mmask16 inside) {
  return _mm512_maskz_loadu_ps(inside, reinterpret_cast<const float *>(reinterpret_cast<intptr_t>(row) + c * 4));
}

// The three taps' inputs of a block from one input row: column c0 + Step * k + q in lane k of
// tap q, c0 the block's first column, masks its three loads' (RowBlocks::loadMasks). A stride
// of 2 splits 32 columns into evens and odds in registers (two permutes, and a lane shift for
// the third tap).
template <int Step>
__attribute__((target("avx512f"), always_inline)) inline void rowTaps(const float *row, int64_t c0,
                                                                      const __mmask16 *masks, __m512 (&t)[3]) {
  if constexpr (Step == 1) {
    for (int q = 0; q < 3; ++q) t[q] = columnsInside(row, c0 + q, masks[q]);
  } else {
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odds = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512 a = columnsInside(row, c0, masks[0]), b = columnsInside(row, c0 + kDirectLanes, masks[1]);
    // Zero-masked forms: GCC 12 warns of the plain ones' undefined pass-through.
    t[0] = _mm512_maskz_permutex2var_ps(0xffff, a, evens, b);
    t[1] = _mm512_maskz_permutex2var_ps(0xffff, a, odds, b);
    // Tap 2 is tap 0 one lane on, its last lane column c0 + 32.
    const __m512 next = columnsInside(row, c0 + 2 * kDirectLanes, masks[2]);
    t[2] = _mm512_castsi512_ps(
        _mm512_maskz_alignr_epi32(0xffff, _mm512_castps_si512(next), _mm512_castps_si512(t[0]), 1));
  }
}

// The same for block b of `blocks`.
template <int Step>
__attribute__((target("avx512f"), always_inline)) inline void rowTaps(const float *row, const RowBlocks &blocks,
                                                                      int64_t b, __m512 (&t)[3]) {
  rowTaps<Step>(row, blocks.firstColumn[b], &blocks.loadMasks[3 * b], t);
}

// The epilogue of a block's sums: bias, the residual's lanes of `count`, the clamp (NaN stays
// NaN, as in the GEMM; zero-masked forms as above).
__attribute__((target("avx512f"), always_inline)) inline __m512 directEpilogue(__m512 sum, __m512 bias,
                                                                               const float *residual, __mmask16 count,
                                                                               __m512 lo, __m512 hi) {
  __m512 v = _mm512_add_ps(sum, bias);
  if (residual) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(count, residual));
  return _mm512_maskz_min_ps(0xffff, hi, _mm512_maskz_max_ps(0xffff, lo, v));
}

}  // namespace fusor::runtime
