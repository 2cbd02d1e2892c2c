// Lowering of the sliding-window ops (conv2d, max_pool2d, avg_pool2d) to linalg.
#pragma once

#include "mlir/IR/PatternMatch.h"

namespace mlir::fusor::lowering {

void populateWindowPatterns(RewritePatternSet &patterns);

}  // namespace mlir::fusor::lowering
