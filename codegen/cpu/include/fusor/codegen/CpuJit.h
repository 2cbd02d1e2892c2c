// In-process machine code for the host CPU: LLVM-dialect modules -> LLVM IR -> O3 with the
// host's features (AVX-512 here) -> ORC LLJIT.
#pragma once

#include <memory>
#include <string>

#include "mlir/IR/BuiltinOps.h"

namespace fusor::codegen {

// A compiled function, called with the addresses of its buffers in argument order.
using KernelFn = void (*)(void **buffers);

class CpuJit {
 public:
  // The process's JIT (created on first use; thread-safe).
  static CpuJit &get();

  // Compiles `function` of an LLVM-dialect `module` whose arguments are all pointers.
  // Returns nullptr and sets `error` on failure. The code lives as long as the process.
  KernelFn compile(mlir::ModuleOp module, const std::string &function, std::string &error);

  // The optimized LLVM IR of the last compile, when asked to keep it (for FUSOR_DUMP).
  void setKeepIR(bool keep);
  const std::string &lastIR() const;

  ~CpuJit();

 private:
  CpuJit();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fusor::codegen
