#include "fusor/runtime/Gemm.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include <omp.h>

namespace fusor::runtime {
namespace {

// CBLAS's enums and sgemm/dgemm, as OpenBLAS exports them.
enum { kRowMajor = 101, kNoTrans = 111, kTrans = 112 };
using SgemmFn = void (*)(int, int, int, int, int, int, float, const float *, int, const float *,
                         int, float, float *, int);
using DgemmFn = void (*)(int, int, int, int, int, int, double, const double *, int,
                         const double *, int, double, double *, int);

struct Blas {
  SgemmFn sgemm = nullptr;
  DgemmFn dgemm = nullptr;
  std::string name = "built-in";
};

// OpenBLAS picks its kernels when loaded, and Debian's 0.3.21 misdetects AVX-512 CPUs as
// "Prescott" (65 vs 305 GFLOP/s here), so the core type is set before loading it.
const Blas &blas() {
  static const Blas b = [] {
    Blas out;
    const char *coreType = std::getenv("OPENBLAS_CORETYPE");
    if (!coreType) {
      __builtin_cpu_init();
      coreType = __builtin_cpu_supports("avx512f") ? "SkylakeX"
                 : __builtin_cpu_supports("avx2") ? "Haswell"
                                                  : nullptr;
      if (coreType) setenv("OPENBLAS_CORETYPE", coreType, 0);
    }
    void *lib = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return out;
    // One pool of threads: OpenBLAS runs single-threaded inside fusor's OpenMP threads (its own
    // pthreads would compete with OpenMP's spinning workers for the same cores).
    if (auto setThreads = reinterpret_cast<void (*)(int)>(dlsym(lib, "openblas_set_num_threads")))
      setThreads(1);
    out.sgemm = reinterpret_cast<SgemmFn>(dlsym(lib, "cblas_sgemm"));
    out.dgemm = reinterpret_cast<DgemmFn>(dlsym(lib, "cblas_dgemm"));
    if (out.sgemm && out.dgemm)
      out.name = std::string("OpenBLAS (core type ") + (coreType ? coreType : "auto") + ")";
    return out;
  }();
  return b;
}

// A BLAS operand: row-major with leading dimension `ld`, transposed or not.
struct Layout {
  bool ok;
  bool transposed;
  int64_t ld;
};

Layout layoutOf(int64_t rowStride, int64_t colStride, int64_t rows, int64_t cols) {
  if (colStride == 1 || cols == 1) return {rowStride >= cols, false, std::max<int64_t>(rowStride, cols)};
  if (rowStride == 1 || rows == 1) return {colStride >= rows, true, std::max<int64_t>(colStride, rows)};
  return {false, false, 0};
}

template <typename T>
void referenceGemm(const T *a, int64_t rsA, int64_t csA, const T *b, int64_t rsB, int64_t csB,
                   T *c, int64_t rsC, int64_t csC, int64_t m, int64_t n, int64_t k,
                   bool accumulate) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      T s = accumulate ? c[i * rsC + j * csC] : T(0);
      for (int64_t p = 0; p < k; ++p) s += a[i * rsA + p * csA] * b[p * rsB + j * csB];
      c[i * rsC + j * csC] = s;
    }
  }
}

template <typename T, typename Fn>
void gemm(Fn blasGemm, intptr_t a, int64_t oA, int64_t rsA, int64_t csA, intptr_t b, int64_t oB,
          int64_t rsB, int64_t csB, intptr_t c, int64_t oC, int64_t rsC, int64_t csC, int64_t m,
          int64_t n, int64_t k, bool accumulate) {
  const T *pa = reinterpret_cast<const T *>(a) + oA;
  const T *pb = reinterpret_cast<const T *>(b) + oB;
  T *pc = reinterpret_cast<T *>(c) + oC;
  if (m == 0 || n == 0) return;
  Layout la = layoutOf(rsA, csA, m, k), lb = layoutOf(rsB, csB, k, n);
  bool cRowMajor = csC == 1 || n == 1;
  const int64_t kMaxInt = 2147483647;
  if (blasGemm && k > 0 && la.ok && lb.ok && cRowMajor && std::max({m, n, k, la.ld, lb.ld, rsC}) <= kMaxInt) {
    // Row or column panels of C, one per OpenMP thread, each a single-threaded BLAS call.
    int ldc = int(std::max<int64_t>(rsC, n));
    bool splitRows = m >= n;
    int64_t extent = splitRows ? m : n;
    int threads = m * n * k >= (int64_t{1} << 18) ? omp_get_max_threads() : 1;
    int64_t panels = std::max<int64_t>(1, std::min<int64_t>(threads, extent / 16));
#pragma omp parallel for num_threads(panels) schedule(static) if (panels > 1)
    for (int64_t p = 0; p < panels; ++p) {
      int64_t begin = extent * p / panels, end = extent * (p + 1) / panels;
      if (begin == end) continue;
      // Offsets of the panel in A (rows) or B (columns), and in C.
      const T *a = splitRows ? pa + begin * (la.transposed ? 1 : la.ld) : pa;
      const T *b = splitRows ? pb : pb + begin * (lb.transposed ? lb.ld : 1);
      T *c = splitRows ? pc + begin * ldc : pc + begin;
      int rows = int(splitRows ? end - begin : m), cols = int(splitRows ? n : end - begin);
      blasGemm(kRowMajor, la.transposed ? kTrans : kNoTrans, lb.transposed ? kTrans : kNoTrans, rows,
               cols, int(k), T(1), a, int(la.ld), b, int(lb.ld), accumulate ? T(1) : T(0), c, ldc);
    }
    return;
  }
  referenceGemm(pa, rsA, csA, pb, rsB, csB, pc, rsC, csC, m, n, k, accumulate);
}

}  // namespace

const char *gemmBackend() { return blas().name.c_str(); }

}  // namespace fusor::runtime

using namespace fusor::runtime;

extern "C" void fusor_rt_gemm_f32(intptr_t a, int64_t oA, int64_t rsA, int64_t csA, intptr_t b,
                                  int64_t oB, int64_t rsB, int64_t csB, intptr_t c, int64_t oC,
                                  int64_t rsC, int64_t csC, int64_t m, int64_t n, int64_t k,
                                  int64_t accumulate) {
  gemm<float>(blas().sgemm, a, oA, rsA, csA, b, oB, rsB, csB, c, oC, rsC, csC, m, n, k, accumulate);
}

extern "C" void fusor_rt_gemm_f64(intptr_t a, int64_t oA, int64_t rsA, int64_t csA, intptr_t b,
                                  int64_t oB, int64_t rsB, int64_t csB, intptr_t c, int64_t oC,
                                  int64_t rsC, int64_t csC, int64_t m, int64_t n, int64_t k,
                                  int64_t accumulate) {
  gemm<double>(blas().dgemm, a, oA, rsA, csA, b, oB, rsB, csB, c, oC, rsC, csC, m, n, k, accumulate);
}
