// RUN: fusor-opt --fusor-lower-to-linalg %s | FileCheck %s

// torch.matmul as one linalg.generic over (batch..., m, n, k). B's size-1 batch dim, broadcast
// against A's 4, is reshaped away rather than read at index 0, so B's map omits d1 and every
// map stays a projected permutation (a contraction the GEMM rewrite takes).
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d3)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @broadcast_batch
// CHECK: %[[B3:.*]] = tensor.collapse_shape %arg1 {{\[}}[0], [1, 2], [3]] : tensor<2x1x7x3xf32> into tensor<2x7x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%arg0, %[[B3]] : tensor<2x4x5x7xf32>, tensor<2x7x3xf32>)
func.func @broadcast_batch(%a: tensor<2x4x5x7xf32>, %b: tensor<2x1x7x3xf32>) -> tensor<2x4x5x3xf32> {
  %0 = fusor.matmul %a, %b : tensor<2x4x5x7xf32>, tensor<2x1x7x3xf32> -> tensor<2x4x5x3xf32>
  return %0 : tensor<2x4x5x3xf32>
}
