// Tests that each op family leaves the CPU pipeline's loops stage as the runtime call or the
// loops it should become: a lowering change that drops a kernel fails here, not only in a
// benchmark. The full pipeline (to the LLVM dialect) runs on the same input in the last RUN.
// RUN: fusor-opt --split-input-file --fusor-cpu-pipeline=stop-after=loops %s | FileCheck %s
// RUN: fusor-opt --split-input-file --fusor-cpu-pipeline %s | FileCheck %s --check-prefix=LLVM

// A plain f32 matmul: the GEMM with A, B and C row-major (row strides 128, 96, 96), m, n, k
// and accumulate = 0.
// CHECK-LABEL: func.func @matmul
// CHECK: call @fusor_rt_gemm_f32(%{{.*}}, %c0_i64, %c128_i64, %c1_i64, %{{.*}}, %c0_i64, %c96_i64, %c1_i64, %{{.*}}, %c0_i64, %c96_i64, %c1_i64, %c64_i64, %c96_i64, %c128_i64, %c0_i64)
// CHECK-NOT: linalg.
// LLVM-LABEL: llvm.func @matmul
// LLVM: llvm.call @fusor_rt_gemm_f32(
func.func @matmul(%a: tensor<64x128xf32>, %b: tensor<128x96xf32>) -> tensor<64x96xf32> {
  %c = fusor.matmul %a, %b : tensor<64x128xf32>, tensor<128x96xf32> -> tensor<64x96xf32>
  return %c : tensor<64x96xf32>
}

// -----

// f64 has a GEMM of its own.
// CHECK-LABEL: func.func @matmul_f64
// CHECK: call @fusor_rt_gemm_f64(
// LLVM-LABEL: llvm.func @matmul_f64
// LLVM: llvm.call @fusor_rt_gemm_f64(
func.func @matmul_f64(%a: tensor<8x16xf64>, %b: tensor<16x4xf64>) -> tensor<8x4xf64> {
  %c = fusor.matmul %a, %b : tensor<8x16xf64>, tensor<16x4xf64> -> tensor<8x4xf64>
  return %c : tensor<8x4xf64>
}

// -----

// A bias per column and relu: the fused GEMM with bias kind 2 (per column), no residual, and
// the clamp [0, inf) (the epilogue's bounds are doubles, stored as their bits: 0x7FF0... is
// +inf, 0xFFF0... -inf); no elementwise loop is left.
// CHECK-LABEL: func.func @matmul_bias_relu
// CHECK-DAG: memref.store %c2_i64, %{{.*}} {fusor.field = "biasKind"}
// CHECK-DAG: memref.store %c0_i64, %{{.*}} {fusor.field = "residual"}
// CHECK-DAG: memref.store %c0_i64, %{{.*}} {fusor.field = "lo"}
// CHECK-DAG: memref.store %c9218868437227405312_i64, %{{.*}} {fusor.field = "hi"}
// CHECK: call @fusor_rt_gemm_f32_fused({{(%[^,]*, ){15}()}}%c0_i64, %{{[^,]*}})
// CHECK-NOT: scf.for
// CHECK: return
func.func @matmul_bias_relu(%a: tensor<64x128xf32>, %b: tensor<128x96xf32>, %bias: tensor<96xf32>) -> tensor<64x96xf32> {
  %c = fusor.matmul %a, %b : tensor<64x128xf32>, tensor<128x96xf32> -> tensor<64x96xf32>
  %d = fusor.add %c, %bias : tensor<64x96xf32>, tensor<96xf32> -> tensor<64x96xf32>
  %e = fusor.relu %d : tensor<64x96xf32>
  return %e : tensor<64x96xf32>
}

// -----

