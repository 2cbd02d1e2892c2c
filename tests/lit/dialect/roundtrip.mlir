// Tests that every fusor op prints, parses and prints again to the same text, in the custom
// and the generic form.
// RUN: fusor-opt %s | fusor-opt | FileCheck %s
// RUN: fusor-opt %s --mlir-print-op-generic | fusor-opt | FileCheck %s
// RUN: fusor-opt %s -o %t.1.mlir && fusor-opt %t.1.mlir -o %t.2.mlir && diff %t.1.mlir %t.2.mlir

// CHECK-LABEL: func.func @constants
func.func @constants() -> (tensor<2x2xf32>, tensor<i64>, tensor<3xi1>, tensor<2xbf16>, tensor<4xi8>) {
  // CHECK: fusor.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
  %0 = fusor.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  // CHECK: fusor.constant dense<7> : tensor<i64>
  %1 = fusor.constant dense<7> : tensor<i64>
  // CHECK: fusor.constant dense<[true, false, true]> : tensor<3xi1>
  %2 = fusor.constant dense<[true, false, true]> : tensor<3xi1>
  // CHECK: fusor.constant dense<[1.500000e+00, -2.000000e+00]> : tensor<2xbf16>
  %3 = fusor.constant dense<[1.5, -2.0]> : tensor<2xbf16>
  // CHECK: fusor.constant dense<[1, -2, 3, 127]> : tensor<4xi8>
  %4 = fusor.constant dense<[1, -2, 3, 127]> : tensor<4xi8>
  return %0, %1, %2, %3, %4 : tensor<2x2xf32>, tensor<i64>, tensor<3xi1>, tensor<2xbf16>, tensor<4xi8>
}

// CHECK-LABEL: func.func @unary
func.func @unary(%f: tensor<4x?xf32>, %h: tensor<f16>, %i: tensor<3xi32>, %b: tensor<2x2xi1>) {
  // CHECK: fusor.neg %{{.*}} : tensor<4x?xf32>
  %0 = fusor.neg %f : tensor<4x?xf32>
  // CHECK: fusor.neg %{{.*}} : tensor<3xi32>
  %1 = fusor.neg %i : tensor<3xi32>
  // CHECK: fusor.abs %{{.*}} : tensor<3xi32>
  %2 = fusor.abs %i : tensor<3xi32>
  // CHECK: fusor.exp %{{.*}} : tensor<f16>
  %3 = fusor.exp %h : tensor<f16>
  // CHECK: fusor.log %{{.*}} : tensor<4x?xf32>
  %4 = fusor.log %f : tensor<4x?xf32>
  // CHECK: fusor.sqrt
  %5 = fusor.sqrt %f : tensor<4x?xf32>
  // CHECK: fusor.rsqrt
  %6 = fusor.rsqrt %f : tensor<4x?xf32>
  // CHECK: fusor.tanh
  %7 = fusor.tanh %f : tensor<4x?xf32>
  // CHECK: fusor.sigmoid
  %8 = fusor.sigmoid %f : tensor<4x?xf32>
  // CHECK: fusor.relu %{{.*}} : tensor<3xi32>
  %9 = fusor.relu %i : tensor<3xi32>
  // CHECK: fusor.gelu %{{.*}} : tensor<4x?xf32>
  %10 = fusor.gelu %f : tensor<4x?xf32>
  // CHECK: fusor.gelu %{{.*}} approximate = tanh : tensor<4x?xf32>
  %11 = fusor.gelu %f approximate = tanh : tensor<4x?xf32>
  // CHECK: fusor.silu
  %12 = fusor.silu %f : tensor<4x?xf32>
  // CHECK: fusor.sin
  %13 = fusor.sin %f : tensor<4x?xf32>
  // CHECK: fusor.cos
  %14 = fusor.cos %f : tensor<4x?xf32>
  // CHECK: fusor.erf
  %15 = fusor.erf %f : tensor<4x?xf32>
  // CHECK: fusor.floor
  %16 = fusor.floor %f : tensor<4x?xf32>
  // CHECK: fusor.ceil
  %17 = fusor.ceil %f : tensor<4x?xf32>
  // CHECK: fusor.logical_not %{{.*}} : tensor<2x2xi1>
  %18 = fusor.logical_not %b : tensor<2x2xi1>
  return
}

