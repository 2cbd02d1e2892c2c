#include "loops/LoopHints.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::fusor {

bool worthThreads(linalg::LinalgOp op, int64_t threshold) {
  int64_t parallel = 1, all = 1;
  for (auto [staticRange, kind] : llvm::zip(op.getStaticLoopRanges(), op.getIteratorTypesArray())) {
    int64_t range = extentHint(staticRange);
    all *= range;
    if (kind == utils::IteratorType::parallel) parallel *= range;
  }
  return parallel >= 2 && all >= threshold;
}

void markVectorizable(Operation *loop) {
  MLIRContext *ctx = loop->getContext();
  auto vectorize = LLVM::LoopVectorizeAttr::get(ctx, /*disable=*/BoolAttr::get(ctx, false), {}, {}, {}, {}, {}, {});
  auto annotation = LLVM::LoopAnnotationAttr::get(ctx, {}, vectorize, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {},
                                                  {}, {});
  loop->setAttr(LLVM::LoopAnnotationAttr::getMnemonic(), annotation);
}

}  // namespace mlir::fusor
