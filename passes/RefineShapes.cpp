// fusor-refine-shapes: replaces result types by the more static ones the shape rules infer.
#include "fusor/ir/FusorOps.h"
#include "fusor/passes/Passes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/Iterators.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORREFINESHAPES
#include "fusor/passes/Passes.h.inc"

namespace {

// `refined` where it is compatible with `current` and static in a dim where `current` is not.
RankedTensorType moreStatic(RankedTensorType current, RankedTensorType refined) {
  if (!current || !refined || current.getElementType() != refined.getElementType() ||
      current.getRank() != refined.getRank())
    return nullptr;
  SmallVector<int64_t> dims(current.getShape());
  bool changed = false;
  for (auto [dim, r] : llvm::zip(dims, refined.getShape())) {
    if (ShapedType::isDynamic(dim) && !ShapedType::isDynamic(r)) dim = r, changed = true;
  }
  return changed ? RankedTensorType::get(dims, current.getElementType(), current.getEncoding())
                 : nullptr;
}

// Ops whose result type must stay as written: a user outside fusor (other than func.return)
// may insist on it, and a fusor op that repeats its operand's type must then keep it too.
llvm::DenseSet<Operation *> frozenOps(func::FuncOp func) {
  llvm::DenseSet<Operation *> frozen;
  // Users come after their producers, so a reverse walk sees each user's verdict first.
  func.walk<WalkOrder::PostOrder, ReverseIterator>([&](Operation *op) {
    bool keep = llvm::any_of(op->getUsers(), [&](Operation *user) {
      if (isa<func::ReturnOp>(user)) return false;
      if (!isa<FusorDialect>(user->getDialect())) return true;
      return user->hasTrait<OpTrait::SameOperandsAndResultType>() && frozen.contains(user);
    });
    if (keep) frozen.insert(op);
  });
  return frozen;
}

struct RefineShapesPass : impl::FusorRefineShapesBase<RefineShapesPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // One block, so one return: the function's result types can follow it.
    if (func.isExternal() || !func.getBody().hasOneBlock()) return;
    llvm::DenseSet<Operation *> frozen = frozenOps(func);
    func.walk([&](Operation *op) {
      if (!isa<FusorDialect>(op->getDialect()) || op->getNumResults() != 1 ||
          frozen.contains(op))
        return;
      auto current = dyn_cast<RankedTensorType>(op->getResult(0).getType());
      RankedTensorType inferred;
      if (auto iface = dyn_cast<InferResultTypeOpInterface>(op))
        inferred = iface.inferResultType().type;
      else if (op->hasTrait<OpTrait::SameOperandsAndResultType>())
        inferred = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
      if (RankedTensorType refined = moreStatic(current, inferred))
        op->getResult(0).setType(refined);
    });
    auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
    func.setType(
        FunctionType::get(&getContext(), func.getArgumentTypes(), ret.getOperandTypes()));
  }
};

}  // namespace
}  // namespace mlir::fusor
