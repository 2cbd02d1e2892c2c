// fusor-collapse-parallel-loops: each outermost multi-dimensional scf.parallel -> one
// dimension over the row-major linearized index.
#include "fusor/passes/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORCOLLAPSEPARALLELLOOPS
#include "fusor/passes/Passes.h.inc"

namespace {

struct CollapseParallelLoopsPass : impl::FusorCollapseParallelLoopsBase<CollapseParallelLoopsPass> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk([&](scf::ParallelOp op) {
      if (!op->getParentOfType<scf::ParallelOp>() && op.getNumLoops() > 1) outermost.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp op : outermost) {
      std::vector<unsigned> all(op.getNumLoops());
      for (unsigned i = 0; i < all.size(); ++i) all[i] = i;
      rewriter.setInsertionPoint(op);
      collapseParallelLoops(rewriter, op, {all});
    }
  }
};

}  // namespace
}  // namespace mlir::fusor
