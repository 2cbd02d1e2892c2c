// fusor-vectorizer-friendly-forms: NaN-ignoring float max and min as LLVM's intrinsics, and
// booleans loaded and stored as bytes, so that LLVM's loop vectorizer takes the loops.
#include "fusor/passes/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORVECTORIZERFRIENDLYFORMS
#include "fusor/passes/Passes.h.inc"

namespace {

bool isBool(Type type) { return type.isInteger(1); }

struct VectorizerFriendlyFormsPass : impl::FusorVectorizerFriendlyFormsBase<VectorizerFriendlyFormsPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<arith::MaxNumFOp, arith::MinNumFOp>(op) && LLVM::isCompatibleType(op->getResult(0).getType()))
        ops.push_back(op);
      else if (auto load = dyn_cast<LLVM::LoadOp>(op); load && isBool(load.getType()))
        ops.push_back(op);
      else if (auto store = dyn_cast<LLVM::StoreOp>(op); store && isBool(store.getValue().getType()))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      OpBuilder b(op);
      Location loc = op->getLoc();
      if (auto load = dyn_cast<LLVM::LoadOp>(op)) {
        auto byte = LLVM::LoadOp::create(b, loc, b.getI8Type(), load.getAddr(), load.getAlignment().value_or(0),
                                         load.getVolatile_(), load.getNontemporal());
        load.replaceAllUsesWith(LLVM::TruncOp::create(b, loc, b.getI1Type(), byte).getResult());
      } else if (auto store = dyn_cast<LLVM::StoreOp>(op)) {
        Value byte = LLVM::ZExtOp::create(b, loc, b.getI8Type(), store.getValue());
        LLVM::StoreOp::create(b, loc, byte, store.getAddr(), store.getAlignment().value_or(0), store.getVolatile_(),
                              store.getNontemporal());
      } else {
        Value lhs = op->getOperand(0), rhs = op->getOperand(1);
        Value replacement = isa<arith::MaxNumFOp>(op) ? LLVM::MaxNumOp::create(b, loc, lhs, rhs).getResult()
                                                      : LLVM::MinNumOp::create(b, loc, lhs, rhs).getResult();
        op->getResult(0).replaceAllUsesWith(replacement);
      }
      op->erase();
    }
  }
};

}  // namespace
}  // namespace mlir::fusor
