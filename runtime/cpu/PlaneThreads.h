// How many OpenMP threads the runtime's plane-by-plane kernels (depthwise convolution,
// Winograd's transforms) share their planes between.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace fusor::runtime {

// Planes are even work: each thread a static share, once there is enough work (multiply-adds
// or values moved) to repay the fork, and never more threads than planes. Inside a parallel
// region (a batch shared out), one.
inline int threadsForPlanes(int64_t planes, int64_t work) {
  if (work < (int64_t{1} << 15) || omp_in_parallel()) return 1;
  return int(std::min<int64_t>(omp_get_max_threads(), planes));
}

}  // namespace fusor::runtime
