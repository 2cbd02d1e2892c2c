#include "RuntimeCalls.h"

#include "BufferRoots.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <type_traits>

namespace mlir::fusor {
namespace {

template <typename T>
Type typeOf(Builder &b) {
  if constexpr (std::is_same_v<T, float>) return b.getF32Type();
  else if constexpr (std::is_same_v<T, double>) return b.getF64Type();
  else if constexpr (std::is_pointer_v<T>) return b.getI64Type();  // a problem descriptor's address
  else {
    static_assert(std::is_integral_v<T> && sizeof(T) == 8, "runtime entries take 64-bit integers and addresses");
    return b.getI64Type();
  }
}

template <typename... Args>
FunctionType functionTypeOf(Builder &b, void (*)(Args...)) {
  return b.getFunctionType({typeOf<Args>(b)...}, {});
}

}  // namespace

func::FuncOp declareRuntimeFunction(ModuleOp module, RuntimeEntry entry) {
  StringRef name(::fusor::abi::entryName(entry));
  if (auto f = module.lookupSymbol<func::FuncOp>(name)) return f;
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToStart(module.getBody());
  FunctionType type;
  ::fusor::abi::forEachEntry([&]<typename Fn>(RuntimeEntry e, const char *, Fn *) {
    if (e == entry) type = functionTypeOf(b, static_cast<Fn *>(nullptr));
  });
  auto f = func::FuncOp::create(b, module.getLoc(), name, type);
  f.setPrivate();
  return f;
}

Descriptor::Descriptor(OpBuilder &b, Location loc, ArrayRef<bool> isFloat, ArrayRef<const char *> names)
    : b_(b), loc_(loc), isFloat_(isFloat), names_(names), isSet_(isFloat.size(), false) {
  Operation *scope = b.getInsertionBlock()->getParentOp();
  while (scope && !scope->hasTrait<OpTrait::AutomaticAllocationScope>()) scope = scope->getParentOp();
  if (!scope) llvm::report_fatal_error("internal error: a runtime call outside a function");
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&scope->getRegion(0).front());
  slot_ = memref::AllocaOp::create(b, loc, MemRefType::get({int64_t(isFloat.size())}, b.getI64Type()));
}

void Descriptor::set(int64_t field, Value value) {
  Type type = value.getType();
  if (isFloat_[field] != isa<FloatType>(type) || (!isa<FloatType>(type) && !type.isInteger(64)))
    llvm::report_fatal_error("internal error: a problem descriptor field of the wrong kind");
  if (type.isF32()) value = arith::ExtFOp::create(b_, loc_, b_.getF64Type(), value);
  if (isFloat_[field]) value = arith::BitcastOp::create(b_, loc_, b_.getI64Type(), value);
  Value index = arith::ConstantIndexOp::create(b_, loc_, field);
  auto store = memref::StoreOp::create(b_, loc_, value, slot_, ValueRange{index});
  store->setAttr("fusor.field", b_.getStringAttr(names_[field]));
  isSet_[field] = true;
}

Value Descriptor::address() {
  if (llvm::is_contained(isSet_, false)) llvm::report_fatal_error("internal error: a problem descriptor field unset");
  Value pointer = memref::ExtractAlignedPointerAsIndexOp::create(b_, loc_, slot_);
  return arith::IndexCastOp::create(b_, loc_, b_.getI64Type(), pointer);
}

Value i64Constant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(value)).getResult();
}

BufferView viewOf(OpBuilder &b, Location loc, Value memref) {
  auto i64 = b.getI64Type();
  auto cast = [&](Value v) { return arith::IndexCastOp::create(b, loc, i64, v).getResult(); };
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  BufferView view;
  view.pointer = cast(memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref));
  view.offset = cast(meta.getOffset());
  for (Value s : meta.getStrides()) view.strides.push_back(cast(s));
  return view;
}

bool isRowMajor(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset, expected = 1;
  if (!type.hasStaticShape() || failed(type.getStridesAndOffset(strides, offset))) return false;
  for (int64_t d = type.getRank() - 1; d >= 0; --d) {
    if (type.getDimSize(d) != 1 && strides[d] != expected) return false;
    expected *= type.getDimSize(d);
  }
  return true;
}

linalg::FillOp zeroFillBefore(Operation *op, Value buffer) {
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    if (auto fill = dyn_cast<linalg::FillOp>(prev); fill && fill.getOutputs()[0] == buffer) {
      auto value = fill.getInputs()[0].getDefiningOp<arith::ConstantOp>();
      auto f = value ? dyn_cast<FloatAttr>(value.getValue()) : nullptr;
      return f && f.getValue().isZero() ? fill : nullptr;
    }
    if (llvm::is_contained(prev->getOperands(), buffer)) return nullptr;
  }
  return nullptr;
}

bool isMultiplyAccumulate(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 || body.getOperations().size() != 3) return false;
  auto mul = dyn_cast<arith::MulFOp>(&body.front());
  auto add = dyn_cast<arith::AddFOp>(body.front().getNextNode());
  Value x = body.getArgument(0), y = body.getArgument(1), acc = body.getArgument(2);
  return mul && add && body.getTerminator()->getOperand(0) == add.getResult() &&
         ((mul.getLhs() == x && mul.getRhs() == y) || (mul.getLhs() == y && mul.getRhs() == x)) &&
         ((add.getLhs() == acc && add.getRhs() == mul) || (add.getLhs() == mul && add.getRhs() == acc));
}

bool writtenBetween(Operation *from, Operation *to, Value root) {
  auto rooted = [&](Value v) { return isa<MemRefType>(v.getType()) && bufferRootOf(v) == root; };
  for (Operation *op = from->getNextNode(); op && op != to; op = op->getNextNode()) {
    if (isInertOp(op)) continue;
    if (isa<func::CallOp>(op)) return true;
    if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
      if (rooted(dealloc.getMemref())) return true;
      continue;
    }
    if (auto copy = dyn_cast<memref::CopyOp>(op)) {
      if (rooted(copy.getTarget())) return true;
      continue;
    }
    if (auto dps = dyn_cast<DestinationStyleOpInterface>(op)) {
      if (llvm::any_of(dps.getDpsInits(), rooted)) return true;
      continue;
    }
    bool uses = false;
    op->walk([&](Operation *inner) { uses |= llvm::any_of(inner->getOperands(), rooted); });
    if (uses) return true;
  }
  return false;
}

}  // namespace mlir::fusor
