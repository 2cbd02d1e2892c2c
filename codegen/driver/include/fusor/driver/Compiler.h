// The compile driver: a captured program -> fusor dialect -> CPU pipeline -> LLVM JIT.
#pragma once

#include "fusor/codegen/CpuJit.h"
#include <mutex>
#include <vector>

#include "fusor/ir/GraphToDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "fusor/runtime/cuda/LaunchPlan.h"

namespace fusor::runtime::cuda {
class Executable;
}

namespace fusor::driver {

// A compiled program: an entry point on the host, or a loaded CUDA executable.
struct Compiled {
  codegen::KernelFn cpu = nullptr;
  std::shared_ptr<runtime::cuda::Executable> cuda;
  // Runs it on the buffers (host pointers or device addresses) of its inputs then outputs.
  void run(void **buffers) const;
};

// Compiles `program`; throws fusor::Error if any stage fails. With FUSOR_DUMP=dir set, writes
// dir/NNNN-0-fusor.mlir (the input; `fusor-opt --fusor-cpu-pipeline` reproduces the rest),
// the IR after each pipeline stage, and the optimized LLVM IR.
// A program on a CUDA device goes through the CUDA pipeline, the renderer and NVRTC instead.
Compiled compileProgram(const ir::Program &program);

// The JIT's MLIR context, and the lock to hold while using it.
mlir::MLIRContext &jitContext();
std::mutex &compileMutex();

// Collects the diagnostics of `context` into `text` ("loc: message" lines) while alive.
class DiagnosticCollector {
 public:
  DiagnosticCollector(mlir::MLIRContext &context, std::string &text);

 private:
  mlir::ScopedDiagnosticHandler handler_;
};

// Parses fusor-dialect `text` (named `name` in locations) in jitContext(); the caller holds
// compileMutex(). Null on failure, with the parser's messages in `diagnostics`.
mlir::OwningOpRef<mlir::ModuleOp> parseModule(const std::string &text, const std::string &name,
                                              std::string &diagnostics);

// The function of a user's module to run: its public one, or @main if there are several;
// null if none.
mlir::func::FuncOp entryFunction(mlir::ModuleOp module);

// The CPU pipeline alone (for ahead-of-time compilation): `module` ends in the LLVM dialect.
// Errors as compileModule's.
void lowerForCpu(mlir::ModuleOp module, const std::string &function, bool fromUser,
                 std::vector<mlir::Type> *resultTypes);

// The CUDA pipeline alone: `module` ends GPU-mapped; returns its launch plan and kernel source.
struct CudaLowering {
  runtime::cuda::LaunchPlan plan;
  std::string source;
};
CudaLowering lowerForCudaTarget(mlir::ModuleOp module, const std::string &function);

// Compiles `function` of a fusor-dialect `module` in jitContext() (the caller holds
// compileMutex()). A module from a user (`fromUser`) has its shapes refined first and its
// failures reported as fusor::Error; `resultTypes` receives the function's result types after
// refinement.
codegen::KernelFn compileModule(mlir::ModuleOp module, const std::string &function, bool fromUser,
                                std::vector<mlir::Type> *resultTypes);

}  // namespace fusor::driver
