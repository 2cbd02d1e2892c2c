// GEMM on CUDA with cuBLASLt: the row-major product C = A B is computed as the column-major
// C^T = B^T A^T, so row-major operands need no transposes; column-major ones are op T.
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "fusor/Error.h"
#include "fusor/runtime/abi/Bits.h"
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

// The alignment cuBLASLt may assume of a matrix: the largest power-of-two divisor of its address
// (and of the byte stride to the next one in a batch), up to the 256 bytes cuBLASLt assumes by
// default (a slice of a buffer is often less aligned).
uint32_t alignmentOf(const void *p, int64_t batchStrideBytes) {
  auto address = reinterpret_cast<uintptr_t>(p) | static_cast<uintptr_t>(batchStrideBytes);
  uint32_t a = 256;
  while (a > 1 && address % a) a /= 2;
  return a;
}

// What decides a cuBLASLt plan: the descriptors and the algorithm the heuristic picks for them.
// Fields name fusor's operands; B comes first, as it is cuBLASLt's A.
struct PlanKey {
  int device;
  bool f64;
  Operand b, a;
  int64_t n, m, ldc, bits;
  uint32_t alignB, alignA, alignC;
  int64_t batch, strideB, strideA, strideC;  // a strided batch; strides 0 without one
  auto tie() const {
    return std::tie(device, f64, b.rows, b.cols, b.ld, b.op, a.rows, a.cols, a.ld, a.op, n, m, ldc, bits, alignB,
                    alignA, alignC, batch, strideB, strideA, strideC);
  }
  bool operator<(const PlanKey &o) const { return tie() < o.tie(); }
};

// Descriptors and algorithm made once per key rather than on every call: a launch plan calls
// the same GEMMs each run (and host loops call one shape many times). Only the bias pointer
// changes between calls; `use` keeps two threads from setting it on one descriptor at once.
struct Plan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t layouts[3] = {nullptr, nullptr, nullptr};
  cublasLtMatmulAlgo_t algo{};
  std::mutex use;
};

void destroy(Plan &plan) {
  const CublasLtApi &api = lt();
  for (cublasLtMatrixLayout_t l : plan.layouts)
    if (l) api.cublasLtMatrixLayoutDestroy(l);
  if (plan.desc) api.cublasLtMatmulDescDestroy(plan.desc);
}

std::unique_ptr<Plan> makePlan(const PlanKey &key, Blas &blas) {
  const CublasLtApi &api = lt();
  auto plan = std::make_unique<Plan>();
  cudaDataType_t data = key.f64 ? CUDA_R_64F : CUDA_R_32F;
  // No TF32: fp32 inputs are multiplied in full fp32, as on the CPU.
  cublasComputeType_t compute = key.f64 ? CUBLAS_COMPUTE_64F : CUBLAS_COMPUTE_32F;
  cublasLtMatmulPreference_t preference = nullptr;
  try {
    FUSOR_CUDA_CHECK(api.cublasLtMatmulDescCreate(&plan->desc, compute, data));
    FUSOR_CUDA_CHECK(api.cublasLtMatmulDescSetAttribute(plan->desc, CUBLASLT_MATMUL_DESC_TRANSA, &key.b.op, sizeof key.b.op));
    FUSOR_CUDA_CHECK(api.cublasLtMatmulDescSetAttribute(plan->desc, CUBLASLT_MATMUL_DESC_TRANSB, &key.a.op, sizeof key.a.op));
    // Epilogues act on C^T, n x m: its rows are C's columns, which is what the bias runs over.
    if (key.bits) {
      int activation = key.bits & ~abi::kEpilogueBias;
      bool withBias = key.bits & abi::kEpilogueBias;
      // The documented values only: DEFAULT is 1, so DEFAULT | BIAS (5) is no epilogue at all,
      // and real cuBLASLt silently drops the bias for it.
      cublasLtEpilogue_t value;
      if (activation == abi::kEpilogueRelu) value = withBias ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_RELU;
      else if (activation == abi::kEpilogueGeluTanh) value = withBias ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_GELU;
      else if (activation == 0) value = withBias ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT;
      else throwInternalError("a CUDA GEMM asks for epilogue bits " + std::to_string(key.bits));
      FUSOR_CUDA_CHECK(api.cublasLtMatmulDescSetAttribute(plan->desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &value, sizeof value));
    }
    FUSOR_CUDA_CHECK(api.cublasLtMatrixLayoutCreate(&plan->layouts[0], data, key.b.rows, key.b.cols, key.b.ld));
    FUSOR_CUDA_CHECK(api.cublasLtMatrixLayoutCreate(&plan->layouts[1], data, key.a.rows, key.a.cols, key.a.ld));
    FUSOR_CUDA_CHECK(api.cublasLtMatrixLayoutCreate(&plan->layouts[2], data, key.n, key.m, key.ldc));
    if (key.batch > 1) {
      int32_t count = static_cast<int32_t>(key.batch);
      int64_t strides[3] = {key.strideB, key.strideA, key.strideC};
      for (int x = 0; x < 3; ++x) {
        FUSOR_CUDA_CHECK(api.cublasLtMatrixLayoutSetAttribute(plan->layouts[x], CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                                                              &count, sizeof count));
        FUSOR_CUDA_CHECK(api.cublasLtMatrixLayoutSetAttribute(
            plan->layouts[x], CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &strides[x], sizeof strides[x]));
      }
    }

    FUSOR_CUDA_CHECK(api.cublasLtMatmulPreferenceCreate(&preference));
    uint64_t workspace = kWorkspaceBytes;
    FUSOR_CUDA_CHECK(api.cublasLtMatmulPreferenceSetAttribute(
        preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace, sizeof workspace));
    std::pair<cublasLtMatmulPreferenceAttributes_t, uint32_t> alignments[] = {
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, key.alignB},
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, key.alignA},
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, key.alignC},
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, key.alignC}};
    for (auto &[attribute, bytes] : alignments)
      FUSOR_CUDA_CHECK(api.cublasLtMatmulPreferenceSetAttribute(preference, attribute, &bytes, sizeof bytes));
    cublasLtMatmulHeuristicResult_t heuristic{};
    int found = 0;
    FUSOR_CUDA_CHECK(api.cublasLtMatmulAlgoGetHeuristic(blas.handle, plan->desc, plan->layouts[0], plan->layouts[1],
                                                        plan->layouts[2], plan->layouts[2], preference, 1, &heuristic,
                                                        &found));
    if (found == 0) throwInternalError("cuBLASLt has no algorithm for this GEMM");
    plan->algo = heuristic.algo;
    api.cublasLtMatmulPreferenceDestroy(preference);
  } catch (...) {
    if (preference) api.cublasLtMatmulPreferenceDestroy(preference);
    destroy(*plan);  // a plan is kept only once complete
    throw;
  }
  return plan;
}