// CHECK-LABEL: func.func @binary
func.func @binary(%a: tensor<3x1xf32>, %b: tensor<4xf32>, %i: tensor<?x5xi64>, %j: tensor<5xi64>,
                  %p: tensor<2xi1>, %q: tensor<2xi1>, %d: tensor<f64>) {
  // CHECK: fusor.add %{{.*}}, %{{.*}} : tensor<3x1xf32>, tensor<4xf32> -> tensor<3x4xf32>
  %0 = fusor.add %a, %b : tensor<3x1xf32>, tensor<4xf32> -> tensor<3x4xf32>
  // CHECK: fusor.sub %{{.*}}, %{{.*}} : tensor<?x5xi64>, tensor<5xi64> -> tensor<?x5xi64>
  %1 = fusor.sub %i, %j : tensor<?x5xi64>, tensor<5xi64> -> tensor<?x5xi64>
  // CHECK: fusor.mul
  %2 = fusor.mul %a, %b : tensor<3x1xf32>, tensor<4xf32> -> tensor<3x4xf32>
  // CHECK: fusor.div
  %3 = fusor.div %i, %j : tensor<?x5xi64>, tensor<5xi64> -> tensor<?x5xi64>
  // CHECK: fusor.pow %{{.*}}, %{{.*}} : tensor<f64>, tensor<f64> -> tensor<f64>
  %4 = fusor.pow %d, %d : tensor<f64>, tensor<f64> -> tensor<f64>
  // CHECK: fusor.max
  %5 = fusor.max %a, %b : tensor<3x1xf32>, tensor<4xf32> -> tensor<3x4xf32>
  // CHECK: fusor.min
  %6 = fusor.min %a, %b : tensor<3x1xf32>, tensor<4xf32> -> tensor<3x4xf32>
  // CHECK: fusor.eq %{{.*}}, %{{.*}} : tensor<3x1xf32>, tensor<4xf32> -> tensor<3x4xi1>
  %7 = fusor.eq %a, %b : tensor<3x1xf32>, tensor<4xf32> -> tensor<3x4xi1>
  // CHECK: fusor.ne
  %8 = fusor.ne %i, %j : tensor<?x5xi64>, tensor<5xi64> -> tensor<?x5xi1>
  // CHECK: fusor.lt
  %9 = fusor.lt %a, %b : tensor<3x1xf32>, tensor<4xf32> -> tensor<3x4xi1>
  // CHECK: fusor.le
  %10 = fusor.le %a, %b : tensor<3x1xf32>, tensor<4xf32> -> tensor<3x4xi1>
  // CHECK: fusor.gt
  %11 = fusor.gt %a, %b : tensor<3x1xf32>, tensor<4xf32> -> tensor<3x4xi1>
  // CHECK: fusor.ge
  %12 = fusor.ge %a, %b : tensor<3x1xf32>, tensor<4xf32> -> tensor<3x4xi1>
  // CHECK: fusor.eq %{{.*}}, %{{.*}} : tensor<2xi1>, tensor<2xi1> -> tensor<2xi1>
  %13 = fusor.eq %p, %q : tensor<2xi1>, tensor<2xi1> -> tensor<2xi1>
  // CHECK: fusor.logical_and
  %14 = fusor.logical_and %p, %q : tensor<2xi1>, tensor<2xi1> -> tensor<2xi1>
  // CHECK: fusor.logical_or
  %15 = fusor.logical_or %p, %q : tensor<2xi1>, tensor<2xi1> -> tensor<2xi1>
  // CHECK: fusor.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<3x4xi1>, tensor<3x1xf32>, tensor<4xf32> -> tensor<3x4xf32>
  %16 = fusor.select %7, %a, %b : tensor<3x4xi1>, tensor<3x1xf32>, tensor<4xf32> -> tensor<3x4xf32>
  // CHECK: fusor.cast %{{.*}} : tensor<3x1xf32> -> tensor<3x1xbf16>
  %17 = fusor.cast %a : tensor<3x1xf32> -> tensor<3x1xbf16>
  // CHECK: fusor.cast %{{.*}} : tensor<?x5xi64> -> tensor<?x5xi8>
  %18 = fusor.cast %i : tensor<?x5xi64> -> tensor<?x5xi8>
  return
}

// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<3x4x5xf32>, %i: tensor<?x7xi32>) {
  // CHECK: fusor.reduce_sum %{{.*}} dims = [0, 2] keepdim : tensor<3x4x5xf32> -> tensor<1x4x1xf32>
  %0 = fusor.reduce_sum %x dims = [0, 2] keepdim : tensor<3x4x5xf32> -> tensor<1x4x1xf32>
  // CHECK: fusor.reduce_mean %{{.*}} dims = [1] : tensor<3x4x5xf32> -> tensor<3x5xf32>
  %1 = fusor.reduce_mean %x dims = [1] : tensor<3x4x5xf32> -> tensor<3x5xf32>
  // CHECK: fusor.reduce_max %{{.*}} dims = [0] : tensor<?x7xi32> -> tensor<7xi32>
  %2 = fusor.reduce_max %i dims = [0] : tensor<?x7xi32> -> tensor<7xi32>
  // CHECK: fusor.reduce_min %{{.*}} dims = [0, 1, 2] : tensor<3x4x5xf32> -> tensor<f32>
  %3 = fusor.reduce_min %x dims = [0, 1, 2] : tensor<3x4x5xf32> -> tensor<f32>
  // CHECK: fusor.reduce_prod %{{.*}} dims = [1] keepdim : tensor<?x7xi32> -> tensor<?x1xi32>
  %4 = fusor.reduce_prod %i dims = [1] keepdim : tensor<?x7xi32> -> tensor<?x1xi32>
  // CHECK: fusor.argmax %{{.*}} dim = 1 : tensor<3x4x5xf32> -> tensor<3x5xi64>
  %5 = fusor.argmax %x dim = 1 : tensor<3x4x5xf32> -> tensor<3x5xi64>
  // CHECK: fusor.argmax %{{.*}} dim = 0 keepdim : tensor<?x7xi32> -> tensor<1x7xi64>
  %6 = fusor.argmax %i dim = 0 keepdim : tensor<?x7xi32> -> tensor<1x7xi64>
  return
}

