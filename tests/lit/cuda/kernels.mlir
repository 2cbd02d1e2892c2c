// Tests the CUDA path without a GPU: --fusor-cuda-pipeline maps each kind of kernel onto
// blocks and threads, and fusor-translate --fusor-to-cuda renders it as CUDA C++. (The unit
// test unit.cuda.RenderedKernels compiles this same file's kernels with NVRTC.)
// RUN: fusor-opt %s --fusor-cuda-pipeline | fusor-translate --fusor-to-cuda | FileCheck %s

// CHECK: template <typename T> __device__ __forceinline__ T fusor_maximum

// An elementwise chain with broadcasting is one kernel, guarded by its bounds.
// CHECK-LABEL: extern "C" __global__ void elementwise_kernel(
// CHECK-SAME: float *__restrict__
// CHECK-DAG: threadIdx.x
// CHECK-DAG: blockIdx.x
// CHECK: if (
// CHECK: expf(
// CHECK: = v
func.func @elementwise(%x: tensor<64x101xf32>, %b: tensor<101xf32>) -> tensor<64x101xf32> {
  %0 = fusor.add %x, %b : tensor<64x101xf32>, tensor<101xf32> -> tensor<64x101xf32>
  %1 = fusor.exp %0 : tensor<64x101xf32>
  %2 = fusor.relu %1 : tensor<64x101xf32>
  return %2 : tensor<64x101xf32>
}

// A row reduction: one block per row, its threads striding over the row (coalesced), then
// warp shuffles and a shared buffer combine their partials. Thread 0 sets the initial value
// in the same kernel.
// CHECK-LABEL: void row_sum_kernel(
// CHECK-SAME: float *__restrict__
// CHECK: __shared__ float
// CHECK: if (
// CHECK: __syncthreads();
// CHECK: for (long long
// CHECK: fusor_maximum(
// CHECK: __shfl_down_sync(0xffffffffu,
// CHECK: __syncthreads();
// CHECK-NOT: row_sum_kernel_0
func.func @row_sum(%x: tensor<32x1000xf32>) -> tensor<32xf32> {
  %0 = fusor.reduce_max %x dims = [1] : tensor<32x1000xf32> -> tensor<32xf32>
  return %0 : tensor<32xf32>
}

// A softmax is one kernel that reads its row from global memory once: the first pass keeps
// it in shared memory (w1), the sum and the normalization read it back from there. The
// per-row max is read through a view of the buffer it is written to, so those parameters
// are not __restrict__.
// CHECK-LABEL: void softmax_kernel(
// CHECK-SAME: float * a0
// CHECK: __shared__ float w0[8];
// CHECK: __shared__ float w1[1000];
// CHECK: for (long long [[I:i[0-9]+]] =
// CHECK-NEXT: const float [[X:v[0-9]+]] = a{{[0-9]+}}[
// CHECK-NEXT: w1[0ll + [[I]] * 1ll] = [[X]];
// CHECK: __shfl_down_sync
// CHECK: for (long long [[J:i[0-9]+]] =
// CHECK-NEXT: = w1[0ll + [[J]] * 1ll];
// CHECK: expf(
// CHECK: __shfl_down_sync
// CHECK: for (long long [[K:i[0-9]+]] =
// CHECK-NEXT: = w1[0ll + [[K]] * 1ll];
// CHECK: expf(
// CHECK: / v
// CHECK-NOT: softmax_kernel_0
func.func @softmax(%x: tensor<64x1000xf32>) -> tensor<64x1000xf32> {
  %m = fusor.reduce_max %x dims = [1] keepdim : tensor<64x1000xf32> -> tensor<64x1xf32>
  %s = fusor.sub %x, %m : tensor<64x1000xf32>, tensor<64x1xf32> -> tensor<64x1000xf32>
  %e = fusor.exp %s : tensor<64x1000xf32>
  %z = fusor.reduce_sum %e dims = [1] keepdim : tensor<64x1000xf32> -> tensor<64x1xf32>
  %r = fusor.div %e, %z : tensor<64x1000xf32>, tensor<64x1xf32> -> tensor<64x1000xf32>
  return %r : tensor<64x1000xf32>
}

