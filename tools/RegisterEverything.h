// The one place that says what fusor's tools know: the fusor dialect and passes plus all of
// upstream MLIR's dialects, extensions and passes.
#pragma once

#include "fusor/ir/FusorDialect.h"
#include "fusor/passes/Passes.h"
#include "fusor/passes/Pipelines.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"

namespace fusor::tools {

inline void registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<mlir::fusor::FusorDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
}

inline void registerAllPasses() {
  mlir::registerAllPasses();
  mlir::fusor::registerFusorPasses();
  mlir::fusor::registerFusorPipelines();
}

}  // namespace fusor::tools
