// RUN: fusor-opt --fusor-depthwise-to-calls --cse %s | FileCheck %s

#in = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 + d4, d3 + d5)>
#in2 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5 * 2)>
#w = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d4, d5)>
#out = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
#nchw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#channel = affine_map<(d0, d1, d2, d3) -> (0, d1, 0, 0)>

// mobilenet's: a 3x3 window over a zero-padded copy, then a bias and relu6 written in place.
// The call reads the unpadded input with pads (1, 1), applies the bias (kind 1) and the
// clamp, and the padded buffer, its copy and fills, the zero fill and the epilogue all go.
// CHECK-LABEL: func.func @padded_bias_relu6
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[SIX:.*]] = arith.constant 6.000000e+00 : f32
// CHECK-DAG: %[[X:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK-DAG: %[[XI:.*]] = arith.index_cast %[[X]]
// CHECK-DAG: %[[Y:.*]] = memref.extract_aligned_pointer_as_index %arg3
// CHECK-DAG: %[[YI:.*]] = arith.index_cast %[[Y]]
// CHECK-DAG: memref.store %[[XI]], %{{.*}} {fusor.field = "x"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "batch"}
// CHECK-DAG: memref.store %c4_i64, %{{.*}} {fusor.field = "channels"}
// CHECK-DAG: memref.store %c6_i64, %{{.*}} {fusor.field = "height"}
// CHECK-DAG: memref.store %c6_i64, %{{.*}} {fusor.field = "width"}
// CHECK-DAG: memref.store %c3_i64, %{{.*}} {fusor.field = "kernelH"}
// CHECK-DAG: memref.store %c3_i64, %{{.*}} {fusor.field = "kernelW"}
// CHECK-DAG: memref.store %[[YI]], %{{.*}} {fusor.field = "y"}
// CHECK-DAG: memref.store %c6_i64, %{{.*}} {fusor.field = "outHeight"}
// CHECK-DAG: memref.store %c6_i64, %{{.*}} {fusor.field = "outWidth"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "stepH"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "stepW"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "dilationH"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "dilationW"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "padTop"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "padLeft"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "biasKind"}
// CHECK-DAG: %[[DM0:.*]] = arith.extf %[[ZERO]] : f32 to f64
// CHECK-DAG: %[[BM0:.*]] = arith.bitcast %[[DM0]] : f64 to i64
// CHECK-DAG: memref.store %[[BM0]], %{{.*}} {fusor.field = "lo"}
// CHECK-DAG: %[[DM1:.*]] = arith.extf %[[SIX]] : f32 to f64
// CHECK-DAG: %[[BM1:.*]] = arith.bitcast %[[DM1]] : f64 to i64
// CHECK-DAG: memref.store %[[BM1]], %{{.*}} {fusor.field = "hi"}
// CHECK: call @fusor_rt_depthwise_conv2d_f32(%{{.*}}, %{{.*}})
// CHECK-NOT: memref.alloc()
// CHECK-NOT: memref.copy
// CHECK-NOT: linalg.
func.func @padded_bias_relu6(%x: memref<1x4x6x6xf32>, %w: memref<4x3x3xf32>, %bias: memref<4xf32>,
                             %out: memref<1x4x6x6xf32>) {
  %z = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %p = memref.alloc() : memref<1x4x8x8xf32>
  %interior = memref.subview %p[0, 0, 1, 1] [1, 4, 6, 6] [1, 1, 1, 1] : memref<1x4x8x8xf32> to memref<1x4x6x6xf32, strided<[256, 64, 8, 1], offset: 9>>
  memref.copy %x, %interior : memref<1x4x6x6xf32> to memref<1x4x6x6xf32, strided<[256, 64, 8, 1], offset: 9>>
  %top = memref.subview %p[0, 0, 0, 0] [1, 4, 1, 8] [1, 1, 1, 1] : memref<1x4x8x8xf32> to memref<1x4x1x8xf32, strided<[256, 64, 8, 1]>>
  linalg.fill ins(%z : f32) outs(%top : memref<1x4x1x8xf32, strided<[256, 64, 8, 1]>>)
  %left = memref.subview %p[0, 0, 0, 0] [1, 4, 8, 1] [1, 1, 1, 1] : memref<1x4x8x8xf32> to memref<1x4x8x1xf32, strided<[256, 64, 8, 1]>>
  linalg.fill ins(%z : f32) outs(%left : memref<1x4x8x1xf32, strided<[256, 64, 8, 1]>>)
  linalg.fill ins(%z : f32) outs(%out : memref<1x4x6x6xf32>)
  linalg.generic {indexing_maps = [#in, #w, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%p, %w : memref<1x4x8x8xf32>, memref<4x3x3xf32>) outs(%out : memref<1x4x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  %b4 = memref.expand_shape %bias [[0, 1, 2, 3]] output_shape [1, 4, 1, 1] : memref<4xf32> into memref<1x4x1x1xf32>
  linalg.generic {indexing_maps = [#nchw, #channel, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%out, %b4 : memref<1x4x6x6xf32>, memref<1x4x1x1xf32>) outs(%out : memref<1x4x6x6xf32>) {
  ^bb0(%v: f32, %b: f32, %o: f32):
    %s = arith.addf %v, %b : f32
    %r = arith.maximumf %s, %z : f32
    %t = arith.minimumf %r, %six : f32
    linalg.yield %t : f32
  }
  memref.dealloc %p : memref<1x4x8x8xf32>
  return
}

// No padding: the input is read as it is; stride 2 and dilation 2 across, and no epilogue
// (no bias, unbounded clamp).
// CHECK-LABEL: func.func @strided_dilated
// CHECK-DAG: %[[X:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK-DAG: %[[XI:.*]] = arith.index_cast %[[X]]
// CHECK-DAG: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[INF:.*]] = arith.constant 0x7F800000 : f32
// CHECK-DAG: memref.store %[[XI]], %{{.*}} {fusor.field = "x"}
// CHECK-DAG: memref.store %c2_i64, %{{.*}} {fusor.field = "batch"}
// CHECK-DAG: memref.store %c3_i64, %{{.*}} {fusor.field = "channels"}
// CHECK-DAG: memref.store %c9_i64, %{{.*}} {fusor.field = "height"}
// CHECK-DAG: memref.store %c11_i64, %{{.*}} {fusor.field = "width"}
// CHECK-DAG: memref.store %c3_i64, %{{.*}} {fusor.field = "kernelH"}
// CHECK-DAG: memref.store %c3_i64, %{{.*}} {fusor.field = "kernelW"}
// CHECK-DAG: memref.store %c4_i64, %{{.*}} {fusor.field = "outHeight"}
// CHECK-DAG: memref.store %c4_i64, %{{.*}} {fusor.field = "outWidth"}
// CHECK-DAG: memref.store %c2_i64, %{{.*}} {fusor.field = "stepH"}
// CHECK-DAG: memref.store %c2_i64, %{{.*}} {fusor.field = "stepW"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "dilationH"}
// CHECK-DAG: memref.store %c2_i64, %{{.*}} {fusor.field = "dilationW"}
// CHECK-DAG: memref.store %c0_i64, %{{.*}} {fusor.field = "padTop"}
// CHECK-DAG: memref.store %c0_i64, %{{.*}} {fusor.field = "padLeft"}
// CHECK-DAG: memref.store %c0_i64, %{{.*}} {fusor.field = "biasKind"}
// CHECK-DAG: %[[DM0:.*]] = arith.extf %[[NEG]] : f32 to f64
// CHECK-DAG: %[[BM0:.*]] = arith.bitcast %[[DM0]] : f64 to i64
// CHECK-DAG: memref.store %[[BM0]], %{{.*}} {fusor.field = "lo"}
// CHECK-DAG: %[[DM1:.*]] = arith.extf %[[INF]] : f32 to f64
// CHECK-DAG: %[[BM1:.*]] = arith.bitcast %[[DM1]] : f64 to i64
// CHECK-DAG: memref.store %[[BM1]], %{{.*}} {fusor.field = "hi"}
// CHECK: call @fusor_rt_depthwise_conv2d_f32(%{{.*}}, %{{.*}})
// CHECK-NOT: linalg.
func.func @strided_dilated(%x: memref<2x3x9x11xf32>, %w: memref<3x3x3xf32>, %out: memref<2x3x4x4xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%out : memref<2x3x4x4xf32>)
  linalg.generic {indexing_maps = [#in2, #w, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : memref<2x3x9x11xf32>, memref<3x3x3xf32>) outs(%out : memref<2x3x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %b, %a : f32
    %s = arith.addf %m, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// The source is written between the copy and the convolution: the padded copy stays, and
// the call reads it with no padding.
// CHECK-LABEL: func.func @source_written_after_copy
// CHECK: memref.copy %arg0
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%arg0
// CHECK: %[[P:.*]] = memref.extract_aligned_pointer_as_index %[[ALLOC:.*]] : memref<1x2x6x6xf32>
// CHECK: call @fusor_rt_depthwise_conv2d_f32
// CHECK-NOT: linalg.generic
func.func @source_written_after_copy(%x: memref<1x2x4x4xf32>, %w: memref<2x3x3xf32>, %out: memref<1x2x4x4xf32>) {
  %z = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %p = memref.alloc() : memref<1x2x6x6xf32>
  linalg.fill ins(%z : f32) outs(%p : memref<1x2x6x6xf32>)
  %interior = memref.subview %p[0, 0, 1, 1] [1, 2, 4, 4] [1, 1, 1, 1] : memref<1x2x6x6xf32> to memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>
  memref.copy %x, %interior : memref<1x2x4x4xf32> to memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>
  linalg.fill ins(%one : f32) outs(%x : memref<1x2x4x4xf32>)
  linalg.fill ins(%z : f32) outs(%out : memref<1x2x4x4xf32>)
  linalg.generic {indexing_maps = [#in, #w, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%p, %w : memref<1x2x6x6xf32>, memref<2x3x3xf32>) outs(%out : memref<1x2x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  memref.dealloc %p : memref<1x2x6x6xf32>
  return
}

// The output is another part of the source's buffer: the kernel may only overwrite the input
// it reads when both are the same view, so the padded copy stays.
// CHECK-LABEL: func.func @output_beside_source
// CHECK: memref.copy
// CHECK: call @fusor_rt_depthwise_conv2d_f32
func.func @output_beside_source(%buf: memref<2x2x4x4xf32>, %w: memref<2x3x3xf32>) {
  %z = arith.constant 0.0 : f32
  %x = memref.subview %buf[0, 0, 0, 0] [1, 2, 4, 4] [1, 1, 1, 1] : memref<2x2x4x4xf32> to memref<1x2x4x4xf32, strided<[32, 16, 4, 1]>>
  %out = memref.subview %buf[1, 0, 0, 0] [1, 2, 4, 4] [1, 1, 1, 1] : memref<2x2x4x4xf32> to memref<1x2x4x4xf32, strided<[32, 16, 4, 1], offset: 32>>
  %p = memref.alloc() : memref<1x2x6x6xf32>
  linalg.fill ins(%z : f32) outs(%p : memref<1x2x6x6xf32>)
  %interior = memref.subview %p[0, 0, 1, 1] [1, 2, 4, 4] [1, 1, 1, 1] : memref<1x2x6x6xf32> to memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>
  memref.copy %x, %interior : memref<1x2x4x4xf32, strided<[32, 16, 4, 1]>> to memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>
  linalg.fill ins(%z : f32) outs(%out : memref<1x2x4x4xf32, strided<[32, 16, 4, 1], offset: 32>>)
  linalg.generic {indexing_maps = [#in, #w, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%p, %w : memref<1x2x6x6xf32>, memref<2x3x3xf32>) outs(%out : memref<1x2x4x4xf32, strided<[32, 16, 4, 1], offset: 32>>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  memref.dealloc %p : memref<1x2x6x6xf32>
  return
}

// Not a depthwise convolution (the weight is indexed by the batch dim), and f64: untouched.
// CHECK-LABEL: func.func @not_depthwise
// CHECK-NOT: call
// CHECK: linalg.generic
// CHECK: linalg.generic
func.func @not_depthwise(%x: memref<2x3x6x6xf32>, %w: memref<2x3x3xf32>, %out: memref<2x3x4x4xf32>,
                         %xd: memref<1x2x6x6xf64>, %wd: memref<2x3x3xf64>, %outd: memref<1x2x4x4xf64>) {
  %z = arith.constant 0.0 : f32
  %zd = arith.constant 0.0 : f64
  linalg.fill ins(%z : f32) outs(%out : memref<2x3x4x4xf32>)
  linalg.generic {indexing_maps = [#in, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d4, d5)>, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : memref<2x3x6x6xf32>, memref<2x3x3xf32>) outs(%out : memref<2x3x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  linalg.fill ins(%zd : f64) outs(%outd : memref<1x2x4x4xf64>)
  linalg.generic {indexing_maps = [#in, #w, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%xd, %wd : memref<1x2x6x6xf64>, memref<2x3x3xf64>) outs(%outd : memref<1x2x4x4xf64>) {
  ^bb0(%a: f64, %b: f64, %acc: f64):
    %m = arith.mulf %a, %b : f64
    %s = arith.addf %acc, %m : f64
    linalg.yield %s : f64
  }
  return
}

// One buffer reused for two padded values (as bufferization does), each read by a depthwise
// convolution after its own copy and fills: each call reads its own source, and the buffer
// goes with everything that writes it.
// CHECK-LABEL: func.func @reused_padded_buffer
// CHECK: %[[A:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK: %[[AI:.*]] = arith.index_cast %[[A]]
// CHECK-DAG: memref.store %[[AI]], %{{.*}} {fusor.field = "x"}
// CHECK: call @fusor_rt_depthwise_conv2d_f32(%{{.*}}, %{{.*}})
// CHECK: %[[B:.*]] = memref.extract_aligned_pointer_as_index %arg1
// CHECK: %[[BI:.*]] = arith.index_cast %[[B]]
// CHECK-DAG: memref.store %[[BI]], %{{.*}} {fusor.field = "x"}
// CHECK: call @fusor_rt_depthwise_conv2d_f32(%{{.*}}, %{{.*}})
// CHECK-NOT: memref.alloc()
// CHECK-NOT: memref.copy
// CHECK-NOT: linalg.
func.func @reused_padded_buffer(%a: memref<1x2x4x4xf32>, %b: memref<1x2x4x4xf32>, %w: memref<2x3x3xf32>,
                                %outA: memref<1x2x4x4xf32>, %outB: memref<1x2x4x4xf32>) {
  %z = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<1x2x6x6xf32>
  %interior = memref.subview %p[0, 0, 1, 1] [1, 2, 4, 4] [1, 1, 1, 1] : memref<1x2x6x6xf32> to memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>
  %top = memref.subview %p[0, 0, 0, 0] [1, 2, 1, 6] [1, 1, 1, 1] : memref<1x2x6x6xf32> to memref<1x2x1x6xf32, strided<[72, 36, 6, 1]>>
  memref.copy %a, %interior : memref<1x2x4x4xf32> to memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>
  linalg.fill ins(%z : f32) outs(%top : memref<1x2x1x6xf32, strided<[72, 36, 6, 1]>>)
  linalg.fill ins(%z : f32) outs(%outA : memref<1x2x4x4xf32>)
  linalg.generic {indexing_maps = [#in, #w, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%p, %w : memref<1x2x6x6xf32>, memref<2x3x3xf32>) outs(%outA : memref<1x2x4x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  memref.copy %b, %interior : memref<1x2x4x4xf32> to memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>
  linalg.fill ins(%z : f32) outs(%top : memref<1x2x1x6xf32, strided<[72, 36, 6, 1]>>)
  linalg.fill ins(%z : f32) outs(%outB : memref<1x2x4x4xf32>)
  linalg.generic {indexing_maps = [#in, #w, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%p, %w : memref<1x2x6x6xf32>, memref<2x3x3xf32>) outs(%outB : memref<1x2x4x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  memref.dealloc %p : memref<1x2x6x6xf32>
  return
}
