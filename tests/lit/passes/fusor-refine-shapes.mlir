// Tests --fusor-refine-shapes: '?' sizes become static where operands determine them.
// RUN: fusor-opt %s --split-input-file --fusor-refine-shapes | FileCheck %s

// tests that static argument shapes flow through elementwise, matmul and reduction ops, and
// into the function's result types
// CHECK-LABEL: func.func @propagate
// CHECK-SAME: -> tensor<8xf32>
// CHECK: fusor.matmul {{.*}} -> tensor<8x32xf32>
// CHECK: fusor.exp {{.*}} : tensor<8x32xf32>
// CHECK: fusor.add {{.*}} -> tensor<8x32xf32>
// CHECK: fusor.reduce_sum {{.*}} -> tensor<8xf32>
// CHECK: return {{.*}} : tensor<8xf32>
func.func @propagate(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>, %b: tensor<32xf32>) -> tensor<?xf32> {
  %0 = fusor.matmul %x, %w : tensor<8x16xf32>, tensor<16x32xf32> -> tensor<?x?xf32>
  %1 = fusor.exp %0 : tensor<?x?xf32>
  %2 = fusor.add %1, %b : tensor<?x?xf32>, tensor<32xf32> -> tensor<?x32xf32>
  %3 = fusor.reduce_sum %2 dims = [1] : tensor<?x32xf32> -> tensor<?xf32>
  return %3 : tensor<?xf32>
}

// -----

// tests that reshape resolves its '?' from a static input, and cast keeps its element type
// CHECK-LABEL: func.func @reshape_and_cast
// CHECK: fusor.reshape {{.*}} : tensor<6x4xf32> -> tensor<12x2xf32>
// CHECK: fusor.cast {{.*}} : tensor<12x2xf32> -> tensor<12x2xf16>
func.func @reshape_and_cast(%x: tensor<6x4xf32>) -> tensor<?x2xf16> {
  %0 = fusor.reshape %x : tensor<6x4xf32> -> tensor<?x2xf32>
  %1 = fusor.cast %0 : tensor<?x2xf32> -> tensor<?x2xf16>
  return %1 : tensor<?x2xf16>
}

// -----

// tests that sizes still unknown stay dynamic
// CHECK-LABEL: func.func @stays_dynamic
// CHECK: fusor.add {{.*}} -> tensor<?x4xf32>
func.func @stays_dynamic(%x: tensor<?x4xf32>, %y: tensor<4xf32>) -> tensor<?x?xf32> {
  %0 = fusor.add %x, %y : tensor<?x4xf32>, tensor<4xf32> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// tests that a value used by a non-fusor op keeps its type, so the IR stays valid
// CHECK-LABEL: func.func @foreign_user
// CHECK: fusor.exp {{.*}} : tensor<?xf32>
// CHECK: tensor.dim
func.func @foreign_user(%x: tensor<3xf32>) -> index {
  %c0 = arith.constant 0 : index
  %y = fusor.cast %x : tensor<3xf32> -> tensor<?xf32>
  %0 = fusor.exp %y : tensor<?xf32>
  %1 = tensor.dim %0, %c0 : tensor<?xf32>
  return %1 : index
}