// A residual (skip connection): the fused GEMM adds it as it stores C (bias kind 0, the
// residual's pointer, unbounded clamp).
// CHECK-LABEL: func.func @matmul_residual
// CHECK-DAG: memref.store %c0_i64, %{{.*}} {fusor.field = "biasKind"}
// CHECK-DAG: memref.store %c0_i64, %{{.*}} {fusor.field = "bias"}
// CHECK-DAG: %[[R:.*]] = memref.extract_aligned_pointer_as_index %arg2
// CHECK-DAG: %[[RI:.*]] = arith.index_cast %[[R]]
// CHECK-DAG: memref.store %[[RI]], %{{.*}} {fusor.field = "residual"}
// CHECK-DAG: memref.store %c-4503599627370496_i64, %{{.*}} {fusor.field = "lo"}
// CHECK-DAG: memref.store %c9218868437227405312_i64, %{{.*}} {fusor.field = "hi"}
// CHECK: call @fusor_rt_gemm_f32_fused({{(%[^,]*, ){15}()}}%c0_i64, %{{[^,]*}})
// CHECK-NOT: scf.for
// CHECK: return
func.func @matmul_residual(%a: tensor<64x128xf32>, %b: tensor<128x96xf32>, %r: tensor<64x96xf32>) -> tensor<64x96xf32> {
  %c = fusor.matmul %a, %b : tensor<64x128xf32>, tensor<128x96xf32> -> tensor<64x96xf32>
  %d = fusor.add %c, %r : tensor<64x96xf32>, tensor<64x96xf32> -> tensor<64x96xf32>
  return %d : tensor<64x96xf32>
}

// -----

// A batched matmul: one strided-batch call (12 GEMMs, batch strides 2048, 2048, 1024).
// CHECK-LABEL: func.func @matmul_batched
// CHECK-NOT: scf.for
// CHECK: call @fusor_rt_gemm_f32_batched({{(%[^,]*, ){16}()}}%c12_i64, %c2048_i64, %c2048_i64, %c1024_i64)
func.func @matmul_batched(%a: tensor<12x32x64xf32>, %b: tensor<12x64x32xf32>) -> tensor<12x32x32xf32> {
  %c = fusor.matmul %a, %b : tensor<12x32x64xf32>, tensor<12x64x32xf32> -> tensor<12x32x32xf32>
  return %c : tensor<12x32x32xf32>
}

// -----

// A 1x1 convolution is a GEMM over the feature map: W (128 x 64) times x (64 x 784).
// CHECK-LABEL: func.func @conv1x1
// CHECK: call @fusor_rt_gemm_f32({{(%[^,]*, ){12}()}}%c128_i64, %c784_i64, %c64_i64, %c0_i64)
// CHECK-NOT: call @fusor_rt_conv2d_f32
func.func @conv1x1(%x: tensor<1x64x28x28xf32>, %w: tensor<128x64x1x1xf32>) -> tensor<1x128x28x28xf32> {
  %y = fusor.conv2d %x, %w strides = [1, 1] pads = [0, 0, 0, 0] dilations = [1, 1] groups = 1
         : tensor<1x64x28x28xf32>, tensor<128x64x1x1xf32> -> tensor<1x128x28x28xf32>
  return %y : tensor<1x128x28x28xf32>
}

// -----

// A 3x3 convolution at stride 1 with a bias and relu: Winograd's F(2x2, 3x3) in one call
// (7x7 tiles, raw weights transformed by the call), the bias per output channel (kind 1) and
// the clamp fused.
// CHECK-LABEL: func.func @conv3x3_bias_relu
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "batch"}
// CHECK-DAG: memref.store %c16_i64, %{{.*}} {fusor.field = "channels"}
// CHECK-DAG: memref.store %c7_i64, %{{.*}} {fusor.field = "tilesH"}
// CHECK-DAG: memref.store %c7_i64, %{{.*}} {fusor.field = "tilesW"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "rawWeights"}
// CHECK-DAG: memref.store %c32_i64, %{{.*}} {fusor.field = "outChannels"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "biasKind"}
// CHECK: call @fusor_rt_winograd_conv3x3_f32(%{{.*}}, %{{.*}})
// CHECK-NOT: call @fusor_rt_
// CHECK: return
// LLVM-LABEL: llvm.func @conv3x3_bias_relu
// LLVM: llvm.call @fusor_rt_winograd_conv3x3_f32(
func.func @conv3x3_bias_relu(%x: tensor<1x16x14x14xf32>, %w: tensor<32x16x3x3xf32>, %b: tensor<1x32x1x1xf32>) -> tensor<1x32x14x14xf32> {
  %y = fusor.conv2d %x, %w strides = [1, 1] pads = [1, 1, 1, 1] dilations = [1, 1] groups = 1
         : tensor<1x16x14x14xf32>, tensor<32x16x3x3xf32> -> tensor<1x32x14x14xf32>
  %z = fusor.add %y, %b : tensor<1x32x14x14xf32>, tensor<1x32x1x1xf32> -> tensor<1x32x14x14xf32>
  %r = fusor.relu %z : tensor<1x32x14x14xf32>
  return %r : tensor<1x32x14x14xf32>
}

