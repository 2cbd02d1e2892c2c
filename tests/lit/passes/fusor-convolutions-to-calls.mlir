// RUN: fusor-opt --fusor-convolutions-to-calls --cse %s | FileCheck %s

#im2col = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 * 8 + d2, d5 * 2 + d3, d6 * 2 + d4)>
#id7 = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3, d4, d5, d6)>
#w = affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, d4)>
#b = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
#c = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
#nchw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#channel = affine_map<(d0, d1, d2, d3) -> (d0, d1, 0, 0)>

// A 3x3 convolution at stride 2 over a zero-padded copy, then a bias and relu: one call that
// reads the unpadded input with pads (1, 1) and applies the bias (kind 1) and the clamp; the
// padded copy, the im2col buffer, the zero fill and the epilogue all go.
// CHECK-LABEL: func.func @padded_stride2_bias_relu
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[INF:.*]] = arith.constant 0x7F800000 : f32
// CHECK-DAG: %[[X:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK-DAG: %[[XI:.*]] = arith.index_cast %[[X]]
// CHECK-DAG: memref.store %[[XI]], %{{.*}} {fusor.field = "x"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "batch"}
// CHECK-DAG: memref.store %c8_i64, %{{.*}} {fusor.field = "channels"}
// CHECK-DAG: memref.store %c15_i64, %{{.*}} {fusor.field = "height"}
// CHECK-DAG: memref.store %c15_i64, %{{.*}} {fusor.field = "width"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "groups"}
// CHECK-DAG: memref.store %c16_i64, %{{.*}} {fusor.field = "outChannels"}
// CHECK-DAG: memref.store %c3_i64, %{{.*}} {fusor.field = "kernelH"}
// CHECK-DAG: memref.store %c3_i64, %{{.*}} {fusor.field = "kernelW"}
// CHECK-DAG: memref.store %c8_i64, %{{.*}} {fusor.field = "outHeight"}
// CHECK-DAG: memref.store %c8_i64, %{{.*}} {fusor.field = "outWidth"}
// CHECK-DAG: memref.store %c2_i64, %{{.*}} {fusor.field = "stepH"}
// CHECK-DAG: memref.store %c2_i64, %{{.*}} {fusor.field = "stepW"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "dilationH"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "dilationW"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "padTop"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "padLeft"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "biasKind"}
// CHECK-DAG: memref.store %c0_i64, %{{.*}} {fusor.field = "residual"}
// CHECK-DAG: memref.store %c0_i64, %{{.*}} {fusor.field = "residualOffset"}
// CHECK-DAG: %[[D5:.*]] = arith.extf %[[ZERO]] : f32 to f64
// CHECK-DAG: %[[B5:.*]] = arith.bitcast %[[D5]] : f64 to i64
// CHECK-DAG: memref.store %[[B5]], %{{.*}} {fusor.field = "lo"}
// CHECK-DAG: %[[D6:.*]] = arith.extf %[[INF]] : f32 to f64
// CHECK-DAG: %[[B6:.*]] = arith.bitcast %[[D6]] : f64 to i64
// CHECK-DAG: memref.store %[[B6]], %{{.*}} {fusor.field = "hi"}
// CHECK: call @fusor_rt_conv2d_f32(%{{.*}}, %{{.*}})
// CHECK-NOT: memref.copy
// CHECK-NOT: linalg.
// CHECK-NOT: memref.alloc() {{.*}}x3x3x8x8xf32
func.func @padded_stride2_bias_relu(%x: memref<1x8x15x15xf32>, %weights: memref<16x8x3x3xf32>, %bias: memref<16xf32>,
                                    %y: memref<1x16x8x8xf32>) {
  %z = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<1x8x17x17xf32>
  linalg.fill ins(%z : f32) outs(%p : memref<1x8x17x17xf32>)
  %interior = memref.subview %p[0, 0, 1, 1] [1, 8, 15, 15] [1, 1, 1, 1] : memref<1x8x17x17xf32> to memref<1x8x15x15xf32, strided<[2312, 289, 17, 1], offset: 18>>
  memref.copy %x, %interior : memref<1x8x15x15xf32> to memref<1x8x15x15xf32, strided<[2312, 289, 17, 1], offset: 18>>
  %patches = memref.alloc() : memref<1x1x8x3x3x8x8xf32>
  linalg.generic {indexing_maps = [#im2col, #id7], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%p : memref<1x8x17x17xf32>) outs(%patches : memref<1x1x8x3x3x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %matrix = memref.collapse_shape %patches [[0], [1], [2, 3, 4], [5, 6]] : memref<1x1x8x3x3x8x8xf32> into memref<1x1x72x64xf32>
  %flat = memref.collapse_shape %weights [[0, 1, 2, 3]] : memref<16x8x3x3xf32> into memref<1152xf32>
  %w = memref.expand_shape %flat [[0, 1, 2]] output_shape [1, 16, 72] : memref<1152xf32> into memref<1x16x72xf32>
  %acc = memref.alloc() : memref<1x1x16x64xf32>
  linalg.fill ins(%z : f32) outs(%acc : memref<1x1x16x64xf32>)
  linalg.generic {indexing_maps = [#w, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %matrix : memref<1x16x72xf32>, memref<1x1x72x64xf32>) outs(%acc : memref<1x1x16x64xf32>) {
  ^bb0(%a: f32, %bb: f32, %o: f32):
    %m = arith.mulf %a, %bb : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  %accFlat = memref.collapse_shape %acc [[0, 1, 2, 3]] : memref<1x1x16x64xf32> into memref<1024xf32>
  %acc4 = memref.expand_shape %accFlat [[0, 1, 2, 3]] output_shape [1, 16, 8, 8] : memref<1024xf32> into memref<1x16x8x8xf32>
  %bias4 = memref.expand_shape %bias [[0, 1, 2, 3]] output_shape [1, 16, 1, 1] : memref<16xf32> into memref<1x16x1x1xf32>
  linalg.generic {indexing_maps = [#nchw, #channel, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%acc4, %bias4 : memref<1x16x8x8xf32>, memref<1x16x1x1xf32>) outs(%y : memref<1x16x8x8xf32>) {
  ^bb0(%v: f32, %bv: f32, %o: f32):
    %s = arith.addf %v, %bv : f32
    %r = arith.maximumf %s, %z : f32
    linalg.yield %r : f32
  }
  memref.dealloc %p : memref<1x8x17x17xf32>
  memref.dealloc %patches : memref<1x1x8x3x3x8x8xf32>
  memref.dealloc %acc : memref<1x1x16x64xf32>
  return
}

// One im2col buffer for two convolutions (as bufferization reuses it), no padding: both become
// calls, and the buffer goes.
// CHECK-LABEL: func.func @shared_patches
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "batch"}
// CHECK-DAG: memref.store %c8_i64, %{{.*}} {fusor.field = "channels"}
// CHECK-DAG: memref.store %c17_i64, %{{.*}} {fusor.field = "height"}
// CHECK-DAG: memref.store %c17_i64, %{{.*}} {fusor.field = "width"}
// CHECK: call @fusor_rt_conv2d_f32(%{{.*}}, %{{.*}})
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "batch"}
// CHECK-DAG: memref.store %c8_i64, %{{.*}} {fusor.field = "channels"}
// CHECK-DAG: memref.store %c17_i64, %{{.*}} {fusor.field = "height"}
// CHECK-DAG: memref.store %c17_i64, %{{.*}} {fusor.field = "width"}
// CHECK: call @fusor_rt_conv2d_f32(%{{.*}}, %{{.*}})
// CHECK-NOT: linalg.
// CHECK-NOT: memref.alloc()
func.func @shared_patches(%x: memref<1x8x17x17xf32>, %x2: memref<1x8x17x17xf32>, %w: memref<1x16x72xf32>,
                          %y: memref<1x1x16x64xf32>, %y2: memref<1x1x16x64xf32>) {
  %z = arith.constant 0.0 : f32
  %patches = memref.alloc() : memref<1x1x8x3x3x8x8xf32>
  %matrix = memref.collapse_shape %patches [[0], [1], [2, 3, 4], [5, 6]] : memref<1x1x8x3x3x8x8xf32> into memref<1x1x72x64xf32>
  linalg.generic {indexing_maps = [#im2col, #id7], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%x : memref<1x8x17x17xf32>) outs(%patches : memref<1x1x8x3x3x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.fill ins(%z : f32) outs(%y : memref<1x1x16x64xf32>)
  linalg.generic {indexing_maps = [#w, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %matrix : memref<1x16x72xf32>, memref<1x1x72x64xf32>) outs(%y : memref<1x1x16x64xf32>) {
  ^bb0(%a: f32, %bb: f32, %o: f32):
    %m = arith.mulf %a, %bb : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#im2col, #id7], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%x2 : memref<1x8x17x17xf32>) outs(%patches : memref<1x1x8x3x3x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.fill ins(%z : f32) outs(%y2 : memref<1x1x16x64xf32>)
  linalg.generic {indexing_maps = [#w, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %matrix : memref<1x16x72xf32>, memref<1x1x72x64xf32>) outs(%y2 : memref<1x1x16x64xf32>) {
  ^bb0(%a: f32, %bb: f32, %o: f32):
    %m = arith.mulf %a, %bb : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  memref.dealloc %patches : memref<1x1x8x3x3x8x8xf32>
  return
}

// The patches are read again after the contraction (here copied out): untouched.
// CHECK-LABEL: func.func @patches_read_later
// CHECK-NOT: call
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK: memref.copy
func.func @patches_read_later(%x: memref<1x8x17x17xf32>, %w: memref<1x16x72xf32>, %y: memref<1x1x16x64xf32>,
                              %keep: memref<1x1x72x64xf32>) {
  %z = arith.constant 0.0 : f32
  %patches = memref.alloc() : memref<1x1x8x3x3x8x8xf32>
  linalg.generic {indexing_maps = [#im2col, #id7], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%x : memref<1x8x17x17xf32>) outs(%patches : memref<1x1x8x3x3x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %matrix = memref.collapse_shape %patches [[0], [1], [2, 3, 4], [5, 6]] : memref<1x1x8x3x3x8x8xf32> into memref<1x1x72x64xf32>
  linalg.fill ins(%z : f32) outs(%y : memref<1x1x16x64xf32>)
  linalg.generic {indexing_maps = [#w, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %matrix : memref<1x16x72xf32>, memref<1x1x72x64xf32>) outs(%y : memref<1x1x16x64xf32>) {
  ^bb0(%a: f32, %bb: f32, %o: f32):
    %m = arith.mulf %a, %bb : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  memref.copy %matrix, %keep : memref<1x1x72x64xf32> to memref<1x1x72x64xf32>
  memref.dealloc %patches : memref<1x1x8x3x3x8x8xf32>
  return
}

// The output is put in the memory of the input the padded copy read (bufferization reuses a
// dead buffer): the call cannot read that input while it writes, so it reads the padded copy
// (17 x 17, no padding), which stays.
// CHECK-LABEL: func.func @output_in_dead_input
// CHECK: memref.copy
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "batch"}
// CHECK-DAG: memref.store %c8_i64, %{{.*}} {fusor.field = "channels"}
// CHECK-DAG: memref.store %c17_i64, %{{.*}} {fusor.field = "height"}
// CHECK-DAG: memref.store %c17_i64, %{{.*}} {fusor.field = "width"}
// CHECK-DAG: memref.store %c2_i64, %{{.*}} {fusor.field = "stepH"}
// CHECK-DAG: memref.store %c2_i64, %{{.*}} {fusor.field = "stepW"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "dilationH"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "dilationW"}
// CHECK-DAG: memref.store %c0_i64, %{{.*}} {fusor.field = "padTop"}
// CHECK-DAG: memref.store %c0_i64, %{{.*}} {fusor.field = "padLeft"}
// CHECK-DAG: memref.store %c0_i64, %{{.*}} {fusor.field = "biasKind"}
// CHECK: call @fusor_rt_conv2d_f32(%{{.*}}, %{{.*}})
func.func @output_in_dead_input(%x: memref<1x8x15x15xf32>, %w: memref<1x16x72xf32>) {
  %z = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<1x8x17x17xf32>
  linalg.fill ins(%z : f32) outs(%p : memref<1x8x17x17xf32>)
  %interior = memref.subview %p[0, 0, 1, 1] [1, 8, 15, 15] [1, 1, 1, 1] : memref<1x8x17x17xf32> to memref<1x8x15x15xf32, strided<[2312, 289, 17, 1], offset: 18>>
  memref.copy %x, %interior : memref<1x8x15x15xf32> to memref<1x8x15x15xf32, strided<[2312, 289, 17, 1], offset: 18>>
  %patches = memref.alloc() : memref<1x1x8x3x3x8x8xf32>
  linalg.generic {indexing_maps = [#im2col, #id7], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%p : memref<1x8x17x17xf32>) outs(%patches : memref<1x1x8x3x3x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %matrix = memref.collapse_shape %patches [[0], [1], [2, 3, 4], [5, 6]] : memref<1x1x8x3x3x8x8xf32> into memref<1x1x72x64xf32>
  %flat = memref.collapse_shape %x [[0, 1, 2, 3]] : memref<1x8x15x15xf32> into memref<1800xf32>
  %front = memref.subview %flat[0] [1024] [1] : memref<1800xf32> to memref<1024xf32, strided<[1]>>
  %y = memref.expand_shape %front [[0, 1, 2, 3]] output_shape [1, 1, 16, 64] : memref<1024xf32, strided<[1]>> into memref<1x1x16x64xf32>
  linalg.fill ins(%z : f32) outs(%y : memref<1x1x16x64xf32>)
  linalg.generic {indexing_maps = [#w, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %matrix : memref<1x16x72xf32>, memref<1x1x72x64xf32>) outs(%y : memref<1x1x16x64xf32>) {
  ^bb0(%a: f32, %bb: f32, %o: f32):
    %m = arith.mulf %a, %bb : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  memref.dealloc %p : memref<1x8x17x17xf32>
  memref.dealloc %patches : memref<1x1x8x3x3x8x8xf32>
  return
}
