// RUN: fusor-opt --fusor-contractions-to-calls="cpu-epilogues" --cse %s | FileCheck %s

#mn = affine_map<(d0, d1) -> (d0, d1)>
#n = affine_map<(d0, d1) -> (d1)>
#m = affine_map<(d0, d1) -> (d0)>
#nchw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#channel = affine_map<(d0, d1, d2, d3) -> (0, d1, 0, 0)>
#scalar = affine_map<(d0, d1, d2, d3) -> ()>

// A pointwise convolution as the GEMM sees it (C = 8 x 35, rows are channels) whose bias add
// and clip (bounds from 0-d buffers) read C through reshapes, as NCHW: the GEMM writes the
// clipped result to the op's output (reshaped to C's type), with bias kind 1 (per row) and the
// bounds loaded from their buffers.
// CHECK-LABEL: func.func @conv_bias_clip
// CHECK-DAG: %[[ROWS:.*]] = arith.constant 1 : i64
// CHECK-DAG: %[[LO:.*]] = memref.load %arg3[]
// CHECK-DAG: %[[HI:.*]] = memref.load %arg4[]
// CHECK-DAG: %[[FLAT:.*]] = memref.collapse_shape %arg5 {{\[}}[0, 1, 2, 3]]
// CHECK-DAG: %[[OUT:.*]] = memref.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [8, 35]
// CHECK-DAG: memref.extract_aligned_pointer_as_index %[[OUT]]
// CHECK-DAG: memref.store %[[ROWS]], %{{.*}} {fusor.field = "biasKind"}
// CHECK-DAG: %[[D1:.*]] = arith.extf %[[LO]] : f32 to f64
// CHECK-DAG: %[[B1:.*]] = arith.bitcast %[[D1]] : f64 to i64
// CHECK-DAG: memref.store %[[B1]], %{{.*}} {fusor.field = "lo"}
// CHECK-DAG: %[[D2:.*]] = arith.extf %[[HI]] : f32 to f64
// CHECK-DAG: %[[B2:.*]] = arith.bitcast %[[D2]] : f64 to i64
// CHECK-DAG: memref.store %[[B2]], %{{.*}} {fusor.field = "hi"}
// CHECK: call @fusor_rt_gemm_f32_fused({{.*}})
// CHECK-NOT: linalg.
func.func @conv_bias_clip(%w: memref<8x16xf32>, %x: memref<16x35xf32>, %bias: memref<8xf32>, %lo: memref<f32>,
                          %hi: memref<f32>, %out: memref<1x8x5x7xf32>) {
  %z = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<8x35xf32>
  linalg.fill ins(%z : f32) outs(%c : memref<8x35xf32>)
  linalg.matmul ins(%w, %x : memref<8x16xf32>, memref<16x35xf32>) outs(%c : memref<8x35xf32>)
  %flat = memref.collapse_shape %c [[0, 1]] : memref<8x35xf32> into memref<280xf32>
  %nchw = memref.expand_shape %flat [[0, 1, 2, 3]] output_shape [1, 8, 5, 7] : memref<280xf32> into memref<1x8x5x7xf32>
  %b4 = memref.expand_shape %bias [[0, 1, 2, 3]] output_shape [1, 8, 1, 1] : memref<8xf32> into memref<1x8x1x1xf32>
  linalg.generic {indexing_maps = [#nchw, #channel, #scalar, #scalar, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%nchw, %b4, %lo, %hi : memref<1x8x5x7xf32>, memref<1x8x1x1xf32>, memref<f32>, memref<f32>) outs(%out : memref<1x8x5x7xf32>) {
  ^bb0(%v: f32, %b: f32, %l: f32, %h: f32, %o: f32):
    %s = arith.addf %v, %b : f32
    %r = arith.maximumf %s, %l : f32
    %t = arith.minimumf %r, %h : f32
    linalg.yield %t : f32
  }
  memref.dealloc %c : memref<8x35xf32>
  return
}

// A linear layer: bias per column (kind 2), then a residual from another buffer, then relu.
// CHECK-LABEL: func.func @linear_bias_residual_relu
// CHECK-DAG: %[[COLUMNS:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[INF:.*]] = arith.constant 0x7F800000 : f32
// CHECK-DAG: %[[RESIDUAL:.*]] = memref.extract_aligned_pointer_as_index %arg3
// CHECK-DAG: %[[R64:.*]] = arith.index_cast %[[RESIDUAL]]
// CHECK-DAG: memref.store %[[COLUMNS]], %{{.*}} {fusor.field = "biasKind"}
// CHECK-DAG: memref.store %[[R64]], %{{.*}} {fusor.field = "residual"}
// CHECK-DAG: %[[D3:.*]] = arith.extf %[[ZERO]] : f32 to f64
// CHECK-DAG: %[[B3:.*]] = arith.bitcast %[[D3]] : f64 to i64
// CHECK-DAG: memref.store %[[B3]], %{{.*}} {fusor.field = "lo"}
// CHECK-DAG: %[[D4:.*]] = arith.extf %[[INF]] : f32 to f64
// CHECK-DAG: %[[B4:.*]] = arith.bitcast %[[D4]] : f64 to i64
// CHECK-DAG: memref.store %[[B4]], %{{.*}} {fusor.field = "hi"}
// CHECK: call @fusor_rt_gemm_f32_fused({{.*}})
// CHECK-NOT: linalg.
func.func @linear_bias_residual_relu(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %bias: memref<32xf32>,
                                     %skip: memref<8x32xf32>, %c: memref<8x32xf32>, %out: memref<8x32xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<8x32xf32>)
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mn, #n, #mn, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias, %skip : memref<8x32xf32>, memref<32xf32>, memref<8x32xf32>) outs(%out : memref<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %s: f32, %o: f32):
    %t = arith.addf %x, %y : f32
    %u = arith.addf %s, %t : f32
    %r = arith.maximumf %u, %z : f32
    linalg.yield %r : f32
  }
  return
}

