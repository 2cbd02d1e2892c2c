// fusor-fuse-elementwise: merges elementwise linalg.generic chains, and elementwise producers
// into reductions, but only where each producer element is still computed once.
#include "fusor/passes/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORFUSEELEMENTWISE
#include "fusor/passes/Passes.h.inc"

namespace {

// Fused bodies stop growing here: fusing a producer into each of its users copies its body,
// and chains of multi-use values would otherwise grow exponentially.
constexpr size_t kMaxFusedBodyOps = 256;

size_t bodySize(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  return linalgOp ? linalgOp.getBlock()->getOperations().size() : 0;
}

// Upstream's default also fuses a producer into a consumer that reads it through a projected
// map (a matmul's operand, say), which recomputes the producer once per missing loop: gelu
// fused into a matmul ran N times per element. Only a permutation map reads each element once.
// A producer with several users is fused into each of them (recomputed), as XLA and Inductor
// do: re-reading its inputs costs less memory traffic than writing and re-reading its result.
// That makes a row softmax three kernels (max, sum of exp, exp / sum) instead of four.
// (Unless one of the users cannot take it in: see computesEachElementOnce.)
// A producer that only moves elements (a transpose) computes nothing, so any consumer may
// read through it: a matmul then reads a transposed operand in place, which the GEMM call
// takes as strides, instead of a copy made on every run.
bool onlyMovesElements(Operation *producer) {
  auto generic = dyn_cast<linalg::GenericOp>(producer);
  if (!generic || generic.getNumDpsInputs() != 1 || bodySize(generic) != 1) return false;
  auto yield = cast<linalg::YieldOp>(generic.getBlock()->getTerminator());
  return yield.getNumOperands() == 1 && yield.getOperand(0) == generic.getBlock()->getArgument(0);
}

// Whether the consumer, reading the moved elements from where they are, still walks the
// source's contiguous dim along one of its own non-batch loops: a matmul then reads a matrix
// with a unit row or column stride, as a GEMM needs. (A batch dim innermost in memory would
// leave it none, and a copy is cheaper than the loops a GEMM could not take.)
bool keepsContiguousDimInMatrix(OpOperand *fused, linalg::GenericOp producer, linalg::LinalgOp consumer) {
  AffineMap produced = producer.getIndexingMapMatchingResult(cast<OpResult>(fused->get()));
  AffineMap read = producer.getMatchingIndexingMap(producer.getDpsInputOperand(0));
  if (!produced.isPermutation() || read.getNumResults() == 0) return false;
  AffineMap toSource = read.compose(inversePermutation(produced)).compose(consumer.getMatchingIndexingMap(fused));
  auto innermost = dyn_cast<AffineDimExpr>(toSource.getResults().back());
  if (!innermost) return false;
  return !llvm::all_of(consumer.getIndexingMapsArray(),
                       [&](AffineMap map) { return map.isFunctionOfDim(innermost.getPosition()); });
}

bool fusesInto(OpOperand *fused) {
  Operation *producer = fused->get().getDefiningOp();
  auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
  if (!producer || !consumer || bodySize(producer) + bodySize(consumer) > kMaxFusedBodyOps) return false;
  // An op a runtime kernel may replace (`fusor.kernel`, see Winograd.cpp) stays as it is; the
  // CPU pipeline matches an elementwise consumer of it as the kernel's epilogue instead.
  if (producer->hasAttr("fusor.kernel") || consumer->hasAttr("fusor.kernel")) return false;
  if (consumer.getMatchingIndexingMap(fused).isPermutation()) return true;
  return onlyMovesElements(producer) &&
         keepsContiguousDimInMatrix(fused, cast<linalg::GenericOp>(producer), consumer);
}

// A producer that one of its users cannot take in (a matmul, say, or the function's return)
// is written to memory anyway, so the others read it from there instead of recomputing it.
// Then a convolution's bias add stays beside the GEMM, whose epilogue it can become, instead
// of being copied into the residual add after it.
bool computesEachElementOnce(OpOperand *fused) {
  if (!fusesInto(fused)) return false;
  for (OpOperand &use : fused->get().getDefiningOp()->getUses())
    if (!fusesInto(&use)) return false;
  return true;
}

// Transposes as generics, so that they fuse into their readers like any elementwise op.
struct GeneralizeTranspose : OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::TransposeOp op, PatternRewriter &rewriter) const override {
    return linalg::generalizeNamedOp(rewriter, op);
  }
};

struct FuseElementwisePass : impl::FusorFuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<GeneralizeTranspose>(ctx);
    linalg::populateElementwiseOpsFusionPatterns(patterns, computesEachElementOnce);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::populateFoldTensorEmptyPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

}  // namespace
}  // namespace mlir::fusor
