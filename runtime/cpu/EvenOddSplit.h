// Splitting sixteen consecutive floats into their even and odd ones, as the stride-2 reads of
// the depthwise kernel and Winograd's input transform (a tile every other column) need.
#pragma once

#include <immintrin.h>

namespace fusor::runtime {

// The eight even and eight odd floats of [lo, hi], in order: shuffled within 128-bit lanes,
// then the lanes' halves put in order.
__attribute__((target("avx2,fma"), always_inline)) inline void splitEvenOdd(__m256 lo, __m256 hi, __m256 &even,
                                                                            __m256 &odd) {
  __m256 evens = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0)), odds = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1));
  even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(evens), 0xd8));
  odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(odds), 0xd8));
}

}  // namespace fusor::runtime
