// fusor-linalg-to-loops: linalg ops on buffers -> loops: the leading parallel dims of large
// ops shared between threads (scf.parallel), the rest plain loops, the innermost parallel one
// marked for vectorization; a reduction with its fill and elementwise consumer as one nest.
#include "fusor/passes/Passes.h"
#include "loops/LoopHints.h"
#include "loops/ReductionNests.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"  // a dependent dialect (loop annotations)
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORLINALGTOLOOPS
#include "fusor/passes/Passes.h.inc"

namespace {

LogicalResult toNestedFors(IRRewriter &rewriter, scf::ParallelOp loop) {
  FailureOr<scf::LoopNest> nest = scf::parallelForToNestedFors(rewriter, loop);
  if (failed(nest)) return failure();
  if (!nest->loops.empty()) markVectorizable(nest->loops.back());
  return success();
}

// How many leading dims of `loop` to share between threads: the fewest giving `minChunks`
// chunks of work, so the inner dims stay a plain loop nest that LLVM vectorizes (a collapsed
// OpenMP loop recomputes every index by division). Keeps the innermost dim inner whenever the
// dims before it give two chunks or more.
unsigned threadedDims(scf::ParallelOp loop, int64_t minChunks) {
  unsigned rank = loop.getNumLoops();
  int64_t chunks = 1;
  for (unsigned i = 0; i < rank; ++i) {
    std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound()[i]);
    std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound()[i]);
    std::optional<int64_t> step = getConstantIntValue(loop.getStep()[i]);
    if (!lb || !step || *step <= 0) return rank;
    chunks *= ub ? llvm::divideCeil(std::max<int64_t>(*ub - *lb, 0), *step) : kDynamicExtentHint;  // a `?` size
    if (chunks >= minChunks) return i + 1;
    if (i + 2 == rank && chunks >= 2) return rank - 1;
  }
  return rank;
}

// Splits `loop` into an scf.parallel over its first `outerDims` dims around a sequential
// nest over the rest.
LogicalResult splitParallelLoop(IRRewriter &rewriter, scf::ParallelOp loop, unsigned outerDims) {
  Location loc = loop.getLoc();
  auto take = [&](ValueRange values, bool outer) {
    return outer ? SmallVector<Value>(values.take_front(outerDims)) : SmallVector<Value>(values.drop_front(outerDims));
  };
  rewriter.setInsertionPoint(loop);
  auto outer = scf::ParallelOp::create(rewriter, loc, take(loop.getLowerBound(), true),
                                       take(loop.getUpperBound(), true), take(loop.getStep(), true));
  rewriter.setInsertionPointToStart(outer.getBody());
  auto inner = scf::ParallelOp::create(rewriter, loc, take(loop.getLowerBound(), false),
                                       take(loop.getUpperBound(), false), take(loop.getStep(), false));
  SmallVector<Value> ivs(outer.getInductionVars());
  llvm::append_range(ivs, inner.getInductionVars());
  rewriter.eraseOp(inner.getBody()->getTerminator());
  rewriter.mergeBlocks(loop.getBody(), inner.getBody(), ivs);
  rewriter.eraseOp(loop);
  rewriter.setInsertionPoint(inner);
  return toNestedFors(rewriter, inner);
}

struct LinalgToLoopsPass : impl::FusorLinalgToLoopsBase<LinalgToLoopsPass> {
  using FusorLinalgToLoopsBase::FusorLinalgToLoopsBase;

  void runOnOperation() override {
    lowerReductionNests(getOperation(), parallelThreshold);
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      rewriter.setInsertionPoint(op);
      bool parallel = worthThreads(op, parallelThreshold);
      FailureOr<linalg::LinalgLoops> loops = parallel ? linalg::linalgOpToParallelLoops(rewriter, op)
                                                      : linalg::linalgOpToLoops(rewriter, op);
      if (failed(loops)) {
        op->emitError("could not lower to loops");
        return signalPassFailure();
      }
      if (!parallel && !loops->empty() && op.getIteratorTypesArray().back() == utils::IteratorType::parallel)
        markVectorizable(loops->back());
      rewriter.eraseOp(op);
    }
    // Parallel dims after reduction dims come out as inner scf.parallel loops: they run
    // sequentially in the thread of the outer one (nested OpenMP regions would cost far more
    // than they save), where LLVM vectorizes them.
    SmallVector<scf::ParallelOp> nested;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (loop->getParentOfType<scf::ParallelOp>()) nested.push_back(loop);
    });
    for (scf::ParallelOp loop : llvm::reverse(nested)) {
      rewriter.setInsertionPoint(loop);
      if (failed(toNestedFors(rewriter, loop))) {
        loop->emitError("could not make an inner parallel loop sequential");
        return signalPassFailure();
      }
    }
    SmallVector<std::pair<scf::ParallelOp, unsigned>> wide;
    getOperation().walk([&](scf::ParallelOp loop) {
      unsigned threaded = threadedDims(loop, minChunks);
      if (loop.getNumResults() == 0 && threaded < loop.getNumLoops()) wide.push_back({loop, threaded});
    });
    for (auto [loop, threaded] : wide) {
      if (failed(splitParallelLoop(rewriter, loop, threaded))) {
        loop->emitError("could not make the inner dims of a parallel loop sequential");
        return signalPassFailure();
      }
    }
  }
};

}  // namespace
}  // namespace mlir::fusor
