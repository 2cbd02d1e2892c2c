// RUN: fusor-opt --fusor-contractions-to-calls="unit-stride-only epilogues" %s | FileCheck %s

#mn = affine_map<(d0, d1) -> (d0, d1)>
#n = affine_map<(d0, d1) -> (d1)>
#m = affine_map<(d0, d1) -> (d0)>

// A bias over n and a relu after a zero-filled GEMM: one call with epilogue bits 3 and the
// bias's pointer and offset; the elementwise op is gone, and the GEMM writes its output.
// CHECK-LABEL: func.func @bias_relu
// CHECK-DAG: %[[BITS:.*]] = arith.constant 3 : i64
// CHECK-DAG: %[[OUT:.*]] = memref.extract_aligned_pointer_as_index %arg4
// CHECK-DAG: %[[BIAS:.*]] = memref.extract_aligned_pointer_as_index %arg2
// CHECK: call @fusor_rt_gemm_f32_epilogue({{.*}}, %[[BITS]], %{{.*}}, %{{.*}})
// CHECK-NOT: linalg.
func.func @bias_relu(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %bias: memref<32xf32>, %c: memref<8x32xf32>,
                     %out: memref<8x32xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<8x32xf32>)
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mn, #n, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<8x32xf32>, memref<32xf32>) outs(%out : memref<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %y, %x : f32
    %r = arith.maximumf %s, %z : f32
    linalg.yield %r : f32
  }
  return
}

// A bias over m (per row) is not cuBLASLt's (per column of C): the op stays.
// CHECK-LABEL: func.func @bias_over_rows
// CHECK: call @fusor_rt_gemm_f32(
// CHECK: linalg.generic
func.func @bias_over_rows(%a: memref<8x16xf32>, %b: memref<16x8xf32>, %bias: memref<8xf32>, %c: memref<8x8xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<8x8xf32>)
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x8xf32>) outs(%c : memref<8x8xf32>)
  linalg.generic {indexing_maps = [#mn, #m, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<8x8xf32>, memref<8xf32>) outs(%c : memref<8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return
}

// Another activation (a sigmoid-like body), or a product read again later: the op stays.
// CHECK-LABEL: func.func @other_activation
// CHECK: call @fusor_rt_gemm_f32(
// CHECK: linalg.generic
// CHECK-LABEL: func.func @product_read_again
// CHECK: call @fusor_rt_gemm_f32(
// CHECK: linalg.generic
func.func @other_activation(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %c: memref<8x32xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<8x32xf32>)
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mn, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<8x32xf32>) outs(%c : memref<8x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  return
}
func.func @product_read_again(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %c: memref<8x32xf32>,
                              %out: memref<8x32xf32>, %copy: memref<8x32xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<8x32xf32>)
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mn, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<8x32xf32>) outs(%out : memref<8x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.maximumf %x, %z : f32
    linalg.yield %r : f32
  }
  memref.copy %c, %copy : memref<8x32xf32> to memref<8x32xf32>
  return
}

// The elementwise op writes the buffer A lives in (bufferization reused it: h = gelu(x W1) in
// the result, then h W2 + b into the result): the GEMM would overwrite A while reading it, so
// the op stays.
// CHECK-LABEL: func.func @output_is_a
// CHECK: call @fusor_rt_gemm_f32(
// CHECK: linalg.generic
func.func @output_is_a(%h: memref<8x32xf32>, %b: memref<32x32xf32>, %bias: memref<32xf32>, %c: memref<8x32xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<8x32xf32>)
  linalg.matmul ins(%h, %b : memref<8x32xf32>, memref<32x32xf32>) outs(%c : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mn, #n, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<8x32xf32>, memref<32xf32>) outs(%h : memref<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return
}
