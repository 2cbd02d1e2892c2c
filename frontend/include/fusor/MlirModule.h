// A traced function as an MLIR module, for tools that compile it further (fusor-compile):
// unlike fusor/Mlir.h, this header needs MLIR's.
#pragma once

#include "fusor/Mlir.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace fusor {

// trace_to_mlir's module itself, in the compile driver's MLIR context
// (fusor::driver::jitContext()): use it, and let it go, while holding
// fusor::driver::compileMutex(), which the caller takes after this returns (tracing may
// compile).
mlir::OwningOpRef<mlir::ModuleOp> trace_to_module(const TensorFunction &fn, const std::vector<Tensor> &examples,
                                                  std::vector<Tensor> *weights = nullptr,
                                                  Where where = Where::current());

}  // namespace fusor
