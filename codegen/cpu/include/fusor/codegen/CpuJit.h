// In-process machine code for the host CPU: LLVM-dialect modules -> LLVM IR -> O3 with the
// host's features (AVX-512 here) -> ORC LLJIT.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "fusor/codegen/LlvmModules.h"
#include "mlir/IR/BuiltinOps.h"

namespace fusor::codegen {

// A compiled function, called with the addresses of its buffers in argument order.
using KernelFn = void (*)(void **buffers);

class CpuJit {
 public:
  // The process's JIT (created on first use; thread-safe).
  static CpuJit &get();

  // Compiles `function` of an LLVM-dialect `module` whose arguments are all pointers to a
  // relocatable object file for this host, whose entry takes the packed buffer list.
  // Returns nullopt and sets `error` on failure. Thread-safe; `optimizedIR`, if given, gets
  // the LLVM IR after optimization (for FUSOR_DUMP).
  // With `shapes` (some dynamic), the entry takes descriptors: see addPackedEntry.
  std::optional<std::string> emitObject(mlir::ModuleOp module, const std::string &function, std::string &error,
                                        std::string *optimizedIR = nullptr, const ArgShapes *shapes = nullptr);
  // Links an object from emitObject (this process's or, through the disk cache, an earlier
  // one's with the same hostId()) into the process. Returns nullptr and sets `error` on
  // failure. The code lives as long as the process.
  KernelFn load(const std::string &object, std::string &error);

  // What the objects depend on besides their IR: the target, its CPU and features.
  const std::string &hostId() const;

  ~CpuJit();

 private:
  CpuJit();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fusor::codegen
