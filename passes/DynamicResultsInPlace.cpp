// fusor-dynamic-results-in-place: `memref.copy %alloc, %out` into an output argument, where
// %alloc has `?` sizes, becomes %alloc replaced by %out.
#include "fusor/passes/Passes.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORDYNAMICRESULTSINPLACE
#include "fusor/passes/Passes.h.inc"

namespace {

struct DynamicResultsInPlacePass : impl::FusorDynamicResultsInPlaceBase<DynamicResultsInPlacePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal()) return;
    Block &body = func.getBody().front();
    SmallVector<memref::CopyOp> copies;
    for (auto copy : body.getOps<memref::CopyOp>()) {
      auto out = dyn_cast<BlockArgument>(copy.getTarget());
      auto alloc = copy.getSource().getDefiningOp<memref::AllocOp>();
      if (!out || out.getOwner() != &body || !alloc || alloc->getBlock() != &body ||
          alloc.getType() != out.getType() || alloc.getType().hasStaticShape())
        continue;
      // Nothing after the copy reads or writes the buffer but its release; nothing touches
      // the argument before the copy (it then holds the result throughout).
      bool ok = llvm::all_of(alloc->getUsers(), [&](Operation *user) {
        if (user == copy || isa<memref::DeallocOp>(user)) return true;
        Operation *inBody = body.findAncestorOpInBlock(*user);  // users inside loops count as the loop
        return inBody && inBody->isBeforeInBlock(copy);
      });
      ok = ok && llvm::all_of(out.getUsers(), [&](Operation *user) { return user == copy; });
      if (ok) copies.push_back(copy);
    }
    for (memref::CopyOp copy : copies) {
      auto alloc = copy.getSource().getDefiningOp<memref::AllocOp>();
      Value out = copy.getTarget();
      copy.erase();
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
        if (isa<memref::DeallocOp>(user)) user->erase();
      alloc.getResult().replaceAllUsesWith(out);
      alloc.erase();
    }
  }
};

}  // namespace
}  // namespace mlir::fusor
