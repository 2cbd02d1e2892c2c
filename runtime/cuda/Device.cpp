#include "fusor/runtime/cuda/Device.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fusor/Error.h"
#include "fusor/runtime/cuda/Api.h"

namespace fusor::runtime::cuda {
namespace {

constexpr size_t kMaxCachedBytes = size_t{4} << 30;  // freed device memory kept per device

struct DeviceState {
  CUcontext context = nullptr;
  CUstream stream = nullptr;
  int capability = 0;
  std::mutex mutex;  // guards the free lists
  std::mutex launches;  // one host thread enqueues a program's work at a time
  std::multimap<size_t, CUdeviceptr> free;
  size_t cached = 0;
};

const DriverApi &api() {
  std::string why;
  const DriverApi *d = driver(&why);
  if (!d) throw Error("fusor: CUDA is not available: " + why);
  return *d;
}

DeviceState &state(int device) {
  static std::mutex mutex;
  static auto *devices = new std::map<int, std::unique_ptr<DeviceState>>();  // outlives buffers
  std::lock_guard<std::mutex> lock(mutex);
  auto &slot = (*devices)[device];
  if (slot) return *slot;
  const DriverApi &d = api();
  int count = 0;
  FUSOR_CUDA_CHECK(d.cuDeviceGetCount(&count));
  if (device < 0 || device >= count)
    throw Error("fusor: CUDA device " + std::to_string(device) + " does not exist (" +
                std::to_string(count) + " device" + (count == 1 ? "" : "s") + " present)");
  auto s = std::make_unique<DeviceState>();
  CUdevice handle;
  FUSOR_CUDA_CHECK(d.cuDeviceGet(&handle, device));
  FUSOR_CUDA_CHECK(d.cuDevicePrimaryCtxRetain(&s->context, handle));
  FUSOR_CUDA_CHECK(d.cuCtxSetCurrent(s->context));
  FUSOR_CUDA_CHECK(d.cuStreamCreate(&s->stream, CU_STREAM_NON_BLOCKING));
  int major = 0, minor = 0;
  FUSOR_CUDA_CHECK(d.cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, handle));
  FUSOR_CUDA_CHECK(d.cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, handle));
  s->capability = major * 10 + minor;
  slot = std::move(s);
  return *slot;
}

// Sizes are rounded so that blocks of nearby sizes are interchangeable.
size_t roundUp(size_t bytes) {
  size_t granule = bytes >= (size_t{1} << 20) ? (size_t{2} << 20) : 512;
  return ((bytes ? bytes : 1) + granule - 1) / granule * granule;
}

}  // namespace

void makeCurrent(int device) { FUSOR_CUDA_CHECK(api().cuCtxSetCurrent(state(device).context)); }

void *stream(int device) { return state(device).stream; }

std::mutex &launchMutex(int device) { return state(device).launches; }

int computeCapability(int device) { return state(device).capability; }

void *allocate(int device, size_t bytes) {
  DeviceState &s = state(device);
  size_t rounded = roundUp(bytes);
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.free.find(rounded);
    if (it != s.free.end()) {
      CUdeviceptr p = it->second;
      s.cached -= rounded;
      s.free.erase(it);
      return reinterpret_cast<void *>(p);
    }
  }
  makeCurrent(device);
  CUdeviceptr p = 0;
  CUresult r = api().cuMemAlloc(&p, rounded);
  if (r == CUDA_ERROR_OUT_OF_MEMORY) {  // give the cache back and try once more
    synchronize(device);
    std::lock_guard<std::mutex> lock(s.mutex);
    for (auto &[size, block] : s.free) api().cuMemFree(block);
    s.free.clear();
    s.cached = 0;
    r = api().cuMemAlloc(&p, rounded);
  }
  if (r == CUDA_ERROR_OUT_OF_MEMORY)
    throw Error("fusor: CUDA out of memory allocating " + std::to_string(bytes) + " bytes on device " +
                std::to_string(device));
  FUSOR_CUDA_CHECK(r);
  return reinterpret_cast<void *>(p);
}

void release(int device, void *pointer, size_t bytes) {
  DeviceState &s = state(device);
  size_t rounded = roundUp(bytes);
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.cached + rounded <= kMaxCachedBytes) {
      s.free.emplace(rounded, reinterpret_cast<CUdeviceptr>(pointer));
      s.cached += rounded;
      return;
    }
  }
  makeCurrent(device);
  api().cuMemFree(reinterpret_cast<CUdeviceptr>(pointer));  // never throws from a destructor
}

void copyToDevice(int device, void *dst, const void *src, size_t bytes) {
  if (!bytes) return;
  DeviceState &s = state(device);
  makeCurrent(device);
  FUSOR_CUDA_CHECK(api().cuMemcpyHtoDAsync(reinterpret_cast<CUdeviceptr>(dst), src, bytes, s.stream));
}

void copyToHost(int device, void *dst, const void *src, size_t bytes) {
  if (!bytes) return;
  DeviceState &s = state(device);
  makeCurrent(device);
  FUSOR_CUDA_CHECK(api().cuMemcpyDtoHAsync(dst, reinterpret_cast<CUdeviceptr>(src), bytes, s.stream));
  FUSOR_CUDA_CHECK(api().cuStreamSynchronize(s.stream));
}

void copyOnDevice(int device, void *dst, const void *src, size_t bytes) {
  if (!bytes) return;
  DeviceState &s = state(device);
  makeCurrent(device);
  FUSOR_CUDA_CHECK(api().cuMemcpyDtoDAsync(reinterpret_cast<CUdeviceptr>(dst),
                                           reinterpret_cast<CUdeviceptr>(src), bytes, s.stream));
}

void synchronize(int device) {
  DeviceState &s = state(device);
  makeCurrent(device);
  FUSOR_CUDA_CHECK(api().cuStreamSynchronize(s.stream));
}

}  // namespace fusor::runtime::cuda
