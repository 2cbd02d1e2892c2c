// How the runtime shares GEMMs out between OpenMP threads: one GEMM split into panels of C,
// or a batch of GEMMs one per thread. For files compiled with -fopenmp.
#pragma once

#include <algorithm>
#include <cstdint>

#include <omp.h>

namespace fusor::runtime {

// Runs panel(rowBegin, rowEnd, colBegin, colEnd) over C split into one panel per OpenMP thread,
// along its longer side, at multiples of `rowAlign` rows or `colAlign` columns.
template <typename Panel>
inline void inPanels(int64_t m, int64_t n, int64_t k, int64_t rowAlign, int64_t colAlign, Panel panel) {
  bool splitRows = m >= n;
  int64_t extent = splitRows ? m : n, align = splitRows ? rowAlign : colAlign;
  int64_t units = (extent + align - 1) / align;
  // Inside a parallel batch (see batchedGemm) each GEMM has its thread to itself.
  int threads = m * n * k >= (int64_t{1} << 18) && !omp_in_parallel() ? omp_get_max_threads() : 1;
  int64_t panels = std::max<int64_t>(1, std::min<int64_t>(threads, units));
#pragma omp parallel for num_threads(panels) schedule(static) if (panels > 1)
  for (int64_t p = 0; p < panels; ++p) {
    int64_t begin = units * p / panels * align, end = std::min(extent, units * (p + 1) / panels * align);
    if (begin >= end) continue;
    if (splitRows) panel(begin, end, int64_t{0}, n);
    else panel(int64_t{0}, m, begin, end);
  }
}

// count GEMMs, the b-th on A, B and C advanced by b times their batch strides. When every
// thread gets the same number of whole GEMMs (or nearly: at least three each), the batch is
// shared out and each GEMM runs on one thread: small GEMMs (Winograd's 16, attention's heads)
// split into panels between threads spend more on forking and packing than they save.
template <typename Gemm>
inline void batchedGemm(int64_t count, int64_t m, int64_t n, int64_t k, Gemm gemm) {
  int threads = omp_get_max_threads();
  bool acrossBatch = threads > 1 && count >= threads && (count % threads == 0 || count >= 3 * threads) &&
                     m * n * k * count >= (int64_t{1} << 18);
  if (!acrossBatch) {
    for (int64_t b = 0; b < count; ++b) gemm(b);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t b = 0; b < count; ++b) gemm(b);
}

}  // namespace fusor::runtime
