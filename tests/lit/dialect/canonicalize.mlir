// Tests fusor's folders and canonicalization patterns.
// RUN: fusor-opt %s --split-input-file --canonicalize | FileCheck %s

// tests that adding zero on either side folds away
// CHECK-LABEL: func.func @add_zero
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
// CHECK-NEXT: return %[[X]], %[[X]]
func.func @add_zero(%x: tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>) {
  %zero = fusor.constant dense<0.0> : tensor<4xf32>
  %0 = fusor.add %x, %zero : tensor<3x4xf32>, tensor<4xf32> -> tensor<3x4xf32>
  %1 = fusor.add %zero, %x : tensor<4xf32>, tensor<3x4xf32> -> tensor<3x4xf32>
  return %0, %1 : tensor<3x4xf32>, tensor<3x4xf32>
}

// -----

// tests that x + 0 stays when the zero broadcasts x to a larger shape
// CHECK-LABEL: func.func @add_zero_broadcasting
// CHECK: fusor.add
func.func @add_zero_broadcasting(%x: tensor<3x1xf32>) -> tensor<3x4xf32> {
  %zero = fusor.constant dense<0.0> : tensor<4xf32>
  %0 = fusor.add %x, %zero : tensor<3x1xf32>, tensor<4xf32> -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// tests that x * 1, 1 * x, x - 0 and x / 1 fold to x, for floats and integers
// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<5xf16>, %[[I:.*]]: tensor<2x5xi32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[I]], %[[I]]
func.func @identities(%x: tensor<5xf16>, %i: tensor<2x5xi32>)
    -> (tensor<5xf16>, tensor<5xf16>, tensor<2x5xi32>, tensor<2x5xi32>) {
  %one = fusor.constant dense<1.0> : tensor<f16>
  %izero = fusor.constant dense<0> : tensor<5xi32>
  %ione = fusor.constant dense<1> : tensor<i32>
  %0 = fusor.mul %x, %one : tensor<5xf16>, tensor<f16> -> tensor<5xf16>
  %1 = fusor.mul %one, %x : tensor<f16>, tensor<5xf16> -> tensor<5xf16>
  %2 = fusor.sub %i, %izero : tensor<2x5xi32>, tensor<5xi32> -> tensor<2x5xi32>
  %3 = fusor.div %i, %ione : tensor<2x5xi32>, tensor<i32> -> tensor<2x5xi32>
  return %0, %1, %2, %3 : tensor<5xf16>, tensor<5xf16>, tensor<2x5xi32>, tensor<2x5xi32>
}

// -----

// tests that x * 0 is kept (NaN * 0 is NaN)
// CHECK-LABEL: func.func @mul_zero_kept
// CHECK: fusor.mul
func.func @mul_zero_kept(%x: tensor<5xf32>) -> tensor<5xf32> {
  %zero = fusor.constant dense<0.0> : tensor<f32>
  %0 = fusor.mul %x, %zero : tensor<5xf32>, tensor<f32> -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// tests that two transposes become one, and that inverse transposes cancel
// CHECK-LABEL: func.func @double_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[T:.*]] = fusor.transpose %[[X]] perm = [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
// CHECK-NEXT: return %[[T]], %[[X]]
func.func @double_transpose(%x: tensor<2x3x4xf32>) -> (tensor<4x2x3xf32>, tensor<2x3x4xf32>) {
  %0 = fusor.transpose %x perm = [1, 0, 2] : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  %1 = fusor.transpose %0 perm = [2, 1, 0] : tensor<3x2x4xf32> -> tensor<4x2x3xf32>
  %2 = fusor.transpose %x perm = [1, 2, 0] : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
  %3 = fusor.transpose %2 perm = [2, 0, 1] : tensor<3x4x2xf32> -> tensor<2x3x4xf32>
  return %1, %3 : tensor<4x2x3xf32>, tensor<2x3x4xf32>
}

// -----

// tests that a transposed product becomes the product of transposed operands (read through
// strides by the GEMM), a transpose of a transpose cancelling; batch dims stay; a product with
// another use, or a transpose that moves batch dims, is left alone
// CHECK-LABEL: func.func @transposed_matmul
// CHECK-SAME: (%[[A:.*]]: tensor<5x3xf32>, %[[B:.*]]: tensor<5x4xf32>, %[[C:.*]]: tensor<2x3x6xf32>, %[[D:.*]]: tensor<2x6x7xf32>)
// CHECK-NEXT: %[[BT:.*]] = fusor.transpose %[[B]] perm = [1, 0] : tensor<5x4xf32> -> tensor<4x5xf32>
// CHECK-NEXT: %[[P:.*]] = fusor.matmul %[[BT]], %[[A]] : tensor<4x5xf32>, tensor<5x3xf32> -> tensor<4x3xf32>
// CHECK-NEXT: %[[DT:.*]] = fusor.transpose %[[D]] perm = [0, 2, 1] : tensor<2x6x7xf32> -> tensor<2x7x6xf32>
// CHECK-NEXT: %[[CT:.*]] = fusor.transpose %[[C]] perm = [0, 2, 1] : tensor<2x3x6xf32> -> tensor<2x6x3xf32>
// CHECK-NEXT: %[[Q:.*]] = fusor.matmul %[[DT]], %[[CT]] : tensor<2x7x6xf32>, tensor<2x6x3xf32> -> tensor<2x7x3xf32>
// CHECK-NEXT: %[[R:.*]] = fusor.matmul %[[C]], %[[D]]
// CHECK-NEXT: %[[RT:.*]] = fusor.transpose %[[R]] perm = [0, 2, 1]
// CHECK-NEXT: %[[S:.*]] = fusor.matmul %[[C]], %[[D]]
// CHECK-NEXT: %[[ST:.*]] = fusor.transpose %[[S]] perm = [1, 0, 2]
// CHECK-NEXT: return %[[P]], %[[Q]], %[[RT]], %[[R]], %[[ST]]
func.func @transposed_matmul(%a: tensor<5x3xf32>, %b: tensor<5x4xf32>, %c: tensor<2x3x6xf32>, %d: tensor<2x6x7xf32>)
    -> (tensor<4x3xf32>, tensor<2x7x3xf32>, tensor<2x7x3xf32>, tensor<2x3x7xf32>, tensor<3x2x7xf32>) {
  %at = fusor.transpose %a perm = [1, 0] : tensor<5x3xf32> -> tensor<3x5xf32>
  %0 = fusor.matmul %at, %b : tensor<3x5xf32>, tensor<5x4xf32> -> tensor<3x4xf32>
  %1 = fusor.transpose %0 perm = [1, 0] : tensor<3x4xf32> -> tensor<4x3xf32>
  %2 = fusor.matmul %c, %d : tensor<2x3x6xf32>, tensor<2x6x7xf32> -> tensor<2x3x7xf32>
  %3 = fusor.transpose %2 perm = [0, 2, 1] : tensor<2x3x7xf32> -> tensor<2x7x3xf32>
  %4 = fusor.matmul %c, %d : tensor<2x3x6xf32>, tensor<2x6x7xf32> -> tensor<2x3x7xf32>
  %5 = fusor.transpose %4 perm = [0, 2, 1] : tensor<2x3x7xf32> -> tensor<2x7x3xf32>
  %6 = fusor.matmul %c, %d : tensor<2x3x6xf32>, tensor<2x6x7xf32> -> tensor<2x3x7xf32>
  %7 = fusor.transpose %6 perm = [1, 0, 2] : tensor<2x3x7xf32> -> tensor<3x2x7xf32>
  return %1, %3, %5, %4, %7 : tensor<4x3xf32>, tensor<2x7x3xf32>, tensor<2x7x3xf32>, tensor<2x3x7xf32>, tensor<3x2x7xf32>
}

// -----

// tests that reshape of reshape becomes one reshape and a reshape back disappears
// CHECK-LABEL: func.func @double_reshape
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[R:.*]] = fusor.reshape %[[X]] : tensor<2x3x4xf32> -> tensor<4x6xf32>
// CHECK-NEXT: return %[[R]], %[[X]]
func.func @double_reshape(%x: tensor<2x3x4xf32>) -> (tensor<4x6xf32>, tensor<2x3x4xf32>) {
  %0 = fusor.reshape %x : tensor<2x3x4xf32> -> tensor<24xf32>
  %1 = fusor.reshape %0 : tensor<24xf32> -> tensor<4x6xf32>
  %2 = fusor.reshape %1 : tensor<4x6xf32> -> tensor<2x3x4xf32>
  return %1, %2 : tensor<4x6xf32>, tensor<2x3x4xf32>
}

// -----

// tests that small constant expressions fold, with broadcasting
// CHECK-LABEL: func.func @fold_arith
// CHECK-NEXT: %[[C:.*]] = fusor.constant dense<{{\[\[}}1.100000e+01, 2.100000e+01], [1.200000e+01, 2.200000e+01]]> : tensor<2x2xf32>
// CHECK-NEXT: return %[[C]]
func.func @fold_arith() -> tensor<2x2xf32> {
  %a = fusor.constant dense<[[1.0], [2.0]]> : tensor<2x1xf32>
  %b = fusor.constant dense<[10.0, 20.0]> : tensor<2xf32>
  %0 = fusor.add %a, %b : tensor<2x1xf32>, tensor<2xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// tests that unary math, comparisons and select fold on constants
// CHECK-LABEL: func.func @fold_math
// CHECK-DAG: fusor.constant dense<[1.000000e+00, 2.71828175]> : tensor<2xf32>
// CHECK-DAG: fusor.constant dense<[false, true]> : tensor<2xi1>
// CHECK-DAG: fusor.constant dense<[0.000000e+00, 5.000000e-01]> : tensor<2xf32>
// CHECK-NOT: fusor.{{exp|gt|select|relu}}
func.func @fold_math() -> (tensor<2xf32>, tensor<2xi1>, tensor<2xf32>) {
  %a = fusor.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %half = fusor.constant dense<0.5> : tensor<f32>
  %0 = fusor.exp %a : tensor<2xf32>
  %1 = fusor.gt %a, %half : tensor<2xf32>, tensor<f32> -> tensor<2xi1>
  %2 = fusor.select %1, %half, %a : tensor<2xi1>, tensor<f32>, tensor<2xf32> -> tensor<2xf32>
  %3 = fusor.relu %2 : tensor<2xf32>
  return %0, %1, %3 : tensor<2xf32>, tensor<2xi1>, tensor<2xf32>
}

// -----

// tests that integer folding wraps and casts truncate toward zero
// CHECK-LABEL: func.func @fold_int
// CHECK-DAG: fusor.constant dense<[-128, 0]> : tensor<2xi8>
// CHECK-DAG: fusor.constant dense<[-2, 3]> : tensor<2xi32>
func.func @fold_int() -> (tensor<2xi8>, tensor<2xi32>) {
  %a = fusor.constant dense<[127, -1]> : tensor<2xi8>
  %one = fusor.constant dense<1> : tensor<i8>
  %0 = fusor.add %a, %one : tensor<2xi8>, tensor<i8> -> tensor<2xi8>
  %f = fusor.constant dense<[-2.7, 3.9]> : tensor<2xf32>
  %1 = fusor.cast %f : tensor<2xf32> -> tensor<2xi32>
  return %0, %1 : tensor<2xi8>, tensor<2xi32>
}

// -----

// tests that integer division by zero is left for run time
// CHECK-LABEL: func.func @no_fold_div_by_zero
// CHECK: fusor.div
func.func @no_fold_div_by_zero() -> tensor<2xi32> {
  %a = fusor.constant dense<[4, 5]> : tensor<2xi32>
  %b = fusor.constant dense<[2, 0]> : tensor<2xi32>
  %0 = fusor.div %a, %b : tensor<2xi32>, tensor<2xi32> -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

// tests that splat operands fold whatever the size, and f16 results are rounded
// CHECK-LABEL: func.func @fold_splat
// CHECK-NEXT: %[[C:.*]] = fusor.constant dense<2.998050e-01> : tensor<4096x4096xf16>
// CHECK-NEXT: return %[[C]]
func.func @fold_splat() -> tensor<4096x4096xf16> {
  %a = fusor.constant dense<0.1> : tensor<4096x4096xf16>
  %b = fusor.constant dense<0.2> : tensor<f16>
  %0 = fusor.add %a, %b : tensor<4096x4096xf16>, tensor<f16> -> tensor<4096x4096xf16>
  return %0 : tensor<4096x4096xf16>
}

// -----

// tests that no-op shape ops and reductions over no dims fold away
// CHECK-LABEL: func.func @no_op_shapes
// CHECK-SAME: (%[[X:.*]]: tensor<4x5xf32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[X]], %[[X]], %[[X]]
func.func @no_op_shapes(%x: tensor<4x5xf32>)
    -> (tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>) {
  %0 = fusor.slice %x starts = [0, 0] stops = [4, 9223372036854775807] steps = [1, 1] : tensor<4x5xf32> -> tensor<4x5xf32>
  %1 = fusor.concat %0 dim = 1 : tensor<4x5xf32> -> tensor<4x5xf32>
  %2 = fusor.reduce_sum %1 dims = [] : tensor<4x5xf32> -> tensor<4x5xf32>
  %3 = fusor.broadcast_to %2 : tensor<4x5xf32> -> tensor<4x5xf32>
  %4 = fusor.cast %3 : tensor<4x5xf32> -> tensor<4x5xf32>
  %5 = fusor.transpose %4 perm = [0, 1] : tensor<4x5xf32> -> tensor<4x5xf32>
  %6 = fusor.max %5, %5 : tensor<4x5xf32>, tensor<4x5xf32> -> tensor<4x5xf32>
  return %2, %3, %4, %5, %6 : tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>
}
