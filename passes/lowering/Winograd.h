// Winograd F(2x2, 3x3) convolution (Lavin and Gray, 2015) in linalg: each 2x2 tile of the
// output takes 16 multiplies per input channel instead of 36, as 16 GEMMs of the transformed
// weights and input tiles between cheap add-only transforms.
#pragma once

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace mlir::fusor::lowering {

// Whether a conv2d of these types is better done this way: f32, one group, 3x3, unit strides
// and dilations, and enough output tiles and channels that the GEMMs dominate the transforms.
bool winogradSuits(RankedTensorType input, RankedTensorType weight, RankedTensorType result,
                   int64_t groups, ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations);

// The convolution of `input` [N, C, H, W] by `weight` [O, C, 3, 3] with `pads` (top, left,
// bottom, right), as `result` [N, O, OH, OW].
Value buildWinogradConv2d(OpBuilder &b, Location loc, Value input, Value weight,
                          RankedTensorType result, ArrayRef<int64_t> pads);

}  // namespace mlir::fusor::lowering
