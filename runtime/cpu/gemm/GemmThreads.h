// How the runtime shares GEMMs out between OpenMP threads: one GEMM split into panels of C,
// or a batch of GEMMs one per thread. For files compiled with -fopenmp.
#pragma once

#include <algorithm>
#include <cstdint>

#include <omp.h>

namespace fusor::runtime {

// How C is tiled, for sharing it out: rows and columns a unit, and whether the units are the
// fusor kernel's tiles (see gemmDriver), whose edges cost less than a whole one. There a tile
// of r < 6 rows costs about (r + 2) / 8 of six (it multiplies 2 or 4 rows), a panel of fewer
// than 16 columns a whole one, but for 1 or 2 columns past the first 16 of a range with
// `dotTail` (A row-major): those are dot products, about an eighth of a panel each.
struct CTiling {
  int64_t rows, cols;
  bool kernelTiles = false, dotTail = false;
};

// Rows or columns per thread when `extent` of them are shared by `parts` threads: the fair
// share, then as many more as cost the busiest thread nothing more (to its unit's end). A 14x14
// map's 196 columns in two: 98 + 98, six panels and two dot columns each, not 96 + 100, six
// panels and seven (96 rows, K 576: 123 -> 109 us at two threads); 160 rows: 80 + 80, not
// 84 + 76 (14 tiles against 12 and one of 4 rows).
inline int64_t sharePerPart(int64_t extent, int64_t parts, bool alongRows, const CTiling &tiling) {
  const int64_t unit = alongRows ? tiling.rows : tiling.cols;
  auto cost = [&](int64_t count) -> int64_t {
    const int64_t whole = count / unit, rest = count % unit;
    if (!tiling.kernelTiles) return whole + (rest != 0);
    if (alongRows) return 8 * whole + (rest == 0 ? 0 : rest <= 2 ? 4 : rest <= 4 ? 6 : 8);
    return 8 * whole + (rest == 0 ? 0 : tiling.dotTail && rest <= 2 && whole > 0 ? rest : 8);
  };
  const int64_t share = (extent + parts - 1) / parts, most = cost(share);
  int64_t count = share;
  while (count < extent && cost(count + 1) <= most) ++count;
  return count;
}

// Runs panel(rowBegin, rowEnd, colBegin, colEnd) over C split into a panel per OpenMP thread
// along its longer side, as sharePerPart shares it.
template <typename Panel>
inline void inPanels(int64_t m, int64_t n, int64_t k, const CTiling &tiling, Panel panel) {
  if (m == 0 || n == 0) return;
  const bool splitRows = m >= n;
  const int64_t extent = splitRows ? m : n;
  // Inside a parallel batch (see batchedGemm) each GEMM has its thread to itself.
  const int threads = m * n * k >= (int64_t{1} << 18) && !omp_in_parallel() ? omp_get_max_threads() : 1;
  const int64_t perPanel = sharePerPart(extent, threads, splitRows, tiling);
  const int64_t panels = (extent + perPanel - 1) / perPanel;
#pragma omp parallel for num_threads(panels) schedule(static) if (panels > 1)
  for (int64_t p = 0; p < panels; ++p) {
    const int64_t begin = p * perPanel, end = std::min(extent, begin + perPanel);
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
