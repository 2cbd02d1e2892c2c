// Reductions lowered with their initialization and their elementwise consumer in one loop nest.
#pragma once

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::fusor {

// Each linalg.generic on buffers whose parallel dims come first and whose output is indexed by
// them in order (a depthwise convolution, a pooling window, a row sum) becomes, together with
// the fill of its output just before it and the elementwise op just after it that reads the
// output element for element, one loop nest: per output element the accumulator starts at the
// fill value in a register, runs through the reduction loops, and goes through the consumer's
// body before it is stored. That saves the fill's pass and the consumer's pass over memory
// (and their thread starts). The parallel dims become an scf.parallel when the reduction is
// worth threads (see worthThreads), else plain loops, the innermost marked for vectorization;
// an innermost reduction loop is marked too where it is long and reads its inputs contiguously.
void lowerReductionNests(func::FuncOp func, int64_t parallelThreshold);

}  // namespace mlir::fusor
