// Tests that lowering plus --fusor-fuse-elementwise turns fusor graphs into few kernels.
// RUN: fusor-opt %s --split-input-file --fusor-lower-to-linalg --canonicalize --fusor-fuse-elementwise | FileCheck %s

// tests that an elementwise chain becomes one loop nest
// CHECK-LABEL: func.func @chain
// CHECK-COUNT-1: linalg.generic
// CHECK-NOT: linalg.generic
func.func @chain(%x: tensor<64x33xf32>) -> tensor<64x33xf32> {
  %two = fusor.constant dense<2.0> : tensor<f32>
  %one = fusor.constant dense<1.0> : tensor<f32>
  %0 = fusor.mul %x, %two : tensor<64x33xf32>, tensor<f32> -> tensor<64x33xf32>
  %1 = fusor.add %0, %one : tensor<64x33xf32>, tensor<f32> -> tensor<64x33xf32>
  %2 = fusor.relu %1 : tensor<64x33xf32>
  %3 = fusor.exp %2 : tensor<64x33xf32>
  return %3 : tensor<64x33xf32>
}

// -----

// tests that a row softmax becomes three kernels: the max, the sum of exp, and exp / sum
// CHECK-LABEL: func.func @softmax
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT: linalg.generic
func.func @softmax(%x: tensor<8x1000xf32>) -> tensor<8x1000xf32> {
  %m = fusor.reduce_max %x dims = [1] keepdim : tensor<8x1000xf32> -> tensor<8x1xf32>
  %s = fusor.sub %x, %m : tensor<8x1000xf32>, tensor<8x1xf32> -> tensor<8x1000xf32>
  %e = fusor.exp %s : tensor<8x1000xf32>
  %t = fusor.reduce_sum %e dims = [1] keepdim : tensor<8x1000xf32> -> tensor<8x1xf32>
  %y = fusor.div %e, %t : tensor<8x1000xf32>, tensor<8x1xf32> -> tensor<8x1000xf32>
  return %y : tensor<8x1000xf32>
}

// -----

// tests that an elementwise producer is fused into a reduction, but not into a matmul, where
// it would be recomputed once per output column
// CHECK-LABEL: func.func @producers
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK: math.tanh
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-NOT: math.tanh
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: math.exp
func.func @producers(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>) -> (tensor<4x16xf32>, tensor<4xf32>) {
  %t = fusor.tanh %x : tensor<4x8xf32>
  %m = fusor.matmul %t, %w : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  %e = fusor.exp %x : tensor<4x8xf32>
  %s = fusor.reduce_sum %e dims = [1] : tensor<4x8xf32> -> tensor<4xf32>
  return %m, %s : tensor<4x16xf32>, tensor<4xf32>
}

// -----

// tests that a transpose only moves elements, so a matmul reads its input in place through a
// transposed map (the GEMM then takes it as strides) rather than a copy made on every run
// CHECK-LABEL: func.func @matmul_transposed
// CHECK-SAME: %[[X:[^:]*]]: tensor<8x16xf32>, %[[W:[^:]*]]: tensor<32x16xf32>
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[X]], %[[W]] : tensor<8x16xf32>, tensor<32x16xf32>)
// CHECK-NOT: linalg.generic
func.func @matmul_transposed(%x: tensor<8x16xf32>, %w: tensor<32x16xf32>) -> tensor<8x32xf32> {
  %wt = fusor.transpose %w perm = [1, 0] : tensor<32x16xf32> -> tensor<16x32xf32>
  %y = fusor.matmul %x, %wt : tensor<8x16xf32>, tensor<16x32xf32> -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}

// -----

// tests that a permutation putting the contiguous dim of its input on a matmul's batch dim
// stays a copy: read in place, no matrix of the batched GEMM would have a unit stride
// CHECK-LABEL: func.func @batch_dim_innermost
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{[^ ]*}} : tensor<8x16x4xf32>)
// CHECK: linalg.generic
func.func @batch_dim_innermost(%x: tensor<8x16x4xf32>, %w: tensor<4x16x32xf32>) -> tensor<4x8x32xf32> {
  %xt = fusor.transpose %x perm = [2, 0, 1] : tensor<8x16x4xf32> -> tensor<4x8x16xf32>
  %y = fusor.matmul %xt, %w : tensor<4x8x16xf32>, tensor<4x16x32xf32> -> tensor<4x8x32xf32>
  return %y : tensor<4x8x32xf32>
}
