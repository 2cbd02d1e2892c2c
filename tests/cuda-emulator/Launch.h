// The interface between the emulated driver and an emulated module (plain C types only: the
// module side is compiled for every kernel and must stay cheap to compile).
#pragma once

#include <stdint.h>

struct fusor_emu_dim3 {
  unsigned x, y, z;
};

// The driver's state for one launch, which the module's CUDA built-ins read and call.
struct fusor_emu_launch {
  fusor_emu_dim3 grid, block;    // gridDim, blockDim
  fusor_emu_dim3 blockIndex;     // blockIdx of the block running
  fusor_emu_dim3 threadIndex;    // threadIdx of the thread running
  void **params;                 // cuLaunchKernel's kernelParams
  void (*syncthreads)(struct fusor_emu_launch *);
  uint64_t (*shuffleDown)(struct fusor_emu_launch *, uint64_t bits, int delta, int width);
  void *scheduler;               // the driver's
};

// Each module exports `void fusor_emu_thread_<kernel>(fusor_emu_launch *)`, which runs the
// kernel once as the thread in `threadIndex` of the block in `blockIndex`, and
// `int fusor_emu_synchronizes`, whether its kernels use barriers or shuffles.
typedef void (*fusor_emu_thread_fn)(struct fusor_emu_launch *);
