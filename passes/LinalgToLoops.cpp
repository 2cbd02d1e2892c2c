// fusor-linalg-to-loops: linalg ops on buffers -> loops, parallel (scf.parallel) where the
// parallel iteration space is large enough to pay for sharing it between threads.
#include "fusor/passes/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORLINALGTOLOOPS
#include "fusor/passes/Passes.h.inc"

namespace {

// Iterations of the parallel loops, or 0 when any is dynamic.
int64_t parallelIterations(linalg::LinalgOp op) {
  int64_t n = 1;
  for (auto [range, kind] : llvm::zip(op.getStaticLoopRanges(), op.getIteratorTypesArray())) {
    if (ShapedType::isDynamic(range)) return 0;
    if (kind == utils::IteratorType::parallel) n *= range;
  }
  return n;
}

struct LinalgToLoopsPass : impl::FusorLinalgToLoopsBase<LinalgToLoopsPass> {
  using FusorLinalgToLoopsBase::FusorLinalgToLoopsBase;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      rewriter.setInsertionPoint(op);
      bool parallel = parallelIterations(op) >= parallelThreshold;
      FailureOr<linalg::LinalgLoops> loops = parallel ? linalg::linalgOpToParallelLoops(rewriter, op)
                                                      : linalg::linalgOpToLoops(rewriter, op);
      if (failed(loops)) {
        op->emitError("could not lower to loops");
        return signalPassFailure();
      }
      rewriter.eraseOp(op);
    }
    // Parallel dims after reduction dims (a depthwise convolution's output row) come out as
    // inner scf.parallel loops: they run sequentially in the thread of the outer one (nested
    // OpenMP regions would cost far more than they save), where LLVM vectorizes them.
    SmallVector<scf::ParallelOp> nested;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (loop->getParentOfType<scf::ParallelOp>()) nested.push_back(loop);
    });
    for (scf::ParallelOp loop : llvm::reverse(nested)) {
      rewriter.setInsertionPoint(loop);
      if (failed(scf::parallelForToNestedFors(rewriter, loop))) {
        loop->emitError("could not make an inner parallel loop sequential");
        return signalPassFailure();
      }
    }
  }
};

}  // namespace
}  // namespace mlir::fusor
