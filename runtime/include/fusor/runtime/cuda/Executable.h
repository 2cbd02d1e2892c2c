// A compiled CUDA program loaded on one device: its kernels' module, its constants in device
// memory, and the launch plan that drives them.
#pragma once

#include <memory>
#include <string>

#include "fusor/runtime/cuda/LaunchPlan.h"

namespace fusor::runtime::cuda {

class Executable {
 public:
  // Loads `image` (CUBIN, or PTX the driver compiles) on `device` and uploads the constants.
  // Throws fusor::Error if the driver rejects it or a kernel is missing.
  Executable(int device, LaunchPlan plan, const std::string &image);
  ~Executable();
  Executable(const Executable &) = delete;
  Executable &operator=(const Executable &) = delete;

  // Enqueues the program on the device's stream: `buffers` are the device addresses of the
  // inputs then the outputs (plan().arguments of them). Returns without waiting.
  void run(void *const *buffers) const;

  int device() const { return device_; }
  const LaunchPlan &plan() const { return plan_; }

 private:
  struct Loaded;
  int device_;
  LaunchPlan plan_;
  std::unique_ptr<Loaded> loaded_;
};

// C = A B (+ C) on `device`'s stream with cuBLASLt, arguments as fusor_rt_gemm_f32's (addresses
// are device addresses). Each operand needs a unit row or column stride; C a unit column stride.
// Three more arguments (zero when absent) ask for an epilogue: abi::GemmEpilogueBits, and
// the address and element offset of the bias, one value per column of C. Four more make it a
// strided batch: the count (1 when absent) and A's, B's and C's batch strides in elements.
void gemm(int device, GemmType type, const int64_t *arguments);

}  // namespace fusor::runtime::cuda
