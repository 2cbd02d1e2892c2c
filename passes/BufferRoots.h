// The buffer a memref value views: through subviews, reshapes and casts to the allocation or
// argument it starts from. Two values with different roots never overlap.
#pragma once

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::fusor {

inline Value bufferRootOf(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<memref::CollapseShapeOp, memref::ExpandShapeOp, memref::SubViewOp, memref::CastOp,
             memref::ReinterpretCastOp>(def))
      break;
    v = def->getOperand(0);
  }
  return v;
}

// Whether `op` only makes a view or a constant or an allocation (touches no element).
inline bool isInertOp(Operation *op) {
  return isa<arith::ConstantOp, memref::AllocOp, memref::CollapseShapeOp, memref::ExpandShapeOp,
             memref::SubViewOp, memref::CastOp, memref::ReinterpretCastOp>(op);
}

}  // namespace mlir::fusor
