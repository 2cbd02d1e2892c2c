// The CUDA driver and NVRTC, loaded with dlopen on first use through symbol tables built
// from one list of names each; nothing links libcuda, so the same binary runs without a GPU.
#pragma once

#include <cublasLt.h>
#include <cuda.h>
#include <nvrtc.h>

#include <string>

namespace fusor::runtime::cuda {

// Names are expanded through cuda.h's macros first, so versioned entry points (cuMemAlloc ->
// cuMemAlloc_v2) are the ones looked up.
#define FUSOR_CUDA_DRIVER_SYMBOLS(X) \
  X(cuInit)                          \
  X(cuDriverGetVersion)              \
  X(cuDeviceGetCount)                \
  X(cuDeviceGet)                     \
  X(cuDeviceGetAttribute)            \
  X(cuDeviceGetName)                 \
  X(cuGetErrorString)                \
  X(cuDevicePrimaryCtxRetain)        \
  X(cuCtxSetCurrent)                 \
  X(cuStreamCreate)                  \
  X(cuStreamSynchronize)             \
  X(cuMemAlloc)                      \
  X(cuMemFree)                       \
  X(cuMemcpyHtoDAsync)               \
  X(cuMemcpyDtoHAsync)               \
  X(cuMemcpyDtoDAsync)               \
  X(cuModuleLoadData)                \
  X(cuModuleUnload)                  \
  X(cuModuleGetFunction)             \
  X(cuLaunchKernel)

#define FUSOR_NVRTC_SYMBOLS(X)  \
  X(nvrtcVersion)               \
  X(nvrtcGetErrorString)        \
  X(nvrtcCreateProgram)         \
  X(nvrtcCompileProgram)        \
  X(nvrtcGetProgramLogSize)     \
  X(nvrtcGetProgramLog)         \
  X(nvrtcGetCUBINSize)          \
  X(nvrtcGetCUBIN)              \
  X(nvrtcGetPTXSize)            \
  X(nvrtcGetPTX)                \
  X(nvrtcDestroyProgram)

#define FUSOR_CUBLASLT_SYMBOLS(X)    \
  X(cublasLtCreate)                 \
  X(cublasLtGetStatusString)        \
  X(cublasLtMatmulDescCreate)       \
  X(cublasLtMatmulDescDestroy)      \
  X(cublasLtMatmulDescSetAttribute) \
  X(cublasLtMatrixLayoutCreate)     \
  X(cublasLtMatrixLayoutDestroy)    \
  X(cublasLtMatrixLayoutSetAttribute) \
  X(cublasLtMatmulPreferenceCreate) \
  X(cublasLtMatmulPreferenceDestroy) \
  X(cublasLtMatmulPreferenceSetAttribute) \
  X(cublasLtMatmulAlgoGetHeuristic) \
  X(cublasLtMatmul)

struct DriverApi {
#define FUSOR_DECLARE(name) decltype(&::name) name = nullptr;
  FUSOR_CUDA_DRIVER_SYMBOLS(FUSOR_DECLARE)
#undef FUSOR_DECLARE
};

struct NvrtcApi {
#define FUSOR_DECLARE(name) decltype(&::name) name = nullptr;
  FUSOR_NVRTC_SYMBOLS(FUSOR_DECLARE)
#undef FUSOR_DECLARE
};

struct CublasLtApi {
#define FUSOR_DECLARE(name) decltype(&::name) name = nullptr;
  FUSOR_CUBLASLT_SYMBOLS(FUSOR_DECLARE)
#undef FUSOR_DECLARE
};

// The driver, initialized (cuInit), or nullptr when there is none; `why` says what failed.
const DriverApi *driver(std::string *why = nullptr);
// NVRTC, or nullptr when it cannot be loaded; `why` says what failed. Needs no GPU.
const NvrtcApi *nvrtc(std::string *why = nullptr);

// cuBLASLt, or nullptr when it cannot be loaded; `why` says what failed.
const CublasLtApi *cublasLt(std::string *why = nullptr);

// Throws fusor::Error "<what> failed: <driver's message> (file:line)" unless `result` is success.
void check(CUresult result, const char *what, const char *file, int line);
void check(nvrtcResult result, const char *what, const char *file, int line);
void check(cublasStatus_t result, const char *what, const char *file, int line);
#define FUSOR_CUDA_CHECK(call) ::fusor::runtime::cuda::check((call), #call, __FILE__, __LINE__)

}  // namespace fusor::runtime::cuda