// The residual is the output itself (bufferization reused the skip connection's buffer): the
// GEMM accumulates into it (accumulate = 1), with no residual pointer.
// CHECK-LABEL: func.func @residual_in_place
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-DAG: %[[NONE:.*]] = arith.constant 0 : i64
// CHECK-DAG: memref.store %[[ONE]], %{{.*}} {fusor.field = "biasKind"}
// CHECK-DAG: memref.store %[[NONE]], %{{.*}} {fusor.field = "residual"}
// CHECK-DAG: memref.store %[[NONE]], %{{.*}} {fusor.field = "residualOffset"}
// CHECK: call @fusor_rt_gemm_f32_fused({{.*}})
// CHECK-NOT: linalg.
func.func @residual_in_place(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %bias: memref<8xf32>, %c: memref<8x32xf32>,
                             %skip: memref<8x32xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<8x32xf32>)
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mn, #m, #mn, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias, %skip : memref<8x32xf32>, memref<8xf32>, memref<8x32xf32>) outs(%skip : memref<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %s: f32, %o: f32):
    %t = arith.addf %x, %y : f32
    %u = arith.addf %t, %s : f32
    linalg.yield %u : f32
  }
  return
}

// The bias added in place into C (bufferization's choice for a transformer's linear layer),
// whose result is read again: the GEMM writes C with the bias added, and the reader after it
// sees that either way.
// CHECK-LABEL: func.func @bias_in_place_read_again
// CHECK-DAG: %[[COLUMNS:.*]] = arith.constant 2 : i64
// CHECK-DAG: memref.store %[[COLUMNS]], %{{.*}} {fusor.field = "biasKind"}
// CHECK: call @fusor_rt_gemm_f32_fused({{.*}})
// CHECK-NOT: linalg.
// CHECK: memref.copy %arg3, %arg4
func.func @bias_in_place_read_again(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %bias: memref<32xf32>,
                                    %c: memref<8x32xf32>, %again: memref<8x32xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<8x32xf32>)
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#n, #mn, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%bias, %c : memref<32xf32>, memref<8x32xf32>) outs(%c : memref<8x32xf32>) {
  ^bb0(%y: f32, %x: f32, %o: f32):
    %t = arith.addf %y, %x : f32
    linalg.yield %t : f32
  }
  memref.copy %c, %again : memref<8x32xf32> to memref<8x32xf32>
  return
}

// Not epilogues: C read again after the op; a product (not a sum) with another input; the
// residual added before the bias (another order of the sum); a clamp with a bound that varies.
// CHECK-LABEL: func.func @product_read_again
// CHECK: call @fusor_rt_gemm_f32(
// CHECK: linalg.generic
// CHECK-LABEL: func.func @scaled
// CHECK: call @fusor_rt_gemm_f32(
// CHECK: linalg.generic
// CHECK-LABEL: func.func @residual_first
// CHECK: call @fusor_rt_gemm_f32(
// CHECK: linalg.generic
// CHECK-LABEL: func.func @varying_bound
// CHECK: call @fusor_rt_gemm_f32(
// CHECK: linalg.generic
func.func @product_read_again(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %c: memref<8x32xf32>,
                              %out: memref<8x32xf32>, %again: memref<8x32xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<8x32xf32>)
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mn, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<8x32xf32>) outs(%out : memref<8x32xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.maximumf %x, %z : f32
    linalg.yield %r : f32
  }
  memref.copy %c, %again : memref<8x32xf32> to memref<8x32xf32>
  return
}
func.func @scaled(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %scale: memref<32xf32>, %c: memref<8x32xf32>,
                  %out: memref<8x32xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<8x32xf32>)
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mn, #n, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%c, %scale : memref<8x32xf32>, memref<32xf32>) outs(%out : memref<8x32xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.mulf %x, %y : f32
    linalg.yield %r : f32
  }
  return
}
func.func @residual_first(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %bias: memref<32xf32>,
                          %skip: memref<8x32xf32>, %c: memref<8x32xf32>, %out: memref<8x32xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<8x32xf32>)
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mn, #mn, #n, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%c, %skip, %bias : memref<8x32xf32>, memref<8x32xf32>, memref<32xf32>) outs(%out : memref<8x32xf32>) {
  ^bb0(%x: f32, %s: f32, %y: f32, %o: f32):
    %t = arith.addf %x, %s : f32
    %u = arith.addf %t, %y : f32
    linalg.yield %u : f32
  }
  return
}
func.func @varying_bound(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %hi: memref<32xf32>, %c: memref<8x32xf32>,
                         %out: memref<8x32xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<8x32xf32>)
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mn, #n, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%c, %hi : memref<8x32xf32>, memref<32xf32>) outs(%out : memref<8x32xf32>) {
  ^bb0(%x: f32, %h: f32, %o: f32):
    %r = arith.minimumf %x, %h : f32
    linalg.yield %r : f32
  }
  return
}
