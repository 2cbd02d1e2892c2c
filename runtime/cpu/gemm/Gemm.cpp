#include "fusor/runtime/Gemm.h"
#include "fusor/runtime/abi/Calls.h"

#include "cpu/gemm/GemmKernel.h"
#include "cpu/gemm/GemmThreads.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <type_traits>
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

// The epilogue over rows [i0, i1) and columns [j0, j1) of C, after the product is stored.
void applyEpilogue(float *c, int64_t rsC, int64_t csC, int64_t i0, int64_t i1, int64_t j0,
                   int64_t j1, const GemmEpilogueOp &e) {
  for (int64_t i = i0; i < i1; ++i)
    for (int64_t j = j0; j < j1; ++j) {
      int64_t at = i * rsC + j * csC;
      c[at] = applyEpilogue(c[at], e, i, j, e.residual ? e.residual + at : nullptr);
    }
}

// Through OpenBLAS (or the reference loop): panels of C, one single-threaded BLAS call each,
// the epilogue (if any, f32 only) applied to each panel by its thread right after.
template <typename T, typename Fn>
void blasGemm(Fn blasGemm, const T *pa, int64_t rsA, int64_t csA, const T *pb, int64_t rsB,
              int64_t csB, T *pc, int64_t rsC, int64_t csC, int64_t m, int64_t n, int64_t k,
              bool accumulate, const GemmEpilogueOp *epilogue = nullptr) {
  auto finish = [&](int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
    if constexpr (std::is_same_v<T, float>)
      if (epilogue) applyEpilogue(pc, rsC, csC, i0, i1, j0, j1, *epilogue);
  };
  Layout la = layoutOf(rsA, csA, m, k), lb = layoutOf(rsB, csB, k, n);
  bool cRowMajor = csC == 1 || n == 1;
  const int64_t kMaxInt = 2147483647;
  if (!blasGemm || k == 0 || !la.ok || !lb.ok || !cRowMajor || std::max({m, n, k, la.ld, lb.ld, rsC}) > kMaxInt) {
    referenceGemm(pa, rsA, csA, pb, rsB, csB, pc, rsC, csC, m, n, k, accumulate);
    finish(0, m, 0, n);
    return;
  }
  int ldc = int(std::max<int64_t>(rsC, n));
  inPanels(m, n, k, CTiling{16, 16}, [&](int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
    const T *a = pa + i0 * (la.transposed ? 1 : la.ld);
    const T *b = pb + j0 * (lb.transposed ? lb.ld : 1);
    blasGemm(kRowMajor, la.transposed ? kTrans : kNoTrans, lb.transposed ? kTrans : kNoTrans,
             int(i1 - i0), int(j1 - j0), int(k), T(1), a, int(la.ld), b, int(lb.ld),
             accumulate ? T(1) : T(0), pc + i0 * ldc + j0, ldc);
    finish(i0, i1, j0, j1);
  });
}

// Which GEMM runs f32: fusor's kernel wherever the CPU has AVX2 and FMA (the default), or
// FUSOR_CPU_GEMM=openblas (OpenBLAS, the epilogue then a pass per panel). Until its packing
// walked B by rows and its K slices matched a transformer's 768, OpenBLAS won the large
// products; alternated in whole models since, fusor's kernel was 2-6% faster on bert_layer
// and gpt2_block in three of four rounds (2% slower in one), and it wins where BLAS's separate beta pass and a second pass for the
// epilogue dominate (mobilenet_v2: 1.2x).
enum class GemmChoice { kFusor, kOpenBlas };

GemmChoice gemmChoice() {
  static const GemmChoice choice = [] {
    const char *value = std::getenv("FUSOR_CPU_GEMM");
    return value && std::string(value) == "openblas" ? GemmChoice::kOpenBlas : GemmChoice::kFusor;
  }();
  return choice;
}

bool useGemmKernelF32() {
  if (!hasGemmKernelF32()) return false;
  return gemmChoice() == GemmChoice::kFusor || !blas().sgemm;
}

// f32 on CPUs with AVX2: fusor's own kernel, with the epilogue fused; C row- or column-major.
bool kernelGemmF32(const float *pa, int64_t rsA, int64_t csA, const float *pb, int64_t rsB,
                   int64_t csB, float *pc, int64_t rsC, int64_t csC, int64_t m, int64_t n,
                   int64_t k, bool accumulate, GemmEpilogueOp epilogue) {
  if (!useGemmKernelF32()) return false;
  if (!(csC == 1 || n == 1)) {
    if (!(rsC == 1 || m == 1)) return false;
    // Column-major C: compute C^T = B^T A^T, which is row-major.
    int64_t rsAT = csB, csAT = rsB, rsBT = csA, csBT = rsA;
    std::swap(pa, pb);
    std::swap(m, n);
    rsA = rsAT, csA = csAT, rsB = rsBT, csB = csBT;
    std::swap(rsC, csC);
    if (epilogue.biasKind != abi::kBiasNone)
      epilogue.biasKind = epilogue.biasKind == abi::kBiasPerRow ? abi::kBiasPerColumn
                                                                          : abi::kBiasPerRow;
  }
  // A single output row (or column) with B's columns (or A's rows) contiguous along K.
  if ((m == 1 && rsB == 1) || (n == 1 && csA == 1)) {
    bool row = m == 1;
    inPanels(m, n, k, CTiling{1, 1}, [&](int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
      GemmEpilogueOp panel = epilogue;
      bool alongOutputs = epilogue.biasKind == (row ? abi::kBiasPerColumn : abi::kBiasPerRow);
      if (panel.biasKind != abi::kBiasNone && alongOutputs) panel.bias += row ? j0 : i0;
      if (panel.residual) panel.residual += i0 * rsC + j0 * csC;
      if (row)
        gemvKernelF32(pa, csA, pb + j0 * csB, csB, j1 - j0, k, pc + j0 * csC, csC, accumulate, panel, alongOutputs);
      else
        gemvKernelF32(pb, rsB, pa + i0 * rsA, rsA, i1 - i0, k, pc + i0 * rsC, rsC, accumulate, panel, alongOutputs);
    });
    return true;
  }
  inPanels(m, n, k, CTiling{6, 16, true, csA == 1}, [&](int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
    GemmEpilogueOp panel = epilogue;
    if (panel.biasKind == abi::kBiasPerRow) panel.bias += i0;
    if (panel.biasKind == abi::kBiasPerColumn) panel.bias += j0;
    if (panel.residual) panel.residual += i0 * rsC + j0;
    gemmKernelF32(pa + i0 * rsA, rsA, csA, pb + j0 * csB, rsB, csB, pc + i0 * rsC + j0, rsC,
                  i1 - i0, j1 - j0, k, accumulate, panel);
  });
  return true;
}

}  // namespace