// Plans are kept for the life of the process, like the handles: one per distinct GEMM.
Plan &planFor(const PlanKey &key, Blas &blas) {
  static std::mutex mutex;
  static auto *plans = new std::map<PlanKey, std::unique_ptr<Plan>>();
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = plans->find(key);
    if (it != plans->end()) return *it->second;
  }
  std::unique_ptr<Plan> made = makePlan(key, blas);  // outside the lock: it takes a while
  std::lock_guard<std::mutex> lock(mutex);
  auto [it, inserted] = plans->try_emplace(key, std::move(made));
  if (!inserted) destroy(*made);  // another thread made the same plan first
  return *it->second;
}

}  // namespace

void gemm(int device, GemmType type, const int64_t *a) {
  const int64_t m = a[12], n = a[13], k = a[14];
  const bool accumulate = a[15] != 0;
  if (m == 0 || n == 0) return;
  const CublasLtApi &api = lt();
  Blas &blas = blasFor(device);
  bool f64 = type == GemmType::F64;
  size_t element = f64 ? 8 : 4;
  if (a[11] != 1 || a[10] < n) throwInternalError("a CUDA GEMM result is not row-major");
  auto address = [&](int x) {
    return reinterpret_cast<void *>(a[4 * x] + a[4 * x + 1] * static_cast<int64_t>(element));
  };
  const int64_t batch = a[19];
  if (batch < 1 || batch > INT32_MAX || (a[22] == 0 && batch > 1))
    throwInternalError("a CUDA GEMM has a batch of " + std::to_string(batch) + " with C's stride " + std::to_string(a[22]));
  PlanKey key{device, f64, transposedView(k, n, a[6], a[7]), transposedView(m, k, a[2], a[3]), n, m, a[10], a[16],
              alignmentOf(address(1), a[21] * element), alignmentOf(address(0), a[20] * element),
              alignmentOf(address(2), a[22] * element),
              batch, batch > 1 ? a[21] : 0, batch > 1 ? a[20] : 0, batch > 1 ? a[22] : 0};
  Plan &plan = planFor(key, blas);

  double alpha64 = 1.0, beta64 = accumulate ? 1.0 : 0.0;
  float alpha32 = 1.0f, beta32 = accumulate ? 1.0f : 0.0f;
  const void *alpha = f64 ? static_cast<const void *>(&alpha64) : &alpha32;
  const void *beta = f64 ? static_cast<const void *>(&beta64) : &beta32;
  std::lock_guard<std::mutex> lock(plan.use);
  if (key.bits & abi::kEpilogueBias) {
    const void *bias = reinterpret_cast<const void *>(a[17] + a[18] * static_cast<int64_t>(element));
    FUSOR_CUDA_CHECK(api.cublasLtMatmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof bias));
  }
  FUSOR_CUDA_CHECK(api.cublasLtMatmul(blas.handle, plan.desc, alpha, address(1), plan.layouts[0], address(0),
                                      plan.layouts[1], beta, address(2), plan.layouts[2], address(2), plan.layouts[2],
                                      &plan.algo, blas.workspace, kWorkspaceBytes,
                                      static_cast<cudaStream_t>(stream(device))));
}

}  // namespace fusor::runtime::cuda
