// GEMM on CUDA with cuBLASLt: the row-major product C = A B is computed as the column-major
// C^T = B^T A^T, so row-major operands need no transposes; column-major ones are op T.
#include <map>
#include <mutex>

#include "fusor/Error.h"
#include "fusor/runtime/Gemm.h"
#include "fusor/runtime/cuda/Api.h"
#include "fusor/runtime/cuda/Device.h"
#include "fusor/runtime/cuda/Executable.h"

namespace fusor::runtime::cuda {
namespace {

constexpr size_t kWorkspaceBytes = size_t{32} << 20;

struct Blas {
  cublasLtHandle_t handle = nullptr;
  void *workspace = nullptr;
};

const CublasLtApi &lt() {
  std::string why;
  const CublasLtApi *api = cublasLt(&why);
  if (!api) throw Error("fusor: CUDA matmuls need cuBLASLt: " + why);
  return *api;
}

Blas &blasFor(int device) {
  static std::mutex mutex;
  static auto *handles = new std::map<int, Blas>();
  std::lock_guard<std::mutex> lock(mutex);
  Blas &b = (*handles)[device];
  if (!b.handle) {
    makeCurrent(device);
    FUSOR_CUDA_CHECK(lt().cublasLtCreate(&b.handle));
    b.workspace = allocate(device, kWorkspaceBytes);
  }
  return b;
}

// One operand's column-major description: stored rows x cols with leading dimension ld,
// used transposed or not.
struct Operand {
  uint64_t rows, cols;
  int64_t ld;
  cublasOperation_t op;
};

// X is r x c with element (i, j) at i * rs + j * cs; cuBLASLt needs X^T (c x r) column-major.
Operand transposedView(int64_t r, int64_t c, int64_t rs, int64_t cs) {
  if (cs == 1 && rs >= std::max<int64_t>(c, 1))  // row-major: X^T is column-major already
    return {static_cast<uint64_t>(c), static_cast<uint64_t>(r), rs, CUBLAS_OP_N};
  if (rs == 1 && cs >= std::max<int64_t>(r, 1))  // column-major X, used transposed
    return {static_cast<uint64_t>(r), static_cast<uint64_t>(c), cs, CUBLAS_OP_T};
  throwInternalError("a CUDA GEMM operand has strides (" + std::to_string(rs) + ", " +
                     std::to_string(cs) + "), which cuBLASLt cannot take");
}

template <typename Destroy, typename T>
struct Guard {
  Destroy destroy;
  T value;
  ~Guard() {
    if (value) destroy(value);
  }
};

}  // namespace

void gemm(int device, GemmType type, const int64_t *a) {
  const int64_t m = a[12], n = a[13], k = a[14];
  const bool accumulate = a[15] != 0;
  if (m == 0 || n == 0) return;
  const CublasLtApi &api = lt();
  Blas &blas = blasFor(device);
  bool f64 = type == GemmType::F64;
  size_t element = f64 ? 8 : 4;
  cudaDataType_t data = f64 ? CUDA_R_64F : CUDA_R_32F;
  // No TF32: fp32 inputs are multiplied in full fp32, as on the CPU.
  cublasComputeType_t compute = f64 ? CUBLAS_COMPUTE_64F : CUBLAS_COMPUTE_32F;

  Operand bView = transposedView(k, n, a[6], a[7]);   // cuBLASLt's A
  Operand aView = transposedView(m, k, a[2], a[3]);   // cuBLASLt's B
  if (a[11] != 1 || a[10] < n) throwInternalError("a CUDA GEMM result is not row-major");

  cublasLtMatmulDesc_t desc = nullptr;
  FUSOR_CUDA_CHECK(api.cublasLtMatmulDescCreate(&desc, compute, data));
  Guard<decltype(api.cublasLtMatmulDescDestroy), cublasLtMatmulDesc_t> descGuard{api.cublasLtMatmulDescDestroy, desc};
  FUSOR_CUDA_CHECK(api.cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &bView.op, sizeof bView.op));
  FUSOR_CUDA_CHECK(api.cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &aView.op, sizeof aView.op));
  // Epilogues act on C^T, n x m: its rows are C's columns, which is what the bias runs over.
  if (int64_t bits = a[16]) {
    int activation = bits & ~kEpilogueBias;
    bool withBias = bits & kEpilogueBias;
    // The documented values only: DEFAULT is 1, so DEFAULT | BIAS (5) is no epilogue at all,
    // and real cuBLASLt silently drops the bias for it.
    cublasLtEpilogue_t value;
    if (activation == kEpilogueRelu) value = withBias ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_RELU;
    else if (activation == kEpilogueGeluTanh) value = withBias ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_GELU;
    else if (activation == 0) value = withBias ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT;
    else throwInternalError("a CUDA GEMM asks for epilogue bits " + std::to_string(bits));
    if (withBias) {
      const void *bias = reinterpret_cast<const void *>(a[17] + a[18] * static_cast<int64_t>(element));
      FUSOR_CUDA_CHECK(api.cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias));
    }
    FUSOR_CUDA_CHECK(api.cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &value, sizeof value));
  }

  cublasLtMatrixLayout_t layouts[3] = {nullptr, nullptr, nullptr};
  FUSOR_CUDA_CHECK(api.cublasLtMatrixLayoutCreate(&layouts[0], data, bView.rows, bView.cols, bView.ld));
  Guard<decltype(api.cublasLtMatrixLayoutDestroy), cublasLtMatrixLayout_t> g0{api.cublasLtMatrixLayoutDestroy, layouts[0]};
  FUSOR_CUDA_CHECK(api.cublasLtMatrixLayoutCreate(&layouts[1], data, aView.rows, aView.cols, aView.ld));
  Guard<decltype(api.cublasLtMatrixLayoutDestroy), cublasLtMatrixLayout_t> g1{api.cublasLtMatrixLayoutDestroy, layouts[1]};
  FUSOR_CUDA_CHECK(api.cublasLtMatrixLayoutCreate(&layouts[2], data, n, m, a[10]));
  Guard<decltype(api.cublasLtMatrixLayoutDestroy), cublasLtMatrixLayout_t> g2{api.cublasLtMatrixLayoutDestroy, layouts[2]};

  cublasLtMatmulPreference_t preference = nullptr;
  FUSOR_CUDA_CHECK(api.cublasLtMatmulPreferenceCreate(&preference));
  Guard<decltype(api.cublasLtMatmulPreferenceDestroy), cublasLtMatmulPreference_t> pg{api.cublasLtMatmulPreferenceDestroy, preference};
  uint64_t workspace = kWorkspaceBytes;
  FUSOR_CUDA_CHECK(api.cublasLtMatmulPreferenceSetAttribute(
      preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace, sizeof workspace));
  cublasLtMatmulHeuristicResult_t heuristic{};
  int found = 0;
  FUSOR_CUDA_CHECK(api.cublasLtMatmulAlgoGetHeuristic(blas.handle, desc, layouts[0], layouts[1], layouts[2],
                                                      layouts[2], preference, 1, &heuristic, &found));
  if (found == 0) throwInternalError("cuBLASLt has no algorithm for this GEMM");

  auto address = [&](int x) {
    return reinterpret_cast<void *>(a[4 * x] + a[4 * x + 1] * static_cast<int64_t>(element));
  };
  double alpha64 = 1.0, beta64 = accumulate ? 1.0 : 0.0;
  float alpha32 = 1.0f, beta32 = accumulate ? 1.0f : 0.0f;
  const void *alpha = f64 ? static_cast<const void *>(&alpha64) : &alpha32;
  const void *beta = f64 ? static_cast<const void *>(&beta64) : &beta32;
  FUSOR_CUDA_CHECK(api.cublasLtMatmul(blas.handle, desc, alpha, address(1), layouts[0], address(0),
                                      layouts[1], beta, address(2), layouts[2], address(2), layouts[2],
                                      &heuristic.algo, blas.workspace, kWorkspaceBytes,
                                      static_cast<cudaStream_t>(stream(device))));
}

}  // namespace fusor::runtime::cuda
