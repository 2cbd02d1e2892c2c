// Packing a convolution's im2col matrix straight from its input. Each 16-column panel's
// columns fall into a few runs along output rows (one or two where the output is wider than
// 16); for each row (c, kh, kw) of the window, each run is one masked load from an input row
// (its ends, and rows outside the input, read as zeros), at stride 2 two loads and a shuffle,
// at larger strides a gather.
#include "cpu/gemm/Im2colPack.h"

#include <immintrin.h>

#include <algorithm>
#include <vector>

namespace fusor::runtime {
namespace {

// ceil(a / b) for b > 0 and any a.
inline int64_t ceilDiv(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -(-a / b); }

// A run of a vector's lanes whose columns lie in one output row: lane l of the run reads
// input row ihBase + kh * dilationH, column iwBase + l * strideW + kw * dilationW.
struct Run {
  int64_t firstLane, endLane, ihBase, iwBase;
};

// What the loop below needs of an instruction set: Lanes floats a vector; merge(v, lo, hi,
// row, stride) gives v with lanes [lo, hi) replaced by row[l * stride] (other lanes' floats
// are not read); store.
struct Avx512Lanes {
  static constexpr int kLanes = 16;
  using Vec = __m512;
  __attribute__((target("avx512f,avx2,fma,bmi2"))) static Vec zero() { return _mm512_setzero_ps(); }
  __attribute__((target("avx512f,avx2,fma,bmi2"))) static Vec merge(Vec v, int64_t lo, int64_t hi, const float *row,
                                                                   int64_t stride) {
    const __mmask16 lanes = __mmask16(((1u << hi) - 1) & ~((1u << lo) - 1));
    if (stride == 1) return _mm512_mask_loadu_ps(v, lanes, row);
    if (stride == 2) {
      // Lane l's float is at 2l: the even floats of 32, read through masks with bit 2l set.
      const uint32_t even = _pdep_u32(lanes, 0x55555555u);
      const __m512 first = _mm512_maskz_loadu_ps(__mmask16(even), row);
      const __m512 second = _mm512_maskz_loadu_ps(__mmask16(even >> 16), row + 16);
      const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
      return _mm512_mask_mov_ps(v, lanes, _mm512_permutex2var_ps(first, evens, second));
    }
    const __m512i offsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                               _mm512_set1_epi32(int(stride)));
    return _mm512_mask_i32gather_ps(v, lanes, offsets, row, 4);
  }
  __attribute__((target("avx512f,avx2,fma,bmi2"))) static void store(float *out, Vec v) { _mm512_store_ps(out, v); }
};

struct Avx2Lanes {
  static constexpr int kLanes = 8;
  using Vec = __m256;
  __attribute__((target("avx2,fma"))) static Vec zero() { return _mm256_setzero_ps(); }
  // Lanes of `index` in [lo, hi), as an AVX2 mask (all bits set).
  __attribute__((target("avx2,fma"))) static __m256i within(__m256i index, int64_t lo, int64_t hi) {
    return _mm256_and_si256(_mm256_cmpgt_epi32(index, _mm256_set1_epi32(int(lo) - 1)),
                            _mm256_cmpgt_epi32(_mm256_set1_epi32(int(hi)), index));
  }
  __attribute__((target("avx2,fma"))) static Vec merge(Vec v, int64_t lo, int64_t hi, const float *row, int64_t stride) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i lanes = within(lane, lo, hi);
    __m256 loaded;
    if (stride == 1) {
      loaded = _mm256_maskload_ps(row, lanes);
    } else if (stride == 2) {
      // Lane l's float is at 2l: the even floats of 16 (odd ones masked off: -1 is never in
      // range), then the shuffle puts them in order.
      const __m256i first = within(_mm256_setr_epi32(0, -1, 1, -1, 2, -1, 3, -1), lo, hi);
      const __m256i second = within(_mm256_setr_epi32(4, -1, 5, -1, 6, -1, 7, -1), lo, hi);
      const __m256 evens = _mm256_shuffle_ps(_mm256_maskload_ps(row, first), _mm256_maskload_ps(row + 8, second), 0x88);
      loaded = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(evens), 0xd8));
    } else {
      const __m256i offsets = _mm256_mullo_epi32(lane, _mm256_set1_epi32(int(stride)));
      loaded = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), row, offsets, _mm256_castsi256_ps(lanes), 4);
    }
    return _mm256_blendv_ps(v, loaded, _mm256_castsi256_ps(lanes));
  }
  __attribute__((target("avx2,fma"))) static void store(float *out, Vec v) { _mm256_store_ps(out, v); }
};

