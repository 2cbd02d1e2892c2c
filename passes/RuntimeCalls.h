// What the passes that turn linalg ops on buffers into calls to fusor's runtime share: the
// callee's declaration, and buffers as the pointer, offset and strides the runtime takes.
#pragma once

#include "fusor/runtime/abi/Entries.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::fusor {

using RuntimeEntry = ::fusor::abi::Entry;

// The runtime's `entry` declared in `module` (once), its type read off its C declaration
// (integers and addresses as i64, floats as f32): a call that disagrees fails verification.
func::FuncOp declareRuntimeFunction(ModuleOp module, RuntimeEntry entry);

// An i64 constant, as the runtime's calls take their sizes.
Value i64Constant(OpBuilder &b, Location loc, int64_t value);

// A pointer to, the offset of, and the strides of a buffer, as i64 values.
struct BufferView {
  Value pointer, offset;
  SmallVector<Value> strides;
};

BufferView viewOf(OpBuilder &b, Location loc, Value memref);

// A static shape with row-major strides (any offset): dense, as the runtime's kernels take.
bool isRowMajor(MemRefType type);

// The zero-fill of `buffer` just before `op` (only ops not touching the buffer in between).
linalg::FillOp zeroFillBefore(Operation *op, Value buffer);

// Whether `op`'s body is yield(out + in0 * in1), either way round (a contraction's, or a
// convolution's window sum).
bool isMultiplyAccumulate(linalg::GenericOp op);

// Whether some op after `from` and before `to` (in one block) may write or free the buffer
// `root`: a call (runtime calls take pointers), a dealloc, a copy into it, a destination-style
// op with it among its outputs, or any other op using it.
bool writtenBetween(Operation *from, Operation *to, Value root);

}  // namespace mlir::fusor
