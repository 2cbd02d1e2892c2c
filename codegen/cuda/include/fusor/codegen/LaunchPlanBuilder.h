// The host function of a module after the CUDA pipeline -> a launch plan (what the host does:
// allocations, launches, GEMM calls, loops), which runs without MLIR.
#pragma once

#include "fusor/runtime/cuda/LaunchPlan.h"
#include "mlir/IR/BuiltinOps.h"

namespace fusor::codegen {

// Emits an error at the first host op a plan cannot express, and fails.
mlir::FailureOr<runtime::cuda::LaunchPlan> buildLaunchPlan(mlir::ModuleOp module,
                                                           llvm::StringRef function);

}  // namespace fusor::codegen
