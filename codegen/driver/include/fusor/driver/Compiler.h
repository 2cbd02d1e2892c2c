// The compile driver: a fusor-dialect module -> the pipeline for a target -> code. The JIT
// (traced programs), fusor::run_mlir and fusor-compile all go through compile().
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fusor/codegen/CpuJit.h"
#include "fusor/ir/GraphToDialect.h"
#include "fusor/runtime/cuda/LaunchPlan.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"

namespace fusor::runtime::cuda {
class Executable;
}

namespace fusor::driver {

enum class Target { Cpu, Cuda };

struct CompileOptions {
  Target target = Target::Cpu;
  // A module from a user (a file, an imported model): its shapes are refined first, and its
  // failures are a fusor::Error (a traced module failing is fusor's bug: an internal error).
  bool fromUser = false;
  // Load the code into this process: CPU code through the LLVM JIT, CUDA code as an executable
  // on `device`. Without it (ahead of time), the module is left lowered (CPU: the LLVM dialect)
  // and the CUDA launch plan and kernel source are returned.
  bool load = true;
  int device = 0;
  // (input, output) argument pairs (the function's arguments are its inputs, then its
  // outputs) whose output should be computed in the input's buffer where that is safe (CPU).
  std::vector<std::pair<int, int>> donate;
};

// A program ready to run: an entry point on the host, or a loaded CUDA executable.
struct Compiled {
  codegen::KernelFn cpu = nullptr;
  std::shared_ptr<runtime::cuda::Executable> cuda;
  // (input, output index) pairs whose output the program computes in the input's buffer:
  // run() must be given that buffer as the output (the caller gives its old value up).
  std::vector<std::pair<int, int>> donations;
  // (argument, dim) of each `?` size of its buffers (arguments: inputs, then outputs), whose
  // values a run passes after the buffers (CPU).
  std::vector<std::pair<int, int>> dynamicDims;
  // Runs it on the buffers (host pointers or device addresses) of its inputs then outputs,
  // followed, where it has dynamicDims, by a pointer to their int64 values in that order.
  void run(void **buffers) const;
};

struct CompileResult {
  Compiled program;                    // when loaded
  std::vector<mlir::Type> resultTypes;  // the function's, after shape refinement
  runtime::cuda::LaunchPlan cudaPlan;   // CUDA, not loaded
  std::string cudaSource;
  std::string cpuObject;                // CPU, loaded: the object file (for the disk cache)
};

// Compiles `function` of `module` (in jitContext(), the caller holding compileMutex(), or in a
// context of the calling thread's own); throws a
// fusor::Error (or an internal error) if any stage fails. With FUSOR_DUMP=dir set, writes
// dir/NNNN-0-fusor.mlir (the input; `fusor-opt --fusor-cpu-pipeline` reproduces the rest),
// the IR after each pipeline stage, and the optimized LLVM IR or the CUDA source.
CompileResult compile(mlir::ModuleOp module, const std::string &function, const CompileOptions &options);

// A traced program compiled for its device (compile() on its fusor-dialect module, in an MLIR
// context of the calling thread's: threads compile at once); a host program's object file
// goes to `object` if given.
Compiled compileProgram(const ir::Program &program, std::string *object = nullptr);

// FUSOR_CUDA_CHECK: compile() also takes each CPU program through the CUDA code generator
// (so CPU programs are compiled, never loaded from the disk cache).
bool cudaCheckRequested();

// FUSOR_DUMP: compile() writes what each stage made (so programs are compiled, never loaded
// from the disk cache).
bool dumpRequested();

// MLIR passes run by compile() in this process (a warm start from the disk cache runs none).
uint64_t mlirPassesRun();

// The MLIR context for users' modules (fusor::run_mlir, fusor-compile), and the lock to hold
// while using it.
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

// Gives argument `index` of `func` the sizes `shape` (its element type kept), if they fit its
// declared type (same rank, equal where the declared size is static); false otherwise.
bool specializeArgument(mlir::func::FuncOp func, unsigned index, llvm::ArrayRef<int64_t> shape);

}  // namespace fusor::driver
