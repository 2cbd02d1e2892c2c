// RUN: fusor-opt --split-input-file --verify-diagnostics --fusor-lower-to-linalg %s | FileCheck %s

// `?` sizes come from the operands that have them: an elementwise result's from the `?`
// operand (a static operand broadcasts as usual), a reduction's output from its input, a
// transpose's by its permutation, a reshape's expanded dims from the dims they keep.
// CHECK-LABEL: func.func @dynamic_sizes
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK: tensor.empty(%[[N]]) : tensor<?x16xf32>
// CHECK: linalg.generic {{.*}} ins(%arg0, %arg1 : tensor<?x16xf32>, tensor<16xf32>)
// CHECK: tensor.empty({{.*}}) : tensor<?xf32>
// CHECK: arith.uitofp {{.*}} : i64 to f32
// CHECK: tensor.expand_shape {{.*}} output_shape [{{.*}}, 1] : tensor<?xf32> into tensor<?x1xf32>
// CHECK: %[[B:.*]] = tensor.dim %arg2, %c0
// CHECK: %[[T:.*]] = tensor.dim %arg2, %c1
// CHECK: tensor.expand_shape %arg2 {{\[\[}}0], [1], [2, 3]] output_shape [%[[B]], %[[T]], 4, 8]
// CHECK: %[[B2:.*]] = tensor.dim %arg2, %c0
// CHECK: %[[T2:.*]] = tensor.dim %arg2, %c1
// CHECK: tensor.empty(%[[B2]], %[[T2]]) : tensor<?x32x?xf32>
// CHECK: linalg.transpose
func.func @dynamic_sizes(%x: tensor<?x16xf32>, %b: tensor<16xf32>, %q: tensor<?x?x32xf32>)
    -> (tensor<?x16xf32>, tensor<?x1xf32>, tensor<?x?x4x8xf32>, tensor<?x32x?xf32>) {
  %y = fusor.add %x, %b : tensor<?x16xf32>, tensor<16xf32> -> tensor<?x16xf32>
  %m = fusor.reduce_mean %y dims = [1] keepdim : tensor<?x16xf32> -> tensor<?x1xf32>
  %h = fusor.reshape %q : tensor<?x?x32xf32> -> tensor<?x?x4x8xf32>
  %t = fusor.transpose %q perm = [0, 2, 1] : tensor<?x?x32xf32> -> tensor<?x32x?xf32>
  return %y, %m, %h, %t : tensor<?x16xf32>, tensor<?x1xf32>, tensor<?x?x4x8xf32>, tensor<?x32x?xf32>
}

// -----

// A `?` size these patterns cannot derive (a broadcast from a static 1 to `?`) is left as it
// was, for the pass to report.
func.func @stretched_to_dynamic(%x: tensor<1x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{failed to legalize operation 'fusor.broadcast_to'}}
  %y = fusor.broadcast_to %x : tensor<1x4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
