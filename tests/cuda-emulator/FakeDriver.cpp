// A CUDA driver for the emulator (tests only): one device whose memory is host memory,
// modules made by the emulated NVRTC (shared objects, dlopen'ed), launches run on the
// calling thread, so every stream is always synchronized.
#include <cuda.h>
#include <dlfcn.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "Scheduler.h"

struct CUmod_st {
  void *library = nullptr;
  bool synchronizes = false;  // its kernels use barriers or shuffles: threads run as fibers
};

struct CUfunc_st {
  fusor_emu_thread_fn thread = nullptr;
  bool synchronizes = false;
  std::string name;
};

namespace {

int dummyContext, dummyStream;
thread_local std::string lastLaunchError;

int deviceCount() {
  const char *n = std::getenv("FUSOR_EMU_DEVICES");
  return n ? std::atoi(n) : 1;
}

}  // namespace

extern "C" {

CUresult cuInit(unsigned) { return CUDA_SUCCESS; }

CUresult cuDriverGetVersion(int *version) {
  *version = 13000;
  return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int *count) {
  *count = deviceCount();
  return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice *device, int ordinal) {
  if (ordinal < 0 || ordinal >= deviceCount()) return CUDA_ERROR_INVALID_DEVICE;
  *device = ordinal;
  return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int *value, CUdevice_attribute attribute, CUdevice) {
  switch (attribute) {
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *value = 9; break;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *value = 0; break;
    case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *value = 1; break;
    case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *value = 1024; break;
    default: *value = 0; break;
  }
  return CUDA_SUCCESS;
}

CUresult cuDeviceGetName(char *name, int length, CUdevice) {
  std::snprintf(name, static_cast<size_t>(length), "fusor CUDA emulator");
  return CUDA_SUCCESS;
}

CUresult cuGetErrorString(CUresult error, const char **text) {
  static thread_local std::string message;
  switch (error) {
    case CUDA_SUCCESS: *text = "no error"; break;
    case CUDA_ERROR_INVALID_DEVICE: *text = "invalid device ordinal"; break;
    case CUDA_ERROR_OUT_OF_MEMORY: *text = "out of memory"; break;
    case CUDA_ERROR_NOT_FOUND: *text = "named symbol not found"; break;
    case CUDA_ERROR_INVALID_IMAGE: *text = "device kernel image is invalid"; break;
    case CUDA_ERROR_LAUNCH_FAILED:
      message = "unspecified launch failure (emulator: " + lastLaunchError + ")";
      *text = message.c_str();
      break;
    default: *text = "emulated CUDA error"; break;
  }
  return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext *context, CUdevice) {
  *context = reinterpret_cast<CUcontext>(&dummyContext);
  return CUDA_SUCCESS;
}

CUresult cuCtxSetCurrent(CUcontext) { return CUDA_SUCCESS; }

CUresult cuStreamCreate(CUstream *stream, unsigned) {
  *stream = reinterpret_cast<CUstream>(&dummyStream);
  return CUDA_SUCCESS;
}

CUresult cuStreamSynchronize(CUstream) { return CUDA_SUCCESS; }

CUresult cuMemAlloc(CUdeviceptr *pointer, size_t bytes) {
  void *p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!p) return CUDA_ERROR_OUT_OF_MEMORY;
  std::memset(p, 0xA5, bytes);  // garbage, as fresh device memory is: nothing may rely on zeros
  *pointer = reinterpret_cast<CUdeviceptr>(p);
  return CUDA_SUCCESS;
}

CUresult cuMemFree(CUdeviceptr pointer) {
  std::free(reinterpret_cast<void *>(pointer));
  return CUDA_SUCCESS;
}

CUresult cuMemcpyHtoDAsync(CUdeviceptr dst, const void *src, size_t bytes, CUstream) {
  std::memcpy(reinterpret_cast<void *>(dst), src, bytes);
  return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoHAsync(void *dst, CUdeviceptr src, size_t bytes, CUstream) {
  std::memcpy(dst, reinterpret_cast<const void *>(src), bytes);
  return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoDAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream) {
  std::memmove(reinterpret_cast<void *>(dst), reinterpret_cast<const void *>(src), bytes);
  return CUDA_SUCCESS;
}

CUresult cuModuleLoadData(CUmodule *module, const void *image) {
  const char *bytes = static_cast<const char *>(image);
  if (std::memcmp(bytes, "FUSOREMU", 8) != 0) return CUDA_ERROR_INVALID_IMAGE;
  uint64_t size;
  std::memcpy(&size, bytes + 8, 8);
  char path[] = "/tmp/fusor-emu-module-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return CUDA_ERROR_INVALID_IMAGE;
  bool written = write(fd, bytes + 16, size) == static_cast<ssize_t>(size);
  close(fd);
  void *library = written ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : nullptr;
  unlink(path);
  if (!library) return CUDA_ERROR_INVALID_IMAGE;
  auto *synchronizes = static_cast<const int *>(dlsym(library, "fusor_emu_synchronizes"));
  if (!synchronizes) {
    dlclose(library);
    return CUDA_ERROR_INVALID_IMAGE;
  }
  *module = new CUmod_st{library, *synchronizes != 0};
  return CUDA_SUCCESS;
}

CUresult cuModuleUnload(CUmodule module) {
  dlclose(module->library);
  delete module;
  return CUDA_SUCCESS;
}

CUresult cuModuleGetFunction(CUfunction *function, CUmodule module, const char *name) {
  void *symbol = dlsym(module->library, ("fusor_emu_thread_" + std::string(name)).c_str());
  if (!symbol) return CUDA_ERROR_NOT_FOUND;
  // Leaked on purpose: CUDA has no call that frees a CUfunction.
  *function = new CUfunc_st{reinterpret_cast<fusor_emu_thread_fn>(symbol), module->synchronizes, name};
  return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(CUfunction function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                        unsigned bz, unsigned sharedBytes, CUstream, void **params, void **extra) {
  if (sharedBytes != 0 || extra) {
    lastLaunchError = "dynamic shared memory and 'extra' are not emulated";
    return CUDA_ERROR_LAUNCH_FAILED;
  }
  if (bx * by * bz > 1024) return CUDA_ERROR_INVALID_VALUE;
  fusor_emu_launch launch{};
  launch.grid = {gx, gy, gz};
  launch.block = {bx, by, bz};
  launch.params = params;
  if (std::string error = fusor_emu::runGrid(launch, function->thread, function->synchronizes); !error.empty()) {
    lastLaunchError = function->name + ": " + error;
    return CUDA_ERROR_LAUNCH_FAILED;
  }
  return CUDA_SUCCESS;
}

}  // extern "C"
