// The host side of a CUDA program as the runtime runs it: buffers, launches and cuBLASLt
// GEMMs, from --fusor-cuda-pipeline through fusor-translate --fusor-to-launch-plan.
// RUN: fusor-opt %s --fusor-cuda-pipeline | fusor-translate --fusor-to-launch-plan | FileCheck %s

// A linear layer with bias and GELU: the GEMM reads the weight transposed in place (row
// stride 1, column stride 16: no transpose kernel), with beta = 0 (the zero fill folded in);
// the epilogue is one fused kernel.
// CHECK-LABEL: // @linear
// CHECK: launch plan: 4 arguments
// CHECK-DAG: %[[W:.*]] = arg 1
// CHECK-DAG: %[[OUT:.*]] = arg 3
// CHECK-DAG: %[[ZERO:.*]] = const 0
// CHECK-DAG: %[[ONE:.*]] = const 1
// CHECK-DAG: %[[SIXTEEN:.*]] = const 16
// CHECK-NOT: alloc
// CHECK: %[[WM:.*]] = move %[[W]]
// CHECK-NOT: launch
// CHECK: gemm.f32 {{.*}}, %[[WM]], %[[ZERO]], %[[ONE]], %[[SIXTEEN]], {{.*}}, %[[ZERO]]{{$}}
// CHECK: launch {{.*}} args(%[[OUT]], %{{.*}})
func.func @linear(%x: tensor<8x16xf32>, %w: tensor<32x16xf32>, %b: tensor<32xf32>) -> tensor<8x32xf32> {
  %wt = fusor.transpose %w perm = [1, 0] : tensor<32x16xf32> -> tensor<16x32xf32>
  %h = fusor.matmul %x, %wt : tensor<8x16xf32>, tensor<16x32xf32> -> tensor<8x32xf32>
  %hb = fusor.add %h, %b : tensor<8x32xf32>, tensor<32xf32> -> tensor<8x32xf32>
  %y = fusor.gelu %hb approximate = none : tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}

// With the tanh GELU (or relu) the bias and activation are cuBLASLt's epilogue: one GEMM
// with epilogue bits 5 (bias | gelu-tanh) and the bias's address, and no kernel after it.
// CHECK-LABEL: // @linear_gelu_tanh
// CHECK-DAG: %[[B:.*]] = arg 2
// CHECK-DAG: %[[BITS:.*]] = const 5
// CHECK: gemm.f32 {{.*}}, %[[BITS]], %[[BM:[0-9]+]], %{{[0-9]+}}{{$}}
// CHECK-NOT: launch
// CHECK-LABEL: // @linear_relu_no_bias
// CHECK: %[[RELU:.*]] = const 2
// CHECK: gemm.f32 {{.*}}, %[[RELU]], %{{[0-9]+}}, %{{[0-9]+}}{{$}}
// CHECK-NOT: launch
func.func @linear_gelu_tanh(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>, %b: tensor<32xf32>) -> tensor<8x32xf32> {
  %h = fusor.matmul %x, %w : tensor<8x16xf32>, tensor<16x32xf32> -> tensor<8x32xf32>
  %hb = fusor.add %h, %b : tensor<8x32xf32>, tensor<32xf32> -> tensor<8x32xf32>
  %y = fusor.gelu %hb approximate = tanh : tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}
func.func @linear_relu_no_bias(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>) -> tensor<8x32xf32> {
  %h = fusor.matmul %x, %w : tensor<8x16xf32>, tensor<16x32xf32> -> tensor<8x32xf32>
  %y = fusor.relu %h : tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}

// A batched matmul whose batch dim cannot merge into rows: one strided-batch GEMM, its last
// four operands the count (3) and A's, B's and C's batch strides (5*7, 7*4, 5*4).
// CHECK-LABEL: // @batched
// CHECK-DAG: %[[COUNT:.*]] = const 3{{$}}
// CHECK-DAG: %[[SA:.*]] = const 35{{$}}
// CHECK-DAG: %[[SB:.*]] = const 28{{$}}
// CHECK-DAG: %[[SC:.*]] = const 20{{$}}
// CHECK-NOT: for
// CHECK: gemm.f32 {{.*}}, %[[COUNT]], %[[SA]], %[[SB]], %[[SC]]{{$}}
func.func @batched(%a: tensor<3x5x7xf32>, %b: tensor<3x7x4xf32>) -> tensor<3x5x4xf32> {
  %0 = fusor.matmul %a, %b : tensor<3x5x7xf32>, tensor<3x7x4xf32> -> tensor<3x5x4xf32>
  return %0 : tensor<3x5x4xf32>
}

// Two batch dims, B broadcast over both: a host loop over the outer dim, offsets stepping by
// its strides, of strided-batch GEMMs over the inner one, B's batch stride 0.
// CHECK-LABEL: // @two_batch_dims
// CHECK-DAG: %[[COUNT:.*]] = const 4{{$}}
// CHECK-DAG: %[[SA:.*]] = const 35{{$}}
// CHECK-DAG: %[[SC:.*]] = const 15{{$}}
// CHECK: for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:   mul %{{.*}},
// CHECK:   gemm.f32 {{.*}}, %[[COUNT]], %[[SA]], %{{[0-9]+}}, %[[SC]]{{$}}
// CHECK: }
func.func @two_batch_dims(%a: tensor<2x4x5x7xf32>, %b: tensor<7x3xf32>) -> tensor<2x4x5x3xf32> {
  %0 = fusor.matmul %a, %b : tensor<2x4x5x7xf32>, tensor<7x3xf32> -> tensor<2x4x5x3xf32>
  return %0 : tensor<2x4x5x3xf32>
}
