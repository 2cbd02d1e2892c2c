// What the passes that turn linalg ops on buffers into calls to fusor's runtime share: the
// callee's declaration, and buffers as the pointer, offset and strides the runtime takes.
#pragma once

#include "fusor/runtime/abi/Entries.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::fusor {

using RuntimeEntry = ::fusor::abi::Entry;

// Says why an op that a *-to-calls pass recognized stays as it is: a remark
// "<pass>: left as it is: <why>" on the op, where the pass's `explain` option is set (so a
// lowering change that drops a kernel can be seen, not only measured). LLVM_DEBUG would be
// the usual way, but Debian's LLVM is built without assertions: -debug-only does not exist.
class DeclineExplainer {
 public:
  DeclineExplainer(StringRef pass, bool enabled) : pass_(pass), enabled_(enabled) {}
  void operator()(Operation *op, const Twine &why) const {
    if (enabled_) op->emitRemark() << pass_ << ": left as it is: " << why.str();
  }

 private:
  StringRef pass_;
  bool enabled_;
};

// The runtime's `entry` declared in `module` (once), its type read off its C declaration
// (integers and addresses as i64, floats as f32): a call that disagrees fails verification.
func::FuncOp declareRuntimeFunction(ModuleOp module, RuntimeEntry entry);

// A problem descriptor (fusor/runtime/abi/Calls.h) being filled for one call: a stack slot of
// its 8-byte fields, allocated where the enclosing function's automatic allocations go, each
// field stored by name before the call (integers as they are, f32 bounds widened to double),
// the store labelled {fusor.field = "name"}. address() is what the call takes. Setting a field
// with a value of the wrong kind, or taking the address with a field unset, is a fatal
// internal error.
class Descriptor {
 public:
  Descriptor(OpBuilder &b, Location loc, ArrayRef<bool> isFloat, ArrayRef<const char *> names);
  void set(int64_t field, Value value);
  Value address();

 private:
  OpBuilder &b_;
  Location loc_;
  ArrayRef<bool> isFloat_;
  ArrayRef<const char *> names_;
  SmallVector<bool> isSet_;
  Value slot_;
};

template <typename Field>
class Problem : Descriptor {
  using Table = ::fusor::abi::FieldTable<Field>;
  static constexpr size_t kFields = static_cast<size_t>(Field::kCount);

 public:
  Problem(OpBuilder &b, Location loc)
      : Descriptor(b, loc, ArrayRef<bool>(Table::isFloat, kFields), ArrayRef<const char *>(Table::names, kFields)) {}
  void set(Field field, Value value) { Descriptor::set(static_cast<int64_t>(field), value); }
  using Descriptor::address;
};

// An i64 constant, as the runtime's calls take their sizes.
Value i64Constant(OpBuilder &b, Location loc, int64_t value);

// A pointer to, the offset of, and the strides of a buffer, as i64 values.
struct BufferView {
  Value pointer, offset;
  SmallVector<Value> strides;
};

BufferView viewOf(OpBuilder &b, Location loc, Value memref);

// The input every convolution descriptor starts with: x's address, offset and NCHW strides.
template <typename Field>
void setInput(Problem<Field> &problem, const BufferView &x) {
  problem.set(Field::x, x.pointer), problem.set(Field::offsetX, x.offset);
  problem.set(Field::strideXN, x.strides[0]), problem.set(Field::strideXC, x.strides[1]);
  problem.set(Field::strideXH, x.strides[2]), problem.set(Field::strideXW, x.strides[3]);
}

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
