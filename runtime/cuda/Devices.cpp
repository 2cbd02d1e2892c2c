#include "fusor/runtime/cuda/Devices.h"

#ifdef FUSOR_HAS_CUDA_HEADERS
#include "fusor/runtime/cuda/Api.h"
#endif

namespace fusor::cuda {

int device_count() {
#ifdef FUSOR_HAS_CUDA_HEADERS
  const runtime::cuda::DriverApi *api = runtime::cuda::driver();
  int count = 0;
  if (!api || api->cuDeviceGetCount(&count) != CUDA_SUCCESS) return 0;
  return count;
#else
  return 0;
#endif
}

bool is_available() { return device_count() > 0; }

std::string unavailable_reason() {
#ifdef FUSOR_HAS_CUDA_HEADERS
  std::string why;
  if (!runtime::cuda::driver(&why)) return why;
  return device_count() == 0 ? "the CUDA driver reports no devices" : "";
#else
  return "fusor was built without the CUDA toolkit's headers";
#endif
}

}  // namespace fusor::cuda
