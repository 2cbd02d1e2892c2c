// The elementwise op after a GEMM that the CPU GEMM (fusor_rt_gemm_f32_fused) can apply as it
// stores C: a bias per row or per column of C, a residual (skip connection), then a clamp
// (relu, relu6, clip).
#pragma once

#include "RuntimeCalls.h"
#include "fusor/runtime/abi/Bits.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace mlir::fusor {

using ::fusor::abi::BiasKind;
using ::fusor::abi::kBiasNone;
using ::fusor::abi::kBiasPerColumn;
using ::fusor::abi::kBiasPerRow;

struct CpuEpilogue {
  linalg::GenericOp op;  // replaced by the epilogue
  Value output;          // op's result buffer, where the GEMM writes instead of C
  BiasKind biasKind = kBiasNone;
  Value bias;            // the bias buffer, when there is one
  Value residual;        // a buffer laid out as C, added after the bias, or null
  bool addsToOutput = false;  // the residual is the output: the GEMM accumulates into it
  Value lo, hi;          // f32 bounds, each a constant or a 0-d input; null: unbounded
};

// The all-parallel linalg.generic right after `contraction` (only views and allocations in
// between) that reads C, a rows x cols row-major matrix, once at each element, through
// reshapes of C, and writes the result to a contiguous buffer of as many elements, with a
// body of at most a bias add, a residual add and a clamp; C must have no other readers.
std::optional<CpuEpilogue> matchCpuEpilogue(Operation *contraction, Value c, int64_t rows, int64_t cols);

// `epilogue.output` reshaped to C's type, built before the epilogue op.
Value outputAsC(OpBuilder &b, const CpuEpilogue &epilogue, MemRefType cType);

// The f32 scalar operands lo and hi (±inf when unbounded), built before the epilogue op.
std::pair<Value, Value> boundsOf(OpBuilder &b, const CpuEpilogue &epilogue);

// The epilogue as the runtime kernels take it: the address of a fusor_rt_epilogue descriptor
// holding the bias kind and buffer, `residual` (null: none) and the bounds (unbounded, with no
// bias, for no epilogue).
Value epilogueDescriptor(OpBuilder &b, Location loc, const std::optional<CpuEpilogue> &epilogue, Value residual);

// A call to the runtime's `entry` (declared in `op`'s module) with `args`, then the epilogue's
// descriptor, whose residual is the epilogue's or, where it adds the output to itself, the
// written `result`; the epilogue op, if any, erased.
void callWithEpilogue(OpBuilder &b, Location loc, Operation *op, RuntimeEntry entry, SmallVectorImpl<Value> &args,
                      const std::optional<CpuEpilogue> &epilogue, Value result);

}  // namespace mlir::fusor
