// RUN: fusor-opt %s --fusor-lower-to-linalg=winograd-convs --canonicalize | FileCheck %s
// RUN: fusor-opt %s --fusor-lower-to-linalg --canonicalize | FileCheck %s --check-prefix=DIRECT

// A 3x3 convolution with 35 output tiles of 2x2 (9x13 cropped from 10x14) and 16 channels in
// and 24 out: the input is padded to 12x16 (one extra row and column of zeros for the odd
// sizes), its tiles go through B^T d B in one generic (16 reads, tagged for the CPU runtime),
// the weights through two 1-D passes, 16 GEMMs of [24 x 16] by [16 x 35] take the products,
// and one generic (also tagged) brings them back to 9x13.
// CHECK-LABEL: func.func @winograd
// CHECK: tensor.insert_slice %arg0 into %{{.*}}[0, 0, 1, 1] [1, 16, 9, 13] [1, 1, 1, 1] {{.*}} into tensor<1x16x12x16xf32>
// CHECK: %[[TILES:.*]] = linalg.generic {{.*}} ins(%[[P:[a-z_0-9]+]], %[[P]], %[[P]], %[[P]], %[[P]], %[[P]], %[[P]], %[[P]], %[[P]], %[[P]], %[[P]], %[[P]], %[[P]], %[[P]], %[[P]], %[[P]] : {{.*}} outs(%{{.*}} : tensor<4x4x16x1x5x7xf32>) attrs = {fusor.kernel = "winograd_input"}
// CHECK: %[[HALF:.*]] = linalg.generic {{.*}} ins(%arg1, %arg1, %arg1 : {{.*}} outs(%{{.*}} : tensor<4x24x16x3xf32>)
// CHECK: %[[KERNEL:.*]] = linalg.generic {{.*}} ins(%[[HALF]], %[[HALF]], %[[HALF]] : {{.*}} outs(%{{.*}} : tensor<4x4x24x16xf32>)
// CHECK-DAG: %[[LHS:.*]] = tensor.collapse_shape %[[KERNEL]] {{.*}} into tensor<16x24x16xf32>
// CHECK-DAG: %[[RHS:.*]] = tensor.collapse_shape %[[TILES]] {{.*}} into tensor<16x16x35xf32>
// CHECK: %[[PRODUCTS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[LHS]], %[[RHS]] : {{.*}} outs(%{{.*}} : tensor<16x24x35xf32>)
// CHECK: %[[SPLIT:.*]] = tensor.expand_shape %[[PRODUCTS]] {{.*}} into tensor<4x4x24x1x5x7xf32>
// CHECK: %[[OUT:.*]] = linalg.generic {{.*}} ins(%[[SPLIT]], {{.*}} outs(%{{.*}} : tensor<1x24x9x13xf32>) attrs = {fusor.kernel = "winograd_output"}
// CHECK: arith.remui
// CHECK: return %[[OUT]]
// DIRECT-LABEL: func.func @winograd
// DIRECT-NOT: tensor<4x4x
// DIRECT: tensor<1x1x16x3x3x9x13xf32>
func.func @winograd(%x: tensor<1x16x9x13xf32>, %w: tensor<24x16x3x3xf32>) -> tensor<1x24x9x13xf32> {
  %y = fusor.conv2d %x, %w strides = [1, 1] pads = [1, 1, 1, 1] dilations = [1, 1] groups = 1
         : tensor<1x16x9x13xf32>, tensor<24x16x3x3xf32> -> tensor<1x24x9x13xf32>
  return %y : tensor<1x24x9x13xf32>
}

// Too few tiles (4x4 outputs: 4 tiles), a stride of 2, or f64: im2col and one GEMM.
// CHECK-LABEL: func.func @direct
// CHECK-NOT: tensor<4x4x
// CHECK: return
func.func @direct(%x: tensor<1x16x4x4xf32>, %w: tensor<16x16x3x3xf32>, %y: tensor<1x16x20x20xf32>,
                  %z: tensor<1x16x20x20xf64>, %v: tensor<16x16x3x3xf64>)
    -> (tensor<1x16x4x4xf32>, tensor<1x16x10x10xf32>, tensor<1x16x20x20xf64>) {
  %a = fusor.conv2d %x, %w strides = [1, 1] pads = [1, 1, 1, 1] dilations = [1, 1] groups = 1
         : tensor<1x16x4x4xf32>, tensor<16x16x3x3xf32> -> tensor<1x16x4x4xf32>
  %b = fusor.conv2d %y, %w strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1] groups = 1
         : tensor<1x16x20x20xf32>, tensor<16x16x3x3xf32> -> tensor<1x16x10x10xf32>
  %c = fusor.conv2d %z, %v strides = [1, 1] pads = [1, 1, 1, 1] dilations = [1, 1] groups = 1
         : tensor<1x16x20x20xf64>, tensor<16x16x3x3xf64> -> tensor<1x16x20x20xf64>
  return %a, %b, %c : tensor<1x16x4x4xf32>, tensor<1x16x10x10xf32>, tensor<1x16x20x20xf64>
}
