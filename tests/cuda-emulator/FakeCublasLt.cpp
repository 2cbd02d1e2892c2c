// A cuBLASLt for the CUDA emulator (tests only): column-major D = alpha op(A) op(B) + beta C
// with an optional bias/ReLU/GELU epilogue, in double precision on host memory. It checks
// what the real one would reject (mismatched shapes, leading dimensions too small).
#include <cublasLt.h>

#include <cmath>
#include <cstring>

namespace {

struct Desc {
  cublasComputeType_t compute;
  cudaDataType_t scale;
  cublasOperation_t transA = CUBLAS_OP_N, transB = CUBLAS_OP_N;
  cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_DEFAULT;
  const void *bias = nullptr;
};

struct Layout {
  cudaDataType_t type;
  uint64_t rows, cols;
  int64_t ld;
  int32_t batch = 1;
  int64_t batchStride = 0;  // elements
};

// An attribute's value, `bytes` long at `buffer`, into `field`, as cuBLASLt's setters take it.
template <typename T>
cublasStatus_t setAttribute(T &field, const void *buffer, size_t bytes) {
  if (bytes != sizeof field) return CUBLAS_STATUS_INVALID_VALUE;
  std::memcpy(&field, buffer, bytes);
  return CUBLAS_STATUS_SUCCESS;
}

Desc *desc(cublasLtMatmulDesc_t d) { return reinterpret_cast<Desc *>(d); }
Layout *layout(cublasLtMatrixLayout_t l) { return reinterpret_cast<Layout *>(l); }

double load(const void *base, cudaDataType_t type, int64_t i) {
  return type == CUDA_R_64F ? static_cast<const double *>(base)[i] : static_cast<const float *>(base)[i];
}

void store(void *base, cudaDataType_t type, int64_t i, double v) {
  if (type == CUDA_R_64F) static_cast<double *>(base)[i] = v;
  else static_cast<float *>(base)[i] = static_cast<float>(v);
}

double gelu(double x) {  // cuBLASLt's GELU is the tanh approximation
  return 0.5 * x * (1.0 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}

template <typename T>
cublasStatus_t create(T *out) {
  *out = reinterpret_cast<T>(new char[256]());
  return CUBLAS_STATUS_SUCCESS;
}

}  // namespace

extern "C" {

cublasStatus_t cublasLtCreate(cublasLtHandle_t *handle) { return create(handle); }

const char *cublasLtGetStatusString(cublasStatus_t status) {
  return status == CUBLAS_STATUS_SUCCESS ? "CUBLAS_STATUS_SUCCESS" : "CUBLAS_STATUS_INVALID_VALUE (emulated)";
}

cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t *out, cublasComputeType_t compute, cudaDataType_t scale) {
  *out = reinterpret_cast<cublasLtMatmulDesc_t>(new Desc{compute, scale});
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t d) {
  delete desc(d);
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t d, cublasLtMatmulDescAttributes_t attribute,
                                              const void *buffer, size_t bytes) {
  Desc *o = desc(d);
  auto set = [&](auto &field) { return setAttribute(field, buffer, bytes); };
  switch (attribute) {
    case CUBLASLT_MATMUL_DESC_TRANSA: return set(o->transA);
    case CUBLASLT_MATMUL_DESC_TRANSB: return set(o->transB);
    case CUBLASLT_MATMUL_DESC_EPILOGUE: {
      // Only the values cuBLASLt documents for these epilogues: it ignores others silently.
      cublasLtEpilogue_t e;
      if (bytes != sizeof e) return CUBLAS_STATUS_INVALID_VALUE;
      std::memcpy(&e, buffer, bytes);
      switch (e) {
        case CUBLASLT_EPILOGUE_DEFAULT: case CUBLASLT_EPILOGUE_BIAS: case CUBLASLT_EPILOGUE_RELU:
        case CUBLASLT_EPILOGUE_RELU_BIAS: case CUBLASLT_EPILOGUE_GELU: case CUBLASLT_EPILOGUE_GELU_BIAS:
          return set(o->epilogue);
        default: return CUBLAS_STATUS_INVALID_VALUE;
      }
    }
    case CUBLASLT_MATMUL_DESC_BIAS_POINTER: return set(o->bias);
    default: return CUBLAS_STATUS_NOT_SUPPORTED;
  }
}

cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t *out, cudaDataType type, uint64_t rows, uint64_t cols,
                                          int64_t ld) {
  if (ld < static_cast<int64_t>(rows) || ld < 1) return CUBLAS_STATUS_INVALID_VALUE;
  *out = reinterpret_cast<cublasLtMatrixLayout_t>(new Layout{type, rows, cols, ld});
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatrixLayoutSetAttribute(cublasLtMatrixLayout_t l, cublasLtMatrixLayoutAttribute_t attribute,
                                                const void *buffer, size_t bytes) {
  Layout *o = layout(l);
  auto set = [&](auto &field) { return setAttribute(field, buffer, bytes); };
  switch (attribute) {
    case CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT: return set(o->batch);
    case CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET: return set(o->batchStride);
    default: return CUBLAS_STATUS_NOT_SUPPORTED;
  }
}

cublasStatus_t cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t l) {
  delete layout(l);
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulPreferenceCreate(cublasLtMatmulPreference_t *out) { return create(out); }

cublasStatus_t cublasLtMatmulPreferenceDestroy(cublasLtMatmulPreference_t p) {
  delete[] reinterpret_cast<char *>(p);
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulPreferenceSetAttribute(cublasLtMatmulPreference_t, cublasLtMatmulPreferenceAttributes_t,
                                                    const void *, size_t) {
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulAlgoGetHeuristic(cublasLtHandle_t, cublasLtMatmulDesc_t, cublasLtMatrixLayout_t,
                                              cublasLtMatrixLayout_t, cublasLtMatrixLayout_t, cublasLtMatrixLayout_t,
                                              cublasLtMatmulPreference_t, int requested,
                                              cublasLtMatmulHeuristicResult_t results[], int *found) {
  if (requested < 1) return CUBLAS_STATUS_INVALID_VALUE;
  std::memset(&results[0], 0, sizeof results[0]);
  *found = 1;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmul(cublasLtHandle_t, cublasLtMatmulDesc_t d, const void *alpha, const void *a,
                              cublasLtMatrixLayout_t aDesc, const void *b, cublasLtMatrixLayout_t bDesc,
                              const void *beta, const void *c, cublasLtMatrixLayout_t cDesc, void *out,
                              cublasLtMatrixLayout_t dDesc, const cublasLtMatmulAlgo_t *, void *, size_t,
                              cudaStream_t) {
  const Desc &o = *desc(d);
  const Layout &la = *layout(aDesc), &lb = *layout(bDesc), &lc = *layout(cDesc), &ld = *layout(dDesc);
  bool ta = o.transA == CUBLAS_OP_T, tb = o.transB == CUBLAS_OP_T;
  uint64_t m = ta ? la.cols : la.rows, k = ta ? la.rows : la.cols;
  uint64_t kb = tb ? lb.cols : lb.rows, n = tb ? lb.rows : lb.cols;
  if (k != kb || ld.rows != m || ld.cols != n || lc.rows != m || lc.cols != n) return CUBLAS_STATUS_INVALID_VALUE;
  bool f64 = o.scale == CUDA_R_64F;
  double alphaV = f64 ? *static_cast<const double *>(alpha) : *static_cast<const float *>(alpha);
  double betaV = f64 ? *static_cast<const double *>(beta) : *static_cast<const float *>(beta);
  bool hasBias = o.epilogue == CUBLASLT_EPILOGUE_BIAS || o.epilogue == CUBLASLT_EPILOGUE_RELU_BIAS ||
                 o.epilogue == CUBLASLT_EPILOGUE_GELU_BIAS;
  if (hasBias && !o.bias) return CUBLAS_STATUS_INVALID_VALUE;
  // A strided batch: every layout has the same count; C's matrices must not overlap.
  int32_t batch = ld.batch;
  if (la.batch != batch || lb.batch != batch || lc.batch != batch || batch < 1 ||
      (batch > 1 && (ld.batchStride == 0 || lc.batchStride != ld.batchStride)))
    return CUBLAS_STATUS_INVALID_VALUE;
  for (int32_t e = 0; e < batch; ++e)
    for (uint64_t j = 0; j < n; ++j)
      for (uint64_t i = 0; i < m; ++i) {
        double sum = 0;
        for (uint64_t p = 0; p < k; ++p) {
          double x = load(a, la.type, e * la.batchStride + (ta ? p + i * la.ld : i + p * la.ld));
          double y = load(b, lb.type, e * lb.batchStride + (tb ? j + p * lb.ld : p + j * lb.ld));
          sum += x * y;
        }
        double v = alphaV * sum + (betaV != 0 ? betaV * load(c, lc.type, e * lc.batchStride + i + j * lc.ld) : 0.0);
        if (hasBias) v += load(o.bias, ld.type, static_cast<int64_t>(i));
        if (o.epilogue == CUBLASLT_EPILOGUE_RELU || o.epilogue == CUBLASLT_EPILOGUE_RELU_BIAS) v = v > 0 ? v : 0;
        if (o.epilogue == CUBLASLT_EPILOGUE_GELU || o.epilogue == CUBLASLT_EPILOGUE_GELU_BIAS) v = gelu(v);
        store(out, ld.type, e * ld.batchStride + i + j * ld.ld, v);
      }
  return CUBLAS_STATUS_SUCCESS;
}

}  // extern "C"
