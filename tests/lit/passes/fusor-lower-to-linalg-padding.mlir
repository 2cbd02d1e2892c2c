// RUN: fusor-opt %s --fusor-lower-to-linalg --canonicalize | FileCheck %s

// Padding writes the input into the padded tensor, then fills only the border: one strip per
// padded side (here rows 0 and 6 of 7, columns 0 and 4..5 of 6), never the whole tensor.
// CHECK-LABEL: func.func @padded_pool
// CHECK-DAG: %[[NEG_INF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<1x2x7x6xf32>
// CHECK: %[[IN:.*]] = tensor.insert_slice %arg0 into %[[EMPTY]][0, 0, 1, 1] [1, 2, 5, 3] [1, 1, 1, 1]
// CHECK: %[[TOP:.*]] = tensor.extract_slice %[[IN]][0, 0, 0, 0] [1, 2, 1, 6] [1, 1, 1, 1]
// CHECK: linalg.fill ins(%[[NEG_INF]] : f32) outs(%[[TOP]] : tensor<1x2x1x6xf32>)
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 6, 0] [1, 2, 1, 6] [1, 1, 1, 1]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 2, 7, 1] [1, 1, 1, 1]
// CHECK: %[[RIGHT:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0, 4] [1, 2, 7, 2] [1, 1, 1, 1]
// CHECK: linalg.fill ins(%[[NEG_INF]] : f32) outs(%[[RIGHT]] : tensor<1x2x7x2xf32>)
// CHECK-NOT: linalg.fill {{.*}} tensor<1x2x7x6xf32>
func.func @padded_pool(%x: tensor<1x2x5x3xf32>) -> tensor<1x2x5x4xf32> {
  %y = fusor.max_pool2d %x kernel = [3, 3] strides = [1, 1] pads = [1, 1, 1, 2] dilations = [1, 1] ceil_mode = false
         : tensor<1x2x5x3xf32> -> tensor<1x2x5x4xf32>
  return %y : tensor<1x2x5x4xf32>
}