// A layernorm is one kernel too: two reductions, the means and rsqrt computed by thread 0,
// then the scaled and shifted row, x read from shared memory after the first pass.
// CHECK-LABEL: void layernorm_kernel(
// CHECK: __shared__ float w1[768];
// CHECK-COUNT-2: __shfl_down_sync(0xffffffffu, {{.*}}, v{{[0-9]+}}, v{{[0-9]+}});
// CHECK: rsqrtf(
// CHECK: = w1[
// CHECK-NOT: layernorm_kernel_0
func.func @layernorm(%x: tensor<4x3x768xf32>, %w: tensor<768xf32>, %b: tensor<768xf32>) -> tensor<4x3x768xf32> {
  %m = fusor.reduce_mean %x dims = [2] keepdim : tensor<4x3x768xf32> -> tensor<4x3x1xf32>
  %c = fusor.sub %x, %m : tensor<4x3x768xf32>, tensor<4x3x1xf32> -> tensor<4x3x768xf32>
  %sq = fusor.mul %c, %c : tensor<4x3x768xf32>, tensor<4x3x768xf32> -> tensor<4x3x768xf32>
  %v = fusor.reduce_mean %sq dims = [2] keepdim : tensor<4x3x768xf32> -> tensor<4x3x1xf32>
  %e = fusor.add %v, %v : tensor<4x3x1xf32>, tensor<4x3x1xf32> -> tensor<4x3x1xf32>
  %r = fusor.rsqrt %e : tensor<4x3x1xf32>
  %y = fusor.mul %c, %r : tensor<4x3x768xf32>, tensor<4x3x1xf32> -> tensor<4x3x768xf32>
  %y2 = fusor.mul %y, %w : tensor<4x3x768xf32>, tensor<768xf32> -> tensor<4x3x768xf32>
  %y3 = fusor.add %y2, %b : tensor<4x3x768xf32>, tensor<768xf32> -> tensor<4x3x768xf32>
  return %y3 : tensor<4x3x768xf32>
}

// Integer and double kernels, comparisons and select.
// CHECK-LABEL: void mixed_kernel
// CHECK-SAME: long long *__restrict__
// CHECK-SAME: double *__restrict__
// CHECK: ? v
func.func @mixed(%i: tensor<7x5xi64>, %d: tensor<7x5xf64>) -> tensor<7x5xf64> {
  %c = fusor.cast %i : tensor<7x5xi64> -> tensor<7x5xf64>
  %lt = fusor.lt %c, %d : tensor<7x5xf64>, tensor<7x5xf64> -> tensor<7x5xi1>
  %s = fusor.select %lt, %c, %d : tensor<7x5xi1>, tensor<7x5xf64>, tensor<7x5xf64> -> tensor<7x5xf64>
  return %s : tensor<7x5xf64>
}

// An f32 matmul is a cuBLASLt call on the host (no kernel); an f16 one is a naive kernel,
// one thread per output with a loop over k.
// CHECK-NOT: void matmul_f32_kernel
// CHECK-LABEL: void matmul_f16_kernel
// CHECK: for (long long
// CHECK: * v
func.func @matmul_f32(%a: tensor<4x16x32xf32>, %b: tensor<32x8xf32>) -> tensor<4x16x8xf32> {
  %0 = fusor.matmul %a, %b : tensor<4x16x32xf32>, tensor<32x8xf32> -> tensor<4x16x8xf32>
  return %0 : tensor<4x16x8xf32>
}
func.func @matmul_f16(%a: tensor<4x16x32xf16>, %b: tensor<32x8xf16>) -> tensor<4x16x8xf16> {
  %0 = fusor.matmul %a, %b : tensor<4x16x32xf16>, tensor<32x8xf16> -> tensor<4x16x8xf16>
  return %0 : tensor<4x16x8xf16>
}

