// Ops of the fusor dialect, their result-type inference interface and enums.
#pragma once

#include <string>

#include "fusor/ir/FusorDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::fusor {

// A result type inferred from an op's operands, or why there is none (then `type` is null).
// The reason does not repeat the operand types: the verifier adds them.
struct InferredType {
  RankedTensorType type;
  std::string error;

  static InferredType fail(std::string why) { return {nullptr, std::move(why)}; }
};

// Verifies an op's result type against InferResultTypeOpInterface::inferResultType.
LogicalResult verifyInferredResultType(Operation *op);

}  // namespace mlir::fusor

#include "fusor/ir/FusorEnums.h.inc"
#include "fusor/ir/FusorInterfaces.h.inc"

#define GET_OP_CLASSES
#include "fusor/ir/FusorOps.h.inc"
