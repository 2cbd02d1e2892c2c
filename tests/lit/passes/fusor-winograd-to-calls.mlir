// RUN: fusor-opt --fusor-winograd-to-calls --cse %s | FileCheck %s

#t0 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d2, d4 * 2 + 0, d5 * 2 + 0)>
#t1 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d2, d4 * 2 + 0, d5 * 2 + 1)>
#t2 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d2, d4 * 2 + 0, d5 * 2 + 2)>
#t3 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d2, d4 * 2 + 0, d5 * 2 + 3)>
#t4 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d2, d4 * 2 + 1, d5 * 2 + 0)>
#t5 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d2, d4 * 2 + 1, d5 * 2 + 1)>
#t6 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d2, d4 * 2 + 1, d5 * 2 + 2)>
#t7 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d2, d4 * 2 + 1, d5 * 2 + 3)>
#t8 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d2, d4 * 2 + 2, d5 * 2 + 0)>
#t9 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d2, d4 * 2 + 2, d5 * 2 + 1)>
#t10 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d2, d4 * 2 + 2, d5 * 2 + 2)>
#t11 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d2, d4 * 2 + 2, d5 * 2 + 3)>
#t12 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d2, d4 * 2 + 3, d5 * 2 + 0)>
#t13 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d2, d4 * 2 + 3, d5 * 2 + 1)>
#t14 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d2, d4 * 2 + 3, d5 * 2 + 2)>
#t15 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d2, d4 * 2 + 3, d5 * 2 + 3)>
#g0 = affine_map<(d0, d1, d2, d3) -> (d1, d2, 0, d3)>
#g1 = affine_map<(d0, d1, d2, d3) -> (d1, d2, 1, d3)>
#g2 = affine_map<(d0, d1, d2, d3) -> (d1, d2, 2, d3)>
#h0 = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, 0)>
#h1 = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, 1)>
#h2 = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, 2)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#tiles = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4, d5)>
#o0 = affine_map<(d0, d1, d2, d3) -> (0, 0, d1, d0, d2 floordiv 2, d3 floordiv 2)>
#o1 = affine_map<(d0, d1, d2, d3) -> (0, 1, d1, d0, d2 floordiv 2, d3 floordiv 2)>
#o2 = affine_map<(d0, d1, d2, d3) -> (0, 2, d1, d0, d2 floordiv 2, d3 floordiv 2)>
#o3 = affine_map<(d0, d1, d2, d3) -> (0, 3, d1, d0, d2 floordiv 2, d3 floordiv 2)>
#o4 = affine_map<(d0, d1, d2, d3) -> (1, 0, d1, d0, d2 floordiv 2, d3 floordiv 2)>
#o5 = affine_map<(d0, d1, d2, d3) -> (1, 1, d1, d0, d2 floordiv 2, d3 floordiv 2)>
#o6 = affine_map<(d0, d1, d2, d3) -> (1, 2, d1, d0, d2 floordiv 2, d3 floordiv 2)>
#o7 = affine_map<(d0, d1, d2, d3) -> (1, 3, d1, d0, d2 floordiv 2, d3 floordiv 2)>
#o8 = affine_map<(d0, d1, d2, d3) -> (2, 0, d1, d0, d2 floordiv 2, d3 floordiv 2)>
#o9 = affine_map<(d0, d1, d2, d3) -> (2, 1, d1, d0, d2 floordiv 2, d3 floordiv 2)>
#o10 = affine_map<(d0, d1, d2, d3) -> (2, 2, d1, d0, d2 floordiv 2, d3 floordiv 2)>
#o11 = affine_map<(d0, d1, d2, d3) -> (2, 3, d1, d0, d2 floordiv 2, d3 floordiv 2)>
#o12 = affine_map<(d0, d1, d2, d3) -> (3, 0, d1, d0, d2 floordiv 2, d3 floordiv 2)>
#o13 = affine_map<(d0, d1, d2, d3) -> (3, 1, d1, d0, d2 floordiv 2, d3 floordiv 2)>
#o14 = affine_map<(d0, d1, d2, d3) -> (3, 2, d1, d0, d2 floordiv 2, d3 floordiv 2)>
#o15 = affine_map<(d0, d1, d2, d3) -> (3, 3, d1, d0, d2 floordiv 2, d3 floordiv 2)>
#nchw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#channel = affine_map<(d0, d1, d2, d3) -> (0, d1, 0, 0)>
#lhs = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#rhs = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
#acc = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>