// Instantiated only inside the entry points below, which are compiled for their instruction
// set and flattened: the vectors never cross a call, whatever -Wpsabi says of packWith's
// default target.
#pragma GCC diagnostic ignored "-Wpsabi"
template <typename Lanes>
inline void packWith(const Im2colB &b, int64_t p0, int64_t depth, int64_t j0, int64_t cols, float *out) {
  constexpr int64_t kPanel = 16, kVectors = kPanel / Lanes::kLanes, kMaxRuns = Lanes::kLanes;
  const int64_t window = b.kernelH * b.kernelW;
  // Per run, what depends on kh (the input row's offset, or -1 outside the input) and on kw
  // (the lanes inside the input and where lane 0 reads): looked up for each row of the
  // window rather than worked out (two divisions) again.
  struct Columns {
    int64_t lo, hi, offset;
  };
  thread_local std::vector<int64_t> rowOffsets;
  thread_local std::vector<Columns> columns;
  rowOffsets.resize(b.kernelH * kMaxRuns);
  columns.resize(b.kernelW * kMaxRuns);
  for (int64_t q = 0; q < cols; q += kPanel, out += kPanel * depth) {
    for (int64_t h = 0; h < kVectors; ++h) {
      Run runs[kMaxRuns];
      int64_t count = 0, first = q + h * Lanes::kLanes;
      const int64_t lanesUsed = std::min<int64_t>(Lanes::kLanes, cols - first);
      for (int64_t lane = 0; lane < lanesUsed;) {
        int64_t j = j0 + first + lane, oh = j / b.outWidth, ow = j % b.outWidth;
        int64_t end = std::min(lanesUsed, lane + b.outWidth - ow);
        runs[count++] = {lane, end, oh * b.strideH - b.top, (ow - lane) * b.strideW - b.left};
        lane = end;
      }
      for (int64_t kh = 0; kh < b.kernelH; ++kh)
        for (int64_t r = 0; r < count; ++r) {
          const int64_t ih = runs[r].ihBase + kh * b.dilationH;
          rowOffsets[kh * kMaxRuns + r] = ih >= 0 && ih < b.height ? ih * b.rowStride : -1;
        }
      for (int64_t kw = 0; kw < b.kernelW; ++kw)
        for (int64_t r = 0; r < count; ++r) {
          // Lane l reads column iw0 + l * strideW: those inside the input, of the run's lanes.
          const int64_t iw0 = runs[r].iwBase + kw * b.dilationW;
          columns[kw * kMaxRuns + r] = {std::max(runs[r].firstLane, ceilDiv(-iw0, b.strideW)),
                                        std::min(runs[r].endLane, ceilDiv(b.width - iw0, b.strideW)), iw0};
        }
      int64_t c = p0 / window, kh = p0 % window / b.kernelW, kw = p0 % b.kernelW;
      float *at = out + h * Lanes::kLanes;
      for (int64_t p = 0; p < depth; ++p, at += kPanel) {
        typename Lanes::Vec v = Lanes::zero();
        const float *plane = b.x + c * b.channelStride;
        const int64_t *rows = rowOffsets.data() + kh * kMaxRuns;
        const Columns *span = columns.data() + kw * kMaxRuns;
        for (int64_t r = 0; r < count; ++r)
          if (rows[r] >= 0 && span[r].lo < span[r].hi)
            v = Lanes::merge(v, span[r].lo, span[r].hi, plane + rows[r] + span[r].offset, b.strideW);
        Lanes::store(at, v);
        if (++kw == b.kernelW) {
          kw = 0;
          if (++kh == b.kernelH) kh = 0, ++c;
        }
      }
    }
  }
}

}  // namespace

__attribute__((target("avx512f,avx2,fma,bmi2"), flatten)) void packIm2colAvx512(const Im2colB &b, int64_t p0,
                                                                                 int64_t depth, int64_t j0,
                                                                                 int64_t cols, float *out) {
  packWith<Avx512Lanes>(b, p0, depth, j0, cols, out);
}

__attribute__((target("avx2,fma"), flatten)) void packIm2colAvx2(const Im2colB &b, int64_t p0, int64_t depth,
                                                                 int64_t j0, int64_t cols, float *out) {
  packWith<Avx2Lanes>(b, p0, depth, j0, cols, out);
}

}  // namespace fusor::runtime