// Data movement: transpose, slice, concat, pad and an embedding lookup.
// CHECK-LABEL: void movement_kernel
func.func @movement(%x: tensor<6x10xf32>, %t: tensor<50x4xf32>, %ids: tensor<3xi64>)
    -> (tensor<10x6xf32>, tensor<3x5xf32>, tensor<12x10xf32>, tensor<8x12xf32>, tensor<3x4xf32>) {
  %0 = fusor.transpose %x perm = [1, 0] : tensor<6x10xf32> -> tensor<10x6xf32>
  %1 = fusor.slice %x starts = [0, 1] stops = [6, 10] steps = [2, 2] : tensor<6x10xf32> -> tensor<3x5xf32>
  %2 = fusor.concat %x, %x dim = 0 : tensor<6x10xf32>, tensor<6x10xf32> -> tensor<12x10xf32>
  %3 = fusor.pad %x low = [1, 1] high = [1, 1] value = 0.0 : f32 : tensor<6x10xf32> -> tensor<8x12xf32>
  %4 = fusor.index_select %t, %ids dim = 0 : tensor<50x4xf32>, tensor<3xi64> -> tensor<3x4xf32>
  return %0, %1, %2, %3, %4 : tensor<10x6xf32>, tensor<3x5xf32>, tensor<12x10xf32>, tensor<8x12xf32>, tensor<3x4xf32>
}

// f16 and bf16: stored as bits, computed in f32, rounded back.
// CHECK-LABEL: void halves_kernel
// CHECK-SAME: unsigned short *__restrict__
// CHECK: fusor_h2f(
// CHECK: fusor_f2h(
func.func @halves(%x: tensor<8x16xf16>, %y: tensor<8x16xbf16>) -> (tensor<8x16xf16>, tensor<8xf16>, tensor<8x16xbf16>, tensor<8x16xi32>) {
  %0 = fusor.exp %x : tensor<8x16xf16>
  %1 = fusor.reduce_max %x dims = [1] : tensor<8x16xf16> -> tensor<8xf16>
  %2 = fusor.cast %x : tensor<8x16xf16> -> tensor<8x16xbf16>
  %3 = fusor.add %2, %y : tensor<8x16xbf16>, tensor<8x16xbf16> -> tensor<8x16xbf16>
  %4 = fusor.cast %y : tensor<8x16xbf16> -> tensor<8x16xi32>
  return %0, %1, %3, %4 : tensor<8x16xf16>, tensor<8xf16>, tensor<8x16xbf16>, tensor<8x16xi32>
}

// A rank-4 kernel: its dims are collapsed onto one grid dimension, the innermost fastest
// (coalesced), and delinearized in the kernel.
// CHECK-LABEL: void rank4_kernel
// CHECK-NOT: for (
// CHECK: = (7ll);
// CHECK: % v
func.func @rank4(%x: tensor<2x3x5x7xf32>) -> tensor<2x3x5x7xf32> {
  %0 = fusor.neg %x : tensor<2x3x5x7xf32>
  return %0 : tensor<2x3x5x7xf32>
}

// Whole contiguous buffers of 32-bit elements: 128-bit loads and stores, four lanes a thread.
// CHECK-LABEL: void vectorized_kernel
// CHECK: const float4 {{v[0-9]+}} = *reinterpret_cast<const float4 *>(&a
// CHECK: expf(
// CHECK: make_float4(
// CHECK: *reinterpret_cast<float4 *>(&a
func.func @vectorized(%x: tensor<64x1024xf32>, %y: tensor<64x1024xf32>) -> tensor<64x1024xf32> {
  %0 = fusor.mul %x, %y : tensor<64x1024xf32>, tensor<64x1024xf32> -> tensor<64x1024xf32>
  %1 = fusor.exp %0 : tensor<64x1024xf32>
  return %1 : tensor<64x1024xf32>
}

// 64-bit elements: two lanes (double2).
// CHECK-LABEL: void vectorized_f64_kernel
// CHECK: const double2
// CHECK: make_double2(
func.func @vectorized_f64(%x: tensor<6x10xf64>) -> tensor<6x10xf64> {
  %0 = fusor.tanh %x : tensor<6x10xf64>
  return %0 : tensor<6x10xf64>
}
