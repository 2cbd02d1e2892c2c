// RUN: fusor-opt --fusor-dynamic-results-in-place %s | FileCheck %s

// A result with `?` sizes is computed in its output argument: no buffer of its own, no copy.
// CHECK-LABEL: func.func @computed_in_the_argument
// CHECK-NOT: memref.alloc
// CHECK: linalg.fill {{.*}} outs(%arg1 : memref<?x8xf32>)
// CHECK-NOT: memref.copy
// CHECK: return
func.func @computed_in_the_argument(%n: index, %out: memref<?x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc(%n) : memref<?x8xf32>
  linalg.fill ins(%zero : f32) outs(%a : memref<?x8xf32>)
  memref.copy %a, %out : memref<?x8xf32> to memref<?x8xf32>
  memref.dealloc %a : memref<?x8xf32>
  return
}

// A use inside a loop before the copy counts as the loop's.
// CHECK-LABEL: func.func @used_in_a_loop
// CHECK-NOT: memref.alloc
// CHECK: scf.for
// CHECK: memref.store {{.*}}, %arg1
// CHECK-NOT: memref.copy
func.func @used_in_a_loop(%n: index, %out: memref<?xf32>) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc(%n) : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    memref.store %zero, %a[%i] : memref<?xf32>
  }
  memref.copy %a, %out : memref<?xf32> to memref<?xf32>
  memref.dealloc %a : memref<?xf32>
  return
}

// Kept: the buffer is read after the copy, or the argument is used besides, or the sizes are
// static (bufferization computes those in place already).
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-3: memref.copy
func.func @kept(%n: index, %x: memref<?x8xf32>, %out: memref<?x8xf32>, %out3: memref<4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc(%n) : memref<?x8xf32>
  linalg.fill ins(%zero : f32) outs(%a : memref<?x8xf32>)
  memref.copy %a, %out : memref<?x8xf32> to memref<?x8xf32>
  linalg.fill ins(%zero : f32) outs(%x : memref<?x8xf32>)
  memref.copy %a, %x : memref<?x8xf32> to memref<?x8xf32>
  %b = memref.alloc() : memref<4x8xf32>
  linalg.fill ins(%zero : f32) outs(%b : memref<4x8xf32>)
  memref.copy %b, %out3 : memref<4x8xf32> to memref<4x8xf32>
  return
}