// CHECK-LABEL: func.func @matmuls
func.func @matmuls(%v: tensor<3xf32>, %m: tensor<3x4xf32>, %n: tensor<5x3xf32>,
                   %b: tensor<8x1x16x32xf16>, %c: tensor<5x32x64xf16>) {
  // CHECK: fusor.matmul %{{.*}}, %{{.*}} : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
  %0 = fusor.matmul %v, %v : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
  // CHECK: fusor.matmul %{{.*}}, %{{.*}} : tensor<3xf32>, tensor<3x4xf32> -> tensor<4xf32>
  %1 = fusor.matmul %v, %m : tensor<3xf32>, tensor<3x4xf32> -> tensor<4xf32>
  // CHECK: fusor.matmul %{{.*}}, %{{.*}} : tensor<5x3xf32>, tensor<3xf32> -> tensor<5xf32>
  %2 = fusor.matmul %n, %v : tensor<5x3xf32>, tensor<3xf32> -> tensor<5xf32>
  // CHECK: fusor.matmul %{{.*}}, %{{.*}} : tensor<5x3xf32>, tensor<3x4xf32> -> tensor<5x4xf32>
  %3 = fusor.matmul %n, %m : tensor<5x3xf32>, tensor<3x4xf32> -> tensor<5x4xf32>
  // CHECK: fusor.matmul %{{.*}}, %{{.*}} : tensor<8x1x16x32xf16>, tensor<5x32x64xf16> -> tensor<8x5x16x64xf16>
  %4 = fusor.matmul %b, %c : tensor<8x1x16x32xf16>, tensor<5x32x64xf16> -> tensor<8x5x16x64xf16>
  return
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<2x3x4xf32>, %d: tensor<?x4xf32>, %c: tensor<3x1xi8>, %s: tensor<4x10xf32>,
                  %t: tensor<1000x64xf32>, %ids: tensor<8x16xi64>, %l: tensor<8x10xf32>, %tg: tensor<8x1xi32>) {
  // CHECK: fusor.reshape %{{.*}} : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %0 = fusor.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  // CHECK: fusor.reshape %{{.*}} : tensor<?x4xf32> -> tensor<?x2x2xf32>
  %1 = fusor.reshape %d : tensor<?x4xf32> -> tensor<?x2x2xf32>
  // CHECK: fusor.transpose %{{.*}} perm = [0, 2, 1] : tensor<2x3x4xf32> -> tensor<2x4x3xf32>
  %2 = fusor.transpose %x perm = [0, 2, 1] : tensor<2x3x4xf32> -> tensor<2x4x3xf32>
  // CHECK: fusor.broadcast_to %{{.*}} : tensor<3x1xi8> -> tensor<2x3x4xi8>
  %3 = fusor.broadcast_to %c : tensor<3x1xi8> -> tensor<2x3x4xi8>
  // CHECK: fusor.slice %{{.*}} starts = [0, 1] stops = [4, 9223372036854775807] steps = [2, 3] : tensor<4x10xf32> -> tensor<2x3xf32>
  %4 = fusor.slice %s starts = [0, 1] stops = [4, 9223372036854775807] steps = [2, 3] : tensor<4x10xf32> -> tensor<2x3xf32>
  // CHECK: fusor.concat %{{.*}}, %{{.*}} dim = 0 : tensor<?x4xf32>, tensor<6x4xf32> -> tensor<?x4xf32>
  %5 = fusor.concat %d, %0 dim = 0 : tensor<?x4xf32>, tensor<6x4xf32> -> tensor<?x4xf32>
  // CHECK: fusor.pad %{{.*}} low = [0, 1] high = [2, 0] value = 0.000000e+00 : f32 : tensor<4x10xf32> -> tensor<6x11xf32>
  %6 = fusor.pad %s low = [0, 1] high = [2, 0] value = 0.0 : f32 : tensor<4x10xf32> -> tensor<6x11xf32>
  // CHECK: fusor.pad %{{.*}} low = [1, 0] high = [0, 0] value = -1 : i8 : tensor<3x1xi8> -> tensor<4x1xi8>
  %7 = fusor.pad %c low = [1, 0] high = [0, 0] value = -1 : i8 : tensor<3x1xi8> -> tensor<4x1xi8>
  // CHECK: fusor.index_select %{{.*}}, %{{.*}} dim = 0 : tensor<1000x64xf32>, tensor<8x16xi64> -> tensor<8x16x64xf32>
  %8 = fusor.index_select %t, %ids dim = 0 : tensor<1000x64xf32>, tensor<8x16xi64> -> tensor<8x16x64xf32>
  // CHECK: fusor.gather %{{.*}}, %{{.*}} dim = 1 : tensor<8x10xf32>, tensor<8x1xi32> -> tensor<8x1xf32>
  %9 = fusor.gather %l, %tg dim = 1 : tensor<8x10xf32>, tensor<8x1xi32> -> tensor<8x1xf32>
  return
}