const char *gemmBackend() {
  static const std::string name = [] {
    if (!hasGemmKernelF32() || gemmChoice() == GemmChoice::kOpenBlas) return blas().name;
    return std::string("fusor's ") + gemmKernelIsa() + " kernel (f32), " + blas().name + " (f64)";
  }();
  return name.c_str();
}

}  // namespace fusor::runtime

using namespace fusor::runtime;

extern "C" void fusor_rt_gemm_f32(intptr_t a, int64_t oA, int64_t rsA, int64_t csA, intptr_t b,
                                  int64_t oB, int64_t rsB, int64_t csB, intptr_t c, int64_t oC,
                                  int64_t rsC, int64_t csC, int64_t m, int64_t n, int64_t k,
                                  int64_t accumulate) {
  if (m == 0 || n == 0) return;
  const float *pa = reinterpret_cast<const float *>(a) + oA, *pb = reinterpret_cast<const float *>(b) + oB;
  float *pc = reinterpret_cast<float *>(c) + oC;
  if (!kernelGemmF32(pa, rsA, csA, pb, rsB, csB, pc, rsC, csC, m, n, k, accumulate, {}))
    blasGemm(blas().sgemm, pa, rsA, csA, pb, rsB, csB, pc, rsC, csC, m, n, k, accumulate);
}

extern "C" void fusor_rt_gemm_f32_fused(intptr_t a, int64_t oA, int64_t rsA, int64_t csA,
                                        intptr_t b, int64_t oB, int64_t rsB, int64_t csB,
                                        intptr_t c, int64_t oC, int64_t rsC, int64_t csC,
                                        int64_t m, int64_t n, int64_t k, int64_t accumulate,
                                        const fusor_rt_epilogue *e) {
  if (m == 0 || n == 0) return;
  const float *pa = reinterpret_cast<const float *>(a) + oA, *pb = reinterpret_cast<const float *>(b) + oB;
  float *pc = reinterpret_cast<float *>(c) + oC;
  const GemmEpilogueOp epilogue = epilogueFrom(*e);
  if (!kernelGemmF32(pa, rsA, csA, pb, rsB, csB, pc, rsC, csC, m, n, k, accumulate, epilogue))
    blasGemm(blas().sgemm, pa, rsA, csA, pb, rsB, csB, pc, rsC, csC, m, n, k, accumulate, &epilogue);
}

extern "C" void fusor_rt_gemm_f64(intptr_t a, int64_t oA, int64_t rsA, int64_t csA, intptr_t b,
                                  int64_t oB, int64_t rsB, int64_t csB, intptr_t c, int64_t oC,
                                  int64_t rsC, int64_t csC, int64_t m, int64_t n, int64_t k,
                                  int64_t accumulate) {
  if (m == 0 || n == 0) return;
  blasGemm(blas().dgemm, reinterpret_cast<const double *>(a) + oA, rsA, csA,
           reinterpret_cast<const double *>(b) + oB, rsB, csB, reinterpret_cast<double *>(c) + oC,
           rsC, csC, m, n, k, accumulate);
}

extern "C" void fusor_rt_gemm_f32_batched(intptr_t a, int64_t oA, int64_t rsA, int64_t csA, intptr_t b,
                                          int64_t oB, int64_t rsB, int64_t csB, intptr_t c, int64_t oC,
                                          int64_t rsC, int64_t csC, int64_t m, int64_t n, int64_t k,
                                          int64_t accumulate, int64_t count, int64_t bsA, int64_t bsB,
                                          int64_t bsC) {
  batchedGemm(count, m, n, k, [&](int64_t i) {
    fusor_rt_gemm_f32(a, oA + i * bsA, rsA, csA, b, oB + i * bsB, rsB, csB, c, oC + i * bsC, rsC, csC, m, n, k,
                      accumulate);
  });
}

extern "C" void fusor_rt_gemm_f64_batched(intptr_t a, int64_t oA, int64_t rsA, int64_t csA, intptr_t b,
                                          int64_t oB, int64_t rsB, int64_t csB, intptr_t c, int64_t oC,
                                          int64_t rsC, int64_t csC, int64_t m, int64_t n, int64_t k,
                                          int64_t accumulate, int64_t count, int64_t bsA, int64_t bsB,
                                          int64_t bsC) {
  batchedGemm(count, m, n, k, [&](int64_t i) {
    fusor_rt_gemm_f64(a, oA + i * bsA, rsA, csA, b, oB + i * bsB, rsB, csB, c, oC + i * bsC, rsC, csC, m, n, k,
                      accumulate);
  });
}
