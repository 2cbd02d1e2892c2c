// fusor-untie-shared-fills: one linalg.fill (on tensors) per user.
#include "fusor/passes/Passes.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORUNTIESHAREDFILLS
#include "fusor/passes/Passes.h.inc"

namespace {

struct UntieSharedFillsPass : impl::FusorUntieSharedFillsBase<UntieSharedFillsPass> {
  void runOnOperation() override {
    SmallVector<linalg::FillOp> shared;
    getOperation().walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics() && !fill->getResult(0).hasOneUse()) shared.push_back(fill);
    });
    for (linalg::FillOp fill : shared) {
      SmallVector<OpOperand *> uses(llvm::make_pointer_range(fill->getResult(0).getUses()));
      for (OpOperand *use : llvm::drop_begin(uses)) {
        OpBuilder b(use->getOwner());
        Value init = fill.getOutputs()[0];
        if (auto empty = init.getDefiningOp<tensor::EmptyOp>()) init = b.clone(*empty)->getResult(0);
        auto copy = linalg::FillOp::create(b, fill.getLoc(), fill.getInputs()[0], init);
        use->set(copy.getResult(0));
      }
    }
  }
};

}  // namespace
}  // namespace mlir::fusor
