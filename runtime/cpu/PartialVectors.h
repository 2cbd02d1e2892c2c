// The first few floats of an eight-float vector loaded or stored, at a row's end, without
// touching memory past them and without a copy through memory: a copy loop there became a
// memcpy call, and vector loads of what it had just stored stalled on store forwarding.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>

namespace fusor::runtime {

// The first `count` floats from `at` (all eight, or none where count <= 0), zeros after them.
__attribute__((target("avx2,fma"), always_inline)) inline __m256 loadFirst(const float *at, int64_t count) {
  if (count >= 8) return _mm256_loadu_ps(at);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_maskload_ps(at, _mm256_cmpgt_epi32(_mm256_set1_epi32(int(std::max<int64_t>(count, 0))), lane));
}

// The first `count` floats of v (at most eight) to `at`: halves, quarters and a single float,
// not a masked store (microcoded and slow on AMD's cores).
__attribute__((target("avx2,fma"), always_inline)) inline void storeFirst(float *at, __m256 v, int64_t count) {
  if (count >= 8) return _mm256_storeu_ps(at, v);
  __m128 part = _mm256_castps256_ps128(v);
  if (count >= 4) {
    _mm_storeu_ps(at, part);
    part = _mm256_extractf128_ps(v, 1);
    at += 4, count -= 4;
  }
  if (count >= 2) {
    _mm_storel_pi(reinterpret_cast<__m64 *>(at), part);
    part = _mm_movehl_ps(part, part);
    at += 2, count -= 2;
  }
  if (count >= 1) _mm_store_ss(at, part);
}

}  // namespace fusor::runtime
