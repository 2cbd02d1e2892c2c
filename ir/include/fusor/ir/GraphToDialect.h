// Graph IR -> fusor dialect: one function per realized graph, one op per node.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "fusor/ir/Graph.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace fusor::ir {

// A pending graph in an order where every node comes after its inputs.
struct Program {
  std::vector<Node *> inputs;   // Buffer nodes: the function's arguments, in order
  std::vector<Node *> nodes;    // the computed nodes (and empty Buffers, as constants), in order
  std::vector<Node *> outputs;  // the function's results, in order (each in inputs or nodes)
  int device = Node::kHost;     // where it runs: the outputs' device
  // (input, output) pairs whose output may be computed in the input's buffer, the caller
  // giving that buffer up (fusor::jit's state updates; see driver::Compiled::donations).
  std::vector<std::pair<int, int>> donate;
  // Where not empty: the sizes to compile for, one per input then node (in order), with
  // shape::kDynamic for the `?` sizes of a program that serves many (driver/DynamicDims.h).
  std::vector<std::vector<int64_t>> shapes;
};

mlir::Type toMlirType(mlir::MLIRContext &context, DType dtype);
// The dtype of an MLIR element type, if fusor has one.
std::optional<DType> fromMlirType(mlir::Type type);

// Builds `module { func.func @name(inputs) -> outputs }`; each op is located at the user's
// call that recorded it. The context must have the fusor and func dialects loaded.
mlir::OwningOpRef<mlir::ModuleOp> toDialect(mlir::MLIRContext &context, const Program &program,
                                            llvm::StringRef name);

}  // namespace fusor::ir
