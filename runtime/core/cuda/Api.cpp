#include "fusor/runtime/cuda/Api.h"

#include <dlfcn.h>

#include "fusor/Error.h"

namespace fusor::runtime::cuda {
namespace {

#define FUSOR_STRINGIFY(x) #x
#define FUSOR_EXPANDED_NAME(x) FUSOR_STRINGIFY(x)  // after cuda.h's renaming macros

// Loads the first library of `names` that opens; fills `why` otherwise.
void *openFirst(std::initializer_list<const char *> names, std::string &why) {
  for (const char *name : names) {
    if (void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL)) return lib;
    why += std::string(why.empty() ? "" : "; ") + dlerror();
  }
  return nullptr;
}

template <typename Api>
struct Loaded {
  Api api;
  bool ok = false;
  std::string why;
};

}  // namespace

const DriverApi *driver(std::string *why) {
  static const Loaded<DriverApi> loaded = [] {
    Loaded<DriverApi> out;
    void *lib = openFirst({"libcuda.so.1", "libcuda.so"}, out.why);
    if (!lib) {
      out.why = "no CUDA driver (" + out.why + ")";
      return out;
    }
#define FUSOR_LOAD(name)                                                                 \
  out.api.name = reinterpret_cast<decltype(&::name)>(dlsym(lib, FUSOR_EXPANDED_NAME(name))); \
  if (!out.api.name) {                                                                   \
    out.why = std::string("the CUDA driver lacks ") + FUSOR_EXPANDED_NAME(name);         \
    return out;                                                                          \
  }
    FUSOR_CUDA_DRIVER_SYMBOLS(FUSOR_LOAD)
#undef FUSOR_LOAD
    if (CUresult r = out.api.cuInit(0); r != CUDA_SUCCESS) {
      const char *message = nullptr;
      out.api.cuGetErrorString(r, &message);
      out.why = std::string("cuInit failed: ") + (message ? message : "unknown error");
      return out;
    }
    out.ok = true;
    return out;
  }();
  if (why) *why = loaded.why;
  return loaded.ok ? &loaded.api : nullptr;
}

const NvrtcApi *nvrtc(std::string *why) {
  static const Loaded<NvrtcApi> loaded = [] {
    Loaded<NvrtcApi> out;
    void *lib = openFirst({"libnvrtc.so.13", "libnvrtc.so"}, out.why);
    if (!lib) {
      out.why = "no NVRTC (" + out.why + ")";
      return out;
    }
#define FUSOR_LOAD(name)                                                                 \
  out.api.name = reinterpret_cast<decltype(&::name)>(dlsym(lib, FUSOR_EXPANDED_NAME(name))); \
  if (!out.api.name) {                                                                   \
    out.why = std::string("NVRTC lacks ") + FUSOR_EXPANDED_NAME(name);                   \
    return out;                                                                          \
  }
    FUSOR_NVRTC_SYMBOLS(FUSOR_LOAD)
#undef FUSOR_LOAD
    out.ok = true;
    return out;
  }();
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
