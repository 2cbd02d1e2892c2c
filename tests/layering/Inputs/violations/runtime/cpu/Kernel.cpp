// Two violations: MLIR in the runtime, and the ir layer above it.
#include "mlir/IR/Builders.h"
#include "fusor/ir/Graph.h"
#include "fusor/runtime/Buffer.h"
