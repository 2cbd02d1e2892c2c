// GPU-mapped MLIR (gpu.module / gpu.func kernels on static memrefs) -> CUDA C++ source.
#pragma once

#include <string>

#include "mlir/IR/BuiltinOps.h"

namespace fusor::codegen {

// Renders every kernel of every gpu.module in `module` as `extern "C" __global__` CUDA C++
// named after its gpu.module (and function, if it differs), self-contained (no headers: NVRTC has none). Emits an error at
// the first op it cannot render and fails.
mlir::FailureOr<std::string> renderCuda(mlir::ModuleOp module);

}  // namespace fusor::codegen
