// Tests what each op family becomes in the CUDA pipeline: GEMMs as runtime calls (cuBLASLt,
// run by the launch plan), with bias and activation as its epilogue bits; convolutions as an
// im2col kernel and a GEMM; depthwise convolutions and pools as kernels; softmax as one
// block-per-row kernel with warp shuffles.
// RUN: fusor-opt --split-input-file --fusor-cuda-pipeline %s | FileCheck %s

// CHECK-LABEL: func.func @matmul
// CHECK: call @fusor_rt_gemm_f32({{(%[^,]*, ){12}()}}%c64_i64, %c96_i64, %c128_i64, %c0_i64)
// CHECK-NOT: gpu.launch_func
// CHECK: return
func.func @matmul(%a: tensor<64x128xf32>, %b: tensor<128x96xf32>) -> tensor<64x96xf32> {
  %c = fusor.matmul %a, %b : tensor<64x128xf32>, tensor<128x96xf32> -> tensor<64x96xf32>
  return %c : tensor<64x96xf32>
}

// -----

// A bias per column and relu: cuBLASLt's epilogue (bits 3: bias | relu), no kernel.
// CHECK-LABEL: func.func @matmul_bias_relu
// CHECK: call @fusor_rt_gemm_f32_epilogue({{(%[^,]*, ){16}()}}%c3_i64, %{{[^,]*}}, %c0_i64)
// CHECK-NOT: gpu.launch_func
// CHECK: return
func.func @matmul_bias_relu(%a: tensor<64x128xf32>, %b: tensor<128x96xf32>, %bias: tensor<96xf32>) -> tensor<64x96xf32> {
  %c = fusor.matmul %a, %b : tensor<64x128xf32>, tensor<128x96xf32> -> tensor<64x96xf32>
  %d = fusor.add %c, %bias : tensor<64x96xf32>, tensor<96xf32> -> tensor<64x96xf32>
  %e = fusor.relu %d : tensor<64x96xf32>
  return %e : tensor<64x96xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_batched
// CHECK: call @fusor_rt_gemm_f32_batched({{(%[^,]*, ){16}()}}%c12_i64, %c2048_i64, %c2048_i64, %c1024_i64)
func.func @matmul_batched(%a: tensor<12x32x64xf32>, %b: tensor<12x64x32xf32>) -> tensor<12x32x32xf32> {
  %c = fusor.matmul %a, %b : tensor<12x32x64xf32>, tensor<12x64x32xf32> -> tensor<12x32x32xf32>
  return %c : tensor<12x32x32xf32>
}

// -----

// A 3x3 convolution: kernels pad the input and gather the im2col matrix, then one GEMM
// (32 x 196 x 144).
// CHECK-LABEL: func.func @conv3x3
// CHECK: gpu.launch_func
// CHECK: call @fusor_rt_gemm_f32({{(%[^,]*, ){12}()}}%c32_i64, %c196_i64, %c144_i64, %c0_i64)
func.func @conv3x3(%x: tensor<1x16x28x28xf32>, %w: tensor<32x16x3x3xf32>) -> tensor<1x32x14x14xf32> {
  %y = fusor.conv2d %x, %w strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1] groups = 1
         : tensor<1x16x28x28xf32>, tensor<32x16x3x3xf32> -> tensor<1x32x14x14xf32>
  return %y : tensor<1x32x14x14xf32>
}

// -----

// A depthwise convolution: kernels only, no GEMM.
// CHECK-LABEL: func.func @depthwise
// CHECK-NOT: call @
// CHECK: gpu.launch_func
// CHECK-NOT: call @
// CHECK: return
func.func @depthwise(%x: tensor<1x32x28x28xf32>, %w: tensor<32x1x3x3xf32>) -> tensor<1x32x28x28xf32> {
  %y = fusor.conv2d %x, %w strides = [1, 1] pads = [1, 1, 1, 1] dilations = [1, 1] groups = 32
         : tensor<1x32x28x28xf32>, tensor<32x1x3x3xf32> -> tensor<1x32x28x28xf32>
  return %y : tensor<1x32x28x28xf32>
}

// -----

// CHECK-LABEL: func.func @max_pool
// CHECK-NOT: call @
// CHECK: gpu.launch_func
// CHECK: gpu.func
// CHECK: arith.maximumf
func.func @max_pool(%x: tensor<1x16x28x28xf32>) -> tensor<1x16x14x14xf32> {
  %y = fusor.max_pool2d %x kernel = [3, 3] strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1]
         ceil_mode = false : tensor<1x16x28x28xf32> -> tensor<1x16x14x14xf32>
  return %y : tensor<1x16x14x14xf32>
}

// -----

// Softmax: one kernel, a block of 256 threads per row (32 rows), reducing with warp shuffles
// through shared memory, twice (max, then sum).
// CHECK-LABEL: func.func @softmax
// CHECK: gpu.launch_func @softmax_kernel::@softmax_kernel blocks in (%c32, %c1, %c1) threads in (%c256, %c1, %c1)
// CHECK-NOT: gpu.launch_func
// CHECK: gpu.func @softmax_kernel
// CHECK-COUNT-2: gpu.shuffle down %{{.*}}, %c16_i32, %c32_i32
func.func @softmax(%x: tensor<32x256xf32>) -> tensor<32x256xf32> {
  %m = fusor.reduce_max %x dims = [1] keepdim : tensor<32x256xf32> -> tensor<32x1xf32>
  %d = fusor.sub %x, %m : tensor<32x256xf32>, tensor<32x1xf32> -> tensor<32x256xf32>
  %e = fusor.exp %d : tensor<32x256xf32>
  %s = fusor.reduce_sum %e dims = [1] keepdim : tensor<32x256xf32> -> tensor<32x1xf32>
  %y = fusor.div %e, %s : tensor<32x256xf32>, tensor<32x1xf32> -> tensor<32x256xf32>
  return %y : tensor<32x256xf32>
}
