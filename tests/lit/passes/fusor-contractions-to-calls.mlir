// RUN: fusor-opt --split-input-file --fusor-contractions-to-calls %s | FileCheck %s
// RUN: fusor-opt --split-input-file --fusor-contractions-to-calls=unit-stride-only %s | FileCheck %s --check-prefix=UNIT

// A zero fill just before the matmul becomes beta = 0 (the last argument) and goes away.
// CHECK-LABEL: func.func @zero_filled
// CHECK-NOT: linalg.fill
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: call @fusor_rt_gemm_f32({{.*}}, %[[ZERO]])
// UNIT-LABEL: func.func @zero_filled
// UNIT: call @fusor_rt_gemm_f32
func.func @zero_filled(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %c: memref<8x32xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<8x32xf32>)
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  return
}

// -----

// A broadcast operand (row stride 0) is fine for the CPU GEMM but not a BLAS layout.
// CHECK-LABEL: func.func @broadcast_rows
// CHECK: call @fusor_rt_gemm_f32
// UNIT-LABEL: func.func @broadcast_rows
// UNIT-NOT: call
// UNIT: linalg.matmul
func.func @broadcast_rows(%a: memref<8x16xf32, strided<[0, 1]>>, %b: memref<16x32xf32>, %c: memref<8x32xf32>) {
  linalg.matmul ins(%a, %b : memref<8x16xf32, strided<[0, 1]>>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  return
}