// -----

// A 3x3 convolution at stride 2 (no Winograd): the implicit GEMM, reading the unpadded input
// with pads (1, 1) at steps (2, 2); no padded copy of the input.
// CHECK-LABEL: func.func @conv3x3_stride2
// CHECK-NOT: 30x30xf32
// CHECK-DAG: memref.store %c16_i64, %{{.*}} {fusor.field = "channels"}
// CHECK-DAG: memref.store %c28_i64, %{{.*}} {fusor.field = "height"}
// CHECK-DAG: memref.store %c28_i64, %{{.*}} {fusor.field = "width"}
// CHECK-DAG: memref.store %c32_i64, %{{.*}} {fusor.field = "outChannels"}
// CHECK-DAG: memref.store %c3_i64, %{{.*}} {fusor.field = "kernelH"}
// CHECK-DAG: memref.store %c14_i64, %{{.*}} {fusor.field = "outHeight"}
// CHECK-DAG: memref.store %c2_i64, %{{.*}} {fusor.field = "stepH"}
// CHECK-DAG: memref.store %c2_i64, %{{.*}} {fusor.field = "stepW"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "padTop"}
// CHECK-DAG: memref.store %c1_i64, %{{.*}} {fusor.field = "padLeft"}
// CHECK-DAG: memref.store %c0_i64, %{{.*}} {fusor.field = "biasKind"}
// CHECK: call @fusor_rt_conv2d_f32(%{{.*}}, %{{.*}})
func.func @conv3x3_stride2(%x: tensor<1x16x28x28xf32>, %w: tensor<32x16x3x3xf32>) -> tensor<1x32x14x14xf32> {
  %y = fusor.conv2d %x, %w strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1] groups = 1
         : tensor<1x16x28x28xf32>, tensor<32x16x3x3xf32> -> tensor<1x32x14x14xf32>
  return %y : tensor<1x32x14x14xf32>
}

// -----

// An image's stem (3 input channels, stride 2): the convolution call, which runs its direct
// few-channel kernel where the CPU has AVX-512.
// CHECK-LABEL: func.func @stem
// CHECK-DAG: memref.store %c3_i64, %{{.*}} {fusor.field = "channels"}
// CHECK-DAG: memref.store %c64_i64, %{{.*}} {fusor.field = "height"}
// CHECK-DAG: memref.store %c64_i64, %{{.*}} {fusor.field = "width"}
// CHECK: call @fusor_rt_conv2d_f32(%{{.*}}, %{{.*}})
func.func @stem(%x: tensor<1x3x64x64xf32>, %w: tensor<16x3x3x3xf32>) -> tensor<1x16x32x32xf32> {
  %y = fusor.conv2d %x, %w strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1] groups = 1
         : tensor<1x3x64x64xf32>, tensor<16x3x3x3xf32> -> tensor<1x16x32x32xf32>
  return %y : tensor<1x16x32x32xf32>
}

// -----

// A depthwise convolution (groups = channels): the direct depthwise kernel, padding as it
// reads (no padded copy).
// CHECK-LABEL: func.func @depthwise
// CHECK-NOT: memref.alloc()
// CHECK-DAG: memref.store %c32_i64, %{{.*}} {fusor.field = "channels"}
// CHECK-DAG: memref.store %c28_i64, %{{.*}} {fusor.field = "height"}
// CHECK-DAG: memref.store %c28_i64, %{{.*}} {fusor.field = "width"}
// CHECK-DAG: memref.store %c3_i64, %{{.*}} {fusor.field = "kernelH"}
// CHECK-DAG: memref.store %c3_i64, %{{.*}} {fusor.field = "kernelW"}
// CHECK: call @fusor_rt_depthwise_conv2d_f32(%{{.*}}, %{{.*}})
// LLVM-LABEL: llvm.func @depthwise
// LLVM: llvm.call @fusor_rt_depthwise_conv2d_f32(
func.func @depthwise(%x: tensor<1x32x28x28xf32>, %w: tensor<32x1x3x3xf32>) -> tensor<1x32x28x28xf32> {
  %y = fusor.conv2d %x, %w strides = [1, 1] pads = [1, 1, 1, 1] dilations = [1, 1] groups = 32
         : tensor<1x32x28x28xf32>, tensor<32x1x3x3xf32> -> tensor<1x32x28x28xf32>
  return %y : tensor<1x32x28x28xf32>
}

