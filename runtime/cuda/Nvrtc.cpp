#include "fusor/runtime/cuda/Nvrtc.h"

#include <atomic>
#include <vector>

#include "fusor/Error.h"
#include "fusor/runtime/DiskCache.h"
#include "fusor/runtime/cuda/Api.h"

namespace fusor::runtime::cuda {
namespace {

std::atomic<uint64_t> compiles{0}, diskHits{0};

const NvrtcApi &api() {
  std::string why;
  const NvrtcApi *a = nvrtc(&why);
  if (!a) throw Error("fusor: cannot compile CUDA kernels: " + why);
  return *a;
}

}  // namespace

std::string nvrtcVersion() {
  const NvrtcApi *a = nvrtc();
  if (!a) return "";
  int major = 0, minor = 0;
  a->nvrtcVersion(&major, &minor);
  return std::to_string(major) + "." + std::to_string(minor);
}

CudaBinary compileCuda(const std::string &source, int arch, bool ptx) {
  const NvrtcApi &nv = api();
  std::vector<std::string> options = {
      (ptx ? "--gpu-architecture=compute_" : "--gpu-architecture=sm_") + std::to_string(arch),
      "--std=c++17", "-default-device"};
  std::string key = "nvrtc " + nvrtcVersion();
  for (const std::string &o : options) key += " " + o;
  key += "\n" + source;
  DiskCache cache = DiskCache::forKind("nvrtc");
  if (std::optional<std::string> hit = cache.load(key)) {
    ++diskHits;
    return {*hit, !ptx};
  }

  nvrtcProgram program;
  FUSOR_CUDA_CHECK(nv.nvrtcCreateProgram(&program, source.c_str(), "fusor_kernel.cu", 0, nullptr, nullptr));
  std::vector<const char *> args;
  for (const std::string &o : options) args.push_back(o.c_str());
  nvrtcResult result = nv.nvrtcCompileProgram(program, static_cast<int>(args.size()), args.data());
  ++compiles;
  if (result != NVRTC_SUCCESS) {
    size_t size = 0;
    nv.nvrtcGetProgramLogSize(program, &size);
    std::string log(size, '\0');
    nv.nvrtcGetProgramLog(program, log.data());
    nv.nvrtcDestroyProgram(&program);
    throwInternalError("NVRTC could not compile a generated kernel:\n" + log + "\nsource:\n" + source);
  }
  size_t size = 0;
  std::string image;
  if (ptx) {
    FUSOR_CUDA_CHECK(nv.nvrtcGetPTXSize(program, &size));
    image.resize(size);
    FUSOR_CUDA_CHECK(nv.nvrtcGetPTX(program, image.data()));
  } else {
    FUSOR_CUDA_CHECK(nv.nvrtcGetCUBINSize(program, &size));
    image.resize(size);
    FUSOR_CUDA_CHECK(nv.nvrtcGetCUBIN(program, image.data()));
  }
  nv.nvrtcDestroyProgram(&program);
  cache.store(key, image);
  return {image, !ptx};
}

NvrtcStats nvrtcStats() { return {compiles.load(), diskHits.load()}; }

}  // namespace fusor::runtime::cuda
