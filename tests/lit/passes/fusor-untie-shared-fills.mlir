// RUN: fusor-opt --fusor-untie-shared-fills %s | FileCheck %s
// RUN: fusor-opt --fusor-untie-shared-fills --one-shot-bufferize %s | FileCheck %s --check-prefix=BUF

// tests that one zero border shared by two pads becomes a fill per pad, which bufferization
// writes in place: no buffer is filled once and copied
// CHECK-LABEL: func.func @two_pads
// CHECK: tensor.empty
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: tensor.empty
// CHECK-NEXT: linalg.fill
// CHECK-NOT: linalg.fill
// BUF-LABEL: func.func @two_pads
// BUF-NOT: memref.copy %{{.*}}, %{{.*}} : memref<4x10xf32> to memref<4x10xf32>
// BUF: return
func.func @two_pads(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> (tensor<4x10xf32>, tensor<4x10xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x10xf32>
  %border = linalg.fill ins(%zero : f32) outs(%e : tensor<4x10xf32>) -> tensor<4x10xf32>
  %pa = tensor.insert_slice %a into %border[0, 1] [4, 8] [1, 1] : tensor<4x8xf32> into tensor<4x10xf32>
  %pb = tensor.insert_slice %b into %border[0, 1] [4, 8] [1, 1] : tensor<4x8xf32> into tensor<4x10xf32>
  return %pa, %pb : tensor<4x10xf32>, tensor<4x10xf32>
}