// The input transform: the padded input's pointer, offset and strides, then n = 1, c = 16,
// 5 x 7 tiles, and the tiles' buffer. (The tagged generics' bodies, the transform as loops, do
// not matter to the pass.)
// CHECK-LABEL: func.func @input_transform
// CHECK-DAG: %[[X:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK-DAG: %[[XI:.*]] = arith.index_cast %[[X]]
// CHECK-DAG: %[[V:.*]] = memref.extract_aligned_pointer_as_index %arg1
// CHECK-DAG: %[[VI:.*]] = arith.index_cast %[[V]]
// CHECK: call @fusor_rt_winograd_input_f32(%[[XI]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c1_i64, %c16_i64, %c5_i64, %c7_i64, %[[VI]], %{{.*}})
// CHECK-NOT: linalg.generic
func.func @input_transform(%padded: memref<1x16x12x16xf32>, %tiles: memref<4x4x16x1x5x7xf32>) {
  linalg.generic {indexing_maps = [#t0, #t1, #t2, #t3, #t4, #t5, #t6, #t7, #t8, #t9, #t10, #t11, #t12, #t13, #t14, #t15, #tiles], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded : memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>) outs(%tiles : memref<4x4x16x1x5x7xf32>) attrs = {fusor.kernel = "winograd_input"} {
  ^bb0(%a0: f32, %a1: f32, %a2: f32, %a3: f32, %a4: f32, %a5: f32, %a6: f32, %a7: f32, %a8: f32, %a9: f32,
       %a10: f32, %a11: f32, %a12: f32, %a13: f32, %a14: f32, %a15: f32, %o: f32):
    linalg.yield %a0 : f32
  }
  return
}

// The output transform, then a bias per channel and relu in place: one call, with bias kind 1
// and bounds [0, inf), writing the result.
// CHECK-LABEL: func.func @output_transform_bias_relu
// CHECK-DAG: %[[M:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK-DAG: %[[MI:.*]] = arith.index_cast %[[M]]
// CHECK-DAG: %[[Y:.*]] = memref.extract_aligned_pointer_as_index %arg2
// CHECK-DAG: %[[YI:.*]] = arith.index_cast %[[Y]]
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[INF:.*]] = arith.constant 0x7F800000 : f32
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "biasKind"}
// CHECK-DAG: memref.store %c0_i64, %{{.*}} {fusor.field = "residual"}
// CHECK-DAG: memref.store %c0_i64, %{{.*}} {fusor.field = "residualOffset"}
// CHECK-DAG: %[[D7:.*]] = arith.extf %[[ZERO]] : f32 to f64
// CHECK-DAG: %[[B7:.*]] = arith.bitcast %[[D7]] : f64 to i64
// CHECK-DAG: memref.store %[[B7]], %{{.*}} {fusor.field = "lo"}
// CHECK-DAG: %[[D8:.*]] = arith.extf %[[INF]] : f32 to f64
// CHECK-DAG: %[[B8:.*]] = arith.bitcast %[[D8]] : f64 to i64
// CHECK-DAG: memref.store %[[B8]], %{{.*}} {fusor.field = "hi"}
// CHECK: call @fusor_rt_winograd_output_f32(%[[MI]], %{{.*}}, %c1_i64, %c24_i64, %c5_i64, %c7_i64, %[[YI]], %{{.*}}, %c9_i64, %c13_i64, %{{.*}})
// CHECK-NOT: linalg.generic
func.func @output_transform_bias_relu(%products: memref<4x4x24x1x5x7xf32>, %bias: memref<24xf32>, %y: memref<1x24x9x13xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#o0, #o1, #o2, #o3, #o4, #o5, #o6, #o7, #o8, #o9, #o10, #o11, #o12, #o13, #o14, #o15, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products : memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>) outs(%y : memref<1x24x9x13xf32>) attrs = {fusor.kernel = "winograd_output"} {
  ^bb0(%a0: f32, %a1: f32, %a2: f32, %a3: f32, %a4: f32, %a5: f32, %a6: f32, %a7: f32, %a8: f32, %a9: f32,
       %a10: f32, %a11: f32, %a12: f32, %a13: f32, %a14: f32, %a15: f32, %o: f32):
    linalg.yield %a0 : f32
  }
  %b4 = memref.expand_shape %bias [[0, 1, 2, 3]] output_shape [1, 24, 1, 1] : memref<24xf32> into memref<1x24x1x1xf32>
  linalg.generic {indexing_maps = [#nchw, #channel, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y, %b4 : memref<1x24x9x13xf32>, memref<1x24x1x1xf32>) outs(%y : memref<1x24x9x13xf32>) {
  ^bb0(%v: f32, %b: f32, %o: f32):
    %s = arith.addf %v, %b : f32
    %r = arith.maximumf %s, %z : f32
    linalg.yield %r : f32
  }
  return
}

