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

// -----

// `?` sizes: the extents come from the buffers at run time. Two m dims (a batch and a
// sequence, both `?`) contiguous in A and C are one taller matrix: m = dim 0 x dim 1, no loop.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK-DAG: %[[D0:.*]] = memref.dim %arg0, %c0
// CHECK-DAG: %[[D1:.*]] = memref.dim %arg0, %c1
// CHECK-DAG: %[[M0:.*]] = arith.index_cast %[[D1]]
// CHECK-DAG: %[[M1:.*]] = arith.index_cast %[[D0]]
// CHECK: %[[M:.*]] = arith.muli %[[M0]], %[[M1]]
// CHECK-NOT: scf.for
// CHECK: call @fusor_rt_gemm_f32({{.*}}, %[[M]], %c32_i64, %c16_i64, %c0_i64)
#a = affine_map<(b, m, n, k) -> (b, m, k)>
#b = affine_map<(b, m, n, k) -> (k, n)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @dynamic_rows(%a: memref<?x?x16xf32>, %b: memref<16x32xf32>, %c: memref<?x?x32xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<?x?x32xf32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<?x?x16xf32>, memref<16x32xf32>) outs(%c : memref<?x?x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