// -----

// Pools are compiled loops, no runtime call: max pooling over a -inf-padded copy.
// CHECK-LABEL: func.func @max_pool
// CHECK-NOT: call
// CHECK: arith.maximumf
// CHECK: return
func.func @max_pool(%x: tensor<1x16x28x28xf32>) -> tensor<1x16x14x14xf32> {
  %y = fusor.max_pool2d %x kernel = [3, 3] strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1]
         ceil_mode = false : tensor<1x16x28x28xf32> -> tensor<1x16x14x14xf32>
  return %y : tensor<1x16x14x14xf32>
}

// -----

// CHECK-LABEL: func.func @avg_pool
// CHECK-NOT: call
// CHECK: arith.addf
// CHECK: arith.divf
func.func @avg_pool(%x: tensor<1x16x28x28xf32>) -> tensor<1x16x14x14xf32> {
  %y = fusor.avg_pool2d %x kernel = [2, 2] strides = [2, 2] pads = [0, 0, 0, 0] ceil_mode = false
         count_include_pad = false : tensor<1x16x28x28xf32> -> tensor<1x16x14x14xf32>
  return %y : tensor<1x16x14x14xf32>
}

// -----

// Softmax over rows of 256: three row loops (max, exp-sum, normalize), each inner loop asked
// to vectorize; the maximum as maxnumf beside a NaN-seen loop.
// CHECK-LABEL: func.func @softmax
// CHECK-NOT: call
// CHECK: arith.maxnumf
// CHECK: } {loop_annotation = #[[VEC:.*]]}
// CHECK: arith.cmpf uno
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: } {loop_annotation = #[[VEC]]}
// CHECK: arith.divf
// CHECK: } {loop_annotation = #[[VEC]]}
func.func @softmax(%x: tensor<32x256xf32>) -> tensor<32x256xf32> {
  %m = fusor.reduce_max %x dims = [1] keepdim : tensor<32x256xf32> -> tensor<32x1xf32>
  %d = fusor.sub %x, %m : tensor<32x256xf32>, tensor<32x1xf32> -> tensor<32x256xf32>
  %e = fusor.exp %d : tensor<32x256xf32>
  %s = fusor.reduce_sum %e dims = [1] keepdim : tensor<32x256xf32> -> tensor<32x1xf32>
  %y = fusor.div %e, %s : tensor<32x256xf32>, tensor<32x1xf32> -> tensor<32x256xf32>
  return %y : tensor<32x256xf32>
}

// -----

// Layer norm: the mean and the variance as vectorized row sums, the normalization and the
// affine transform fused into one elementwise loop.
// CHECK-LABEL: func.func @layer_norm
// CHECK-NOT: call
// CHECK: arith.addf
// CHECK: } {loop_annotation = #[[VEC:.*]]}
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: } {loop_annotation = #[[VEC]]}
// CHECK: math.rsqrt
// CHECK: scf.for
// CHECK-COUNT-2: arith.mulf
// CHECK: arith.addf
// CHECK: memref.store
func.func @layer_norm(%x: tensor<32x256xf32>, %g: tensor<256xf32>, %b: tensor<256xf32>) -> tensor<32x256xf32> {
  %mean = fusor.reduce_mean %x dims = [1] keepdim : tensor<32x256xf32> -> tensor<32x1xf32>
  %c = fusor.sub %x, %mean : tensor<32x256xf32>, tensor<32x1xf32> -> tensor<32x256xf32>
  %sq = fusor.mul %c, %c : tensor<32x256xf32>, tensor<32x256xf32> -> tensor<32x256xf32>
  %var = fusor.reduce_mean %sq dims = [1] keepdim : tensor<32x256xf32> -> tensor<32x1xf32>
  %eps = fusor.constant dense<1.0e-05> : tensor<f32>
  %ve = fusor.add %var, %eps : tensor<32x1xf32>, tensor<f32> -> tensor<32x1xf32>
  %r = fusor.rsqrt %ve : tensor<32x1xf32>
  %n = fusor.mul %c, %r : tensor<32x256xf32>, tensor<32x1xf32> -> tensor<32x256xf32>
  %s = fusor.mul %n, %g : tensor<32x256xf32>, tensor<256xf32> -> tensor<32x256xf32>
  %y = fusor.add %s, %b : tensor<32x256xf32>, tensor<256xf32> -> tensor<32x256xf32>
  return %y : tensor<32x256xf32>
}