// Untagged, or with products that are also the output's memory: left as generics.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: call
// CHECK: linalg.generic
// CHECK: linalg.generic
func.func @left_alone(%padded: memref<1x16x12x16xf32>, %tiles: memref<4x4x16x1x5x7xf32>, %buffer: memref<20000xf32>) {
  linalg.generic {indexing_maps = [#t0, #t1, #t2, #t3, #t4, #t5, #t6, #t7, #t8, #t9, #t10, #t11, #t12, #t13, #t14, #t15, #tiles], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded : memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>) outs(%tiles : memref<4x4x16x1x5x7xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32, %a3: f32, %a4: f32, %a5: f32, %a6: f32, %a7: f32, %a8: f32, %a9: f32,
       %a10: f32, %a11: f32, %a12: f32, %a13: f32, %a14: f32, %a15: f32, %o: f32):
    linalg.yield %a0 : f32
  }
  %flat = memref.subview %buffer[0] [13440] [1] : memref<20000xf32> to memref<13440xf32, strided<[1]>>
  %m = memref.subview %buffer[14000] [2808] [1] : memref<20000xf32> to memref<2808xf32, strided<[1], offset: 14000>>
  %products = memref.expand_shape %flat [[0, 1, 2, 3, 4, 5]] output_shape [4, 4, 24, 1, 5, 7] : memref<13440xf32, strided<[1]>> into memref<4x4x24x1x5x7xf32>
  %y = memref.expand_shape %m [[0, 1, 2, 3]] output_shape [1, 24, 9, 13] : memref<2808xf32, strided<[1], offset: 14000>> into memref<1x24x9x13xf32, strided<[2808, 117, 13, 1], offset: 14000>>
  linalg.generic {indexing_maps = [#o0, #o1, #o2, #o3, #o4, #o5, #o6, #o7, #o8, #o9, #o10, #o11, #o12, #o13, #o14, #o15, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products : memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>) outs(%y : memref<1x24x9x13xf32, strided<[2808, 117, 13, 1], offset: 14000>>) attrs = {fusor.kernel = "winograd_output"} {
  ^bb0(%a0: f32, %a1: f32, %a2: f32, %a3: f32, %a4: f32, %a5: f32, %a6: f32, %a7: f32, %a8: f32, %a9: f32,
       %a10: f32, %a11: f32, %a12: f32, %a13: f32, %a14: f32, %a15: f32, %o: f32):
    linalg.yield %a0 : f32
  }
  return
}

// The whole chain (input transform, the 16 GEMMs as a batched matmul, output transform) on
// buffers of its own: one call (n = 1, c = 16, 5 x 7 tiles, o = 24, a 9 x 13 output, no
// epilogue), and the tiles, products and their deallocations gone.
// CHECK-LABEL: func.func @whole_convolution
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "batch"}
// CHECK-DAG: memref.store %c16_i64, %{{.*}} {fusor.field = "channels"}
// CHECK-DAG: memref.store %c5_i64, %{{.*}} {fusor.field = "tilesH"}
// CHECK-DAG: memref.store %c7_i64, %{{.*}} {fusor.field = "tilesW"}
// CHECK-DAG: memref.store %c0_i64, %{{.*}} {fusor.field = "rawWeights"}
// CHECK-DAG: memref.store %c24_i64, %{{.*}} {fusor.field = "outChannels"}
// CHECK-DAG: memref.store %c9_i64, %{{.*}} {fusor.field = "outHeight"}
// CHECK-DAG: memref.store %c13_i64, %{{.*}} {fusor.field = "outWidth"}
// CHECK-DAG: memref.store %c0_i64, %{{.*}} {fusor.field = "biasKind"}
// CHECK: call @fusor_rt_winograd_conv3x3_f32(%{{.*}}, %{{.*}})
// CHECK-NOT: linalg.
// CHECK-NOT: memref.alloc()
// CHECK-NOT: memref.dealloc
// CHECK: return
func.func @whole_convolution(%padded: memref<1x16x12x16xf32>, %u: memref<16x24x16xf32>, %y: memref<1x24x9x13xf32>) {
  %z = arith.constant 0.0 : f32
  %tiles = memref.alloc() : memref<4x4x16x1x5x7xf32>
  linalg.generic {indexing_maps = [#t0, #t1, #t2, #t3, #t4, #t5, #t6, #t7, #t8, #t9, #t10, #t11, #t12, #t13, #t14, #t15, #tiles], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded : memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>) outs(%tiles : memref<4x4x16x1x5x7xf32>) attrs = {fusor.kernel = "winograd_input"} {
  ^bb0(%a0: f32, %a1: f32, %a2: f32, %a3: f32, %a4: f32, %a5: f32, %a6: f32, %a7: f32, %a8: f32, %a9: f32,
       %a10: f32, %a11: f32, %a12: f32, %a13: f32, %a14: f32, %a15: f32, %o: f32):
    linalg.yield %a0 : f32
  }
  %v = memref.collapse_shape %tiles [[0, 1], [2], [3, 4, 5]] : memref<4x4x16x1x5x7xf32> into memref<16x16x35xf32>
  %m = memref.alloc() : memref<16x24x35xf32>
  linalg.fill ins(%z : f32) outs(%m : memref<16x24x35xf32>)
  linalg.generic {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%u, %v : memref<16x24x16xf32>, memref<16x16x35xf32>) outs(%m : memref<16x24x35xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  %products = memref.expand_shape %m [[0, 1], [2], [3, 4, 5]] output_shape [4, 4, 24, 1, 5, 7] : memref<16x24x35xf32> into memref<4x4x24x1x5x7xf32>
  linalg.generic {indexing_maps = [#o0, #o1, #o2, #o3, #o4, #o5, #o6, #o7, #o8, #o9, #o10, #o11, #o12, #o13, #o14, #o15, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products : memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>) outs(%y : memref<1x24x9x13xf32>) attrs = {fusor.kernel = "winograd_output"} {
  ^bb0(%a0: f32, %a1: f32, %a2: f32, %a3: f32, %a4: f32, %a5: f32, %a6: f32, %a7: f32, %a8: f32, %a9: f32,
       %a10: f32, %a11: f32, %a12: f32, %a13: f32, %a14: f32, %a15: f32, %o: f32):
    linalg.yield %a0 : f32
  }
  memref.dealloc %tiles : memref<4x4x16x1x5x7xf32>
  memref.dealloc %m : memref<16x24x35xf32>
  return
}

// The weights transformed by the two tagged generics into buffers only the chain reads: the
// call takes the weights as they are (the flag after them is 1) and transforms them itself;
// the transforms and their buffers go.
// CHECK-LABEL: func.func @raw_weights
// CHECK: %[[W:.*]] = memref.extract_aligned_pointer_as_index %arg1
// CHECK: %[[WI:.*]] = arith.index_cast %[[W]]
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "batch"}
// CHECK-DAG: memref.store %c16_i64, %{{.*}} {fusor.field = "channels"}
// CHECK-DAG: memref.store %c5_i64, %{{.*}} {fusor.field = "tilesH"}
// CHECK-DAG: memref.store %c7_i64, %{{.*}} {fusor.field = "tilesW"}
// CHECK-DAG: memref.store %[[WI]], %{{.*}} {fusor.field = "u"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "rawWeights"}
// CHECK-DAG: memref.store %c24_i64, %{{.*}} {fusor.field = "outChannels"}
// CHECK: call @fusor_rt_winograd_conv3x3_f32(%{{.*}}, %{{.*}})
// CHECK-NOT: linalg.
// CHECK-NOT: memref.alloc()
// CHECK: return
func.func @raw_weights(%padded: memref<1x16x12x16xf32>, %w: memref<24x16x3x3xf32>, %y: memref<1x24x9x13xf32>) {
  %z = arith.constant 0.0 : f32
  %half = memref.alloc() : memref<4x24x16x3xf32>
  linalg.generic {indexing_maps = [#g0, #g1, #g2, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%w, %w, %w : memref<24x16x3x3xf32>, memref<24x16x3x3xf32>, memref<24x16x3x3xf32>) outs(%half : memref<4x24x16x3xf32>) attrs = {fusor.kernel = "winograd_weights_rows"} {
  ^bb0(%g0: f32, %g1: f32, %g2: f32, %o: f32):
    linalg.yield %g0 : f32
  }
  %kernel = memref.alloc() : memref<4x4x24x16xf32>
  linalg.generic {indexing_maps = [#h0, #h1, #h2, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%half, %half, %half : memref<4x24x16x3xf32>, memref<4x24x16x3xf32>, memref<4x24x16x3xf32>) outs(%kernel : memref<4x4x24x16xf32>) attrs = {fusor.kernel = "winograd_weights"} {
  ^bb0(%h0: f32, %h1: f32, %h2: f32, %o: f32):
    linalg.yield %h0 : f32
  }
  %u = memref.collapse_shape %kernel [[0, 1], [2], [3]] : memref<4x4x24x16xf32> into memref<16x24x16xf32>
  %tiles = memref.alloc() : memref<4x4x16x1x5x7xf32>
  linalg.generic {indexing_maps = [#t0, #t1, #t2, #t3, #t4, #t5, #t6, #t7, #t8, #t9, #t10, #t11, #t12, #t13, #t14, #t15, #tiles], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded : memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>) outs(%tiles : memref<4x4x16x1x5x7xf32>) attrs = {fusor.kernel = "winograd_input"} {
  ^bb0(%a0: f32, %a1: f32, %a2: f32, %a3: f32, %a4: f32, %a5: f32, %a6: f32, %a7: f32, %a8: f32, %a9: f32,
       %a10: f32, %a11: f32, %a12: f32, %a13: f32, %a14: f32, %a15: f32, %o: f32):
    linalg.yield %a0 : f32
  }
  %v = memref.collapse_shape %tiles [[0, 1], [2], [3, 4, 5]] : memref<4x4x16x1x5x7xf32> into memref<16x16x35xf32>
  %m = memref.alloc() : memref<16x24x35xf32>
  linalg.fill ins(%z : f32) outs(%m : memref<16x24x35xf32>)
  linalg.generic {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%u, %v : memref<16x24x16xf32>, memref<16x16x35xf32>) outs(%m : memref<16x24x35xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  %products = memref.expand_shape %m [[0, 1], [2], [3, 4, 5]] output_shape [4, 4, 24, 1, 5, 7] : memref<16x24x35xf32> into memref<4x4x24x1x5x7xf32>
  linalg.generic {indexing_maps = [#o0, #o1, #o2, #o3, #o4, #o5, #o6, #o7, #o8, #o9, #o10, #o11, #o12, #o13, #o14, #o15, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products : memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>) outs(%y : memref<1x24x9x13xf32>) attrs = {fusor.kernel = "winograd_output"} {
  ^bb0(%a0: f32, %a1: f32, %a2: f32, %a3: f32, %a4: f32, %a5: f32, %a6: f32, %a7: f32, %a8: f32, %a9: f32,
       %a10: f32, %a11: f32, %a12: f32, %a13: f32, %a14: f32, %a15: f32, %o: f32):
    linalg.yield %a0 : f32
  }
  memref.dealloc %tiles : memref<4x4x16x1x5x7xf32>
  memref.dealloc %m : memref<16x24x35xf32>
  memref.dealloc %half : memref<4x24x16x3xf32>
  memref.dealloc %kernel : memref<4x4x24x16xf32>
  return
}

// The padded input written between the transforms: they stay two calls, and the batched
// matmul is left for fusor-contractions-to-calls.
// CHECK-LABEL: func.func @input_written_between
// CHECK-NOT: fusor_rt_winograd_conv3x3_f32
// CHECK: call @fusor_rt_winograd_input_f32
// CHECK: linalg.fill
// CHECK: linalg.generic
// CHECK: call @fusor_rt_winograd_output_f32
func.func @input_written_between(%padded: memref<1x16x12x16xf32>, %u: memref<16x24x16xf32>, %y: memref<1x24x9x13xf32>) {
  %z = arith.constant 0.0 : f32
  %tiles = memref.alloc() : memref<4x4x16x1x5x7xf32>
  linalg.generic {indexing_maps = [#t0, #t1, #t2, #t3, #t4, #t5, #t6, #t7, #t8, #t9, #t10, #t11, #t12, #t13, #t14, #t15, #tiles], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded, %padded : memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>, memref<1x16x12x16xf32>) outs(%tiles : memref<4x4x16x1x5x7xf32>) attrs = {fusor.kernel = "winograd_input"} {
  ^bb0(%a0: f32, %a1: f32, %a2: f32, %a3: f32, %a4: f32, %a5: f32, %a6: f32, %a7: f32, %a8: f32, %a9: f32,
       %a10: f32, %a11: f32, %a12: f32, %a13: f32, %a14: f32, %a15: f32, %o: f32):
    linalg.yield %a0 : f32
  }
  linalg.fill ins(%z : f32) outs(%padded : memref<1x16x12x16xf32>)
  %v = memref.collapse_shape %tiles [[0, 1], [2], [3, 4, 5]] : memref<4x4x16x1x5x7xf32> into memref<16x16x35xf32>
  %m = memref.alloc() : memref<16x24x35xf32>
  linalg.fill ins(%z : f32) outs(%m : memref<16x24x35xf32>)
  linalg.generic {indexing_maps = [#lhs, #rhs, #acc], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%u, %v : memref<16x24x16xf32>, memref<16x16x35xf32>) outs(%m : memref<16x24x35xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  %products = memref.expand_shape %m [[0, 1], [2], [3, 4, 5]] output_shape [4, 4, 24, 1, 5, 7] : memref<16x24x35xf32> into memref<4x4x24x1x5x7xf32>
  linalg.generic {indexing_maps = [#o0, #o1, #o2, #o3, #o4, #o5, #o6, #o7, #o8, #o9, #o10, #o11, #o12, #o13, #o14, #o15, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products, %products : memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>, memref<4x4x24x1x5x7xf32>) outs(%y : memref<1x24x9x13xf32>) attrs = {fusor.kernel = "winograd_output"} {
  ^bb0(%a0: f32, %a1: f32, %a2: f32, %a3: f32, %a4: f32, %a5: f32, %a6: f32, %a7: f32, %a8: f32, %a9: f32,
       %a10: f32, %a11: f32, %a12: f32, %a13: f32, %a14: f32, %a15: f32, %o: f32):
    linalg.yield %a0 : f32
  }
  memref.dealloc %tiles : memref<4x4x16x1x5x7xf32>
  memref.dealloc %m : memref<16x24x35xf32>
  return
}
