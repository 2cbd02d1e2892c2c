// fusor-approximate-math: f32 transcendental functions as polynomials, which vectorize.
#include "fusor/passes/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORAPPROXIMATEMATH
#include "fusor/passes/Passes.h.inc"

namespace {

struct ApproximateMathPass : impl::FusorApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, [](StringRef op) {
      return op == "math.exp" || op == "math.log" || op == "math.tanh";
    });
    populatePolynomialApproximateErfPattern(patterns);
    populatePolynomialApproximateErfcPattern(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) signalPassFailure();
  }
};

}  // namespace
}  // namespace mlir::fusor
