// RUN: fusor-opt --fusor-early-deallocs %s | FileCheck %s

func.func private @kernel(i64, i64)

// Each buffer freed right after its last use: %a's by a view of it, %b's as an integer pointer
// (through an index_cast) handed to a call, %c's inside a loop, which counts as a whole.
// CHECK-LABEL: func.func @freed_after_last_use
// CHECK: %[[A:.*]] = memref.alloc() : memref<4x8xf32>
// CHECK: %[[B:.*]] = memref.alloc() : memref<64xf32>
// CHECK: linalg.fill {{.*}} outs(%[[A]]
// CHECK: %[[V:.*]] = memref.collapse_shape %[[A]]
// CHECK: memref.copy %[[V]], %arg0
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK: %[[P:.*]] = memref.extract_aligned_pointer_as_index %[[B]]
// CHECK: %[[I:.*]] = arith.index_cast %[[P]]
// CHECK: call @kernel(%[[I]], %[[I]])
// CHECK-NEXT: memref.dealloc %[[B]]
// CHECK: %[[C:.*]] = memref.alloc() : memref<16xf32>
// CHECK: scf.for
// CHECK: memref.store {{.*}}, %[[C]]
// CHECK: }
// CHECK-NEXT: memref.dealloc %[[C]]
// CHECK: linalg.fill {{.*}} outs(%arg0
// CHECK-NEXT: return
func.func @freed_after_last_use(%out: memref<32xf32>, %n: index) {
  %z = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc() : memref<4x8xf32>
  %b = memref.alloc() : memref<64xf32>
  linalg.fill ins(%z : f32) outs(%a : memref<4x8xf32>)
  %v = memref.collapse_shape %a [[0, 1]] : memref<4x8xf32> into memref<32xf32>
  memref.copy %v, %out : memref<32xf32> to memref<32xf32>
  %p = memref.extract_aligned_pointer_as_index %b : memref<64xf32> -> index
  %i = arith.index_cast %p : index to i64
  call @kernel(%i, %i) : (i64, i64) -> ()
  %c = memref.alloc() : memref<16xf32>
  scf.for %k = %c0 to %n step %c1 {
    memref.store %z, %c[%c0] : memref<16xf32>
  }
  linalg.fill ins(%z : f32) outs(%out : memref<32xf32>)
  memref.dealloc %a : memref<4x8xf32>
  memref.dealloc %b : memref<64xf32>
  memref.dealloc %c : memref<16xf32>
  return
}

// Left where they are: deallocs already right after the last use (in the function's block and
// in a nested one), and one before a use (wrong, but not this pass's to move).
// CHECK-LABEL: func.func @left_alone
// CHECK: memref.copy %[[D:.*]], %arg0
// CHECK-NEXT: memref.dealloc %[[D]]
// CHECK: scf.if
// CHECK: %[[E:.*]] = memref.alloc()
// CHECK: memref.copy %[[E]], %arg0
// CHECK-NEXT: memref.dealloc %[[E]]
// CHECK: memref.dealloc %[[F:.*]] :
// CHECK-NEXT: memref.copy %[[F]], %arg0
func.func @left_alone(%out: memref<32xf32>, %flag: i1) {
  %d = memref.alloc() : memref<32xf32>
  memref.copy %d, %out : memref<32xf32> to memref<32xf32>
  memref.dealloc %d : memref<32xf32>
  scf.if %flag {
    %e = memref.alloc() : memref<32xf32>
    memref.copy %e, %out : memref<32xf32> to memref<32xf32>
    memref.dealloc %e : memref<32xf32>
  }
  %f = memref.alloc() : memref<32xf32>
  memref.dealloc %f : memref<32xf32>
  memref.copy %f, %out : memref<32xf32> to memref<32xf32>
  return
}

func.func private @kernel_with_problem(i64)

// A buffer's pointer stored into a problem descriptor that a later call takes: the call is
// the buffer's last use, not the store.
// CHECK-LABEL: func.func @pointer_in_a_descriptor
// CHECK: %[[B:.*]] = memref.alloc() : memref<64xf32>
// CHECK: memref.store %{{.*}}, %[[D:.*]][
// CHECK: call @kernel_with_problem
// CHECK-NEXT: memref.dealloc %[[B]]
func.func @pointer_in_a_descriptor() {
  %c0 = arith.constant 0 : index
  %d = memref.alloca() : memref<1xi64>
  %b = memref.alloc() : memref<64xf32>
  %p = memref.extract_aligned_pointer_as_index %b : memref<64xf32> -> index
  %i = arith.index_cast %p : index to i64
  memref.store %i, %d[%c0] : memref<1xi64>
  %dp = memref.extract_aligned_pointer_as_index %d : memref<1xi64> -> index
  %di = arith.index_cast %dp : index to i64
  %z = arith.constant 0.0 : f32
  %c1 = arith.constant 1 : index
  call @kernel_with_problem(%di) : (i64) -> ()
  memref.dealloc %b : memref<64xf32>
  return
}
