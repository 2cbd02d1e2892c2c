#include "fusor/runtime/cuda/Api.h"

#include <dlfcn.h>

#include "fusor/Error.h"

namespace fusor::runtime::cuda {
namespace {

#define FUSOR_STRINGIFY(x) #x
#define FUSOR_EXPANDED_NAME(x) FUSOR_STRINGIFY(x)  // after cuda.h's renaming macros

template <typename Api>
struct Loaded {
  Api api;
  bool ok = false;
  std::string why;
};

// Opens the first of `libraries` that loads and resolves the API's symbols with `resolve`,
// which returns the first missing name (or "").
template <typename Api>
Loaded<Api> load(std::initializer_list<const char *> libraries, const char *what,
                 std::string (*resolve)(void *, Api &)) {
  Loaded<Api> out;
  void *lib = nullptr;
  for (const char *name : libraries) {
    if ((lib = dlopen(name, RTLD_NOW | RTLD_LOCAL))) break;
    out.why += std::string(out.why.empty() ? "" : "; ") + dlerror();
  }
  if (!lib) {
    out.why = std::string("no ") + what + " (" + out.why + ")";
    return out;
  }
  if (std::string missing = resolve(lib, out.api); !missing.empty()) {
    out.why = std::string(what) + " lacks " + missing;
    return out;
  }
  out.ok = true;
  return out;
}

#define FUSOR_RESOLVE(name)                                                                   \
  api.name = reinterpret_cast<decltype(&::name)>(dlsym(lib, FUSOR_EXPANDED_NAME(name)));     \
  if (!api.name) return FUSOR_EXPANDED_NAME(name);

std::string resolveDriver(void *lib, DriverApi &api) {
  FUSOR_CUDA_DRIVER_SYMBOLS(FUSOR_RESOLVE)
  return "";
}

std::string resolveNvrtc(void *lib, NvrtcApi &api) {
  FUSOR_NVRTC_SYMBOLS(FUSOR_RESOLVE)
  return "";
}

std::string resolveCublasLt(void *lib, CublasLtApi &api) {
  FUSOR_CUBLASLT_SYMBOLS(FUSOR_RESOLVE)
  return "";
}

#undef FUSOR_RESOLVE

}  // namespace

const DriverApi *driver(std::string *why) {
  static const Loaded<DriverApi> loaded = [] {
    Loaded<DriverApi> out = load<DriverApi>({"libcuda.so.1", "libcuda.so"}, "CUDA driver", resolveDriver);
    if (!out.ok) return out;
    if (CUresult r = out.api.cuInit(0); r != CUDA_SUCCESS) {
      const char *message = nullptr;
      out.api.cuGetErrorString(r, &message);
      out.why = std::string("cuInit failed: ") + (message ? message : "unknown error");
      out.ok = false;
    }
    return out;
  }();
  if (why) *why = loaded.why;
  return loaded.ok ? &loaded.api : nullptr;
}

const NvrtcApi *nvrtc(std::string *why) {
  static const Loaded<NvrtcApi> loaded =
      load<NvrtcApi>({"libnvrtc.so.13", "libnvrtc.so"}, "NVRTC", resolveNvrtc);
  if (why) *why = loaded.why;
  return loaded.ok ? &loaded.api : nullptr;
}

const CublasLtApi *cublasLt(std::string *why) {
  static const Loaded<CublasLtApi> loaded =
      load<CublasLtApi>({"libcublasLt.so.13", "libcublasLt.so"}, "cuBLASLt", resolveCublasLt);
  if (why) *why = loaded.why;
  return loaded.ok ? &loaded.api : nullptr;
}

void check(CUresult result, const char *what, const char *file, int line) {
  if (result == CUDA_SUCCESS) return;
  const char *message = nullptr;
  if (const DriverApi *api = driver()) api->cuGetErrorString(result, &message);
  throw Error(std::string(what) + " failed: " + (message ? message : "CUDA error " + std::to_string(result)) +
              " (" + file + ":" + std::to_string(line) + ")");
}

void check(nvrtcResult result, const char *what, const char *file, int line) {
  if (result == NVRTC_SUCCESS) return;
  const NvrtcApi *api = nvrtc();
  throw Error(std::string(what) + " failed: " +
              (api ? api->nvrtcGetErrorString(result) : "NVRTC error " + std::to_string(result)) +
              " (" + file + ":" + std::to_string(line) + ")");
}

}  // namespace fusor::runtime::cuda

namespace fusor::runtime::cuda {

void check(cublasStatus_t result, const char *what, const char *file, int line) {
  if (result == CUBLAS_STATUS_SUCCESS) return;
  const CublasLtApi *api = cublasLt();
  throw Error(std::string(what) + " failed: " +
              (api ? api->cublasLtGetStatusString(result) : "cuBLAS status " + std::to_string(result)) +
              " (" + file + ":" + std::to_string(line) + ")");
}

}  // namespace fusor::runtime::cuda
