// Lowering of the sliding-window ops (conv2d, max_pool2d, avg_pool2d) to linalg.
#pragma once

#include "mlir/IR/PatternMatch.h"

namespace mlir::fusor::lowering {

// `winograd`: 3x3 convolutions that suit it through Winograd's F(2x2, 3x3) (see Winograd.h).
void populateWindowPatterns(RewritePatternSet &patterns, bool winograd);

}  // namespace mlir::fusor::lowering
