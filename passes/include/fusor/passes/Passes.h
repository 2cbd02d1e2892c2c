// fusor's MLIR passes; each is declared in Passes.td.
#pragma once

#include "fusor/ir/FusorDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::fusor {

#define GEN_PASS_DECL
#include "fusor/passes/Passes.h.inc"

// Registers every fusor pass with the global registry (for fusor-opt and friends).
#define GEN_PASS_REGISTRATION
#include "fusor/passes/Passes.h.inc"

}  // namespace mlir::fusor
