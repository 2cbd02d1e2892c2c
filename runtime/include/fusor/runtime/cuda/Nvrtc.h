// CUDA C++ -> CUBIN (or PTX) with NVRTC, cached on disk by source, arch, NVRTC version and
// options. Needs no GPU.
#pragma once

#include <cstdint>
#include <string>

namespace fusor::runtime::cuda {

struct CudaBinary {
  std::string image;  // CUBIN, or PTX text
  bool cubin = true;
};

// Compiles `source` for sm_<arch> (CUBIN), or to compute_<arch> PTX if `ptx`. Throws
// fusor::Error with NVRTC's log if the source does not compile, or if NVRTC is missing.
CudaBinary compileCuda(const std::string &source, int arch, bool ptx = false);

// "13.0", or "" without NVRTC.
std::string nvrtcVersion();

struct NvrtcStats {
  uint64_t compiles = 0;  // NVRTC invocations
  uint64_t diskHits = 0;  // results read from the disk cache instead
};
NvrtcStats nvrtcStats();

}  // namespace fusor::runtime::cuda
