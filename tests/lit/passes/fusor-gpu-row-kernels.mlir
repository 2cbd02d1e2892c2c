// RUN: fusor-opt --fusor-gpu-row-kernels %s | FileCheck %s

#full = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>
#id = affine_map<(d0) -> (d0)>

// A row max, its initial value and the shift by it: one block per row. Thread 0 stores the
// initial value, the threads fold the row (keeping x in shared memory, as the shift reads it
// again), thread 0 stores the total, and after a barrier the shift reads x back from shared
// memory.
// CHECK-LABEL: func.func @max_and_shift
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c64, {{.*}}) threads({{.*}}) in ({{.*}} = %c128,
// CHECK-SAME: workgroup(%[[SLOTS:.*]] : memref<4xf32, #gpu.address_space<workgroup>>, %[[ROW:.*]] : memref<100xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.if
// CHECK:   memref.store %{{.*}}, %arg1[%[[B:.*]]] : memref<64xf32>
// CHECK: gpu.barrier
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %c100{{.*}} step %c128
// CHECK:   %[[X:.*]] = memref.load %arg0
// CHECK:   memref.store %[[X]], %[[ROW]][%[[K]]]
// CHECK:   arith.maximumf
// CHECK: gpu.shuffle down
// CHECK: gpu.barrier
// CHECK: scf.for %[[K2:.*]] = %{{.*}} to %c100{{.*}} step %c128
// CHECK:   memref.load %[[ROW]][%[[K2]]]
// CHECK:   memref.load %arg1
// CHECK:   arith.subf
// CHECK:   memref.store {{.*}}, %arg2
// CHECK-NOT: linalg.
func.func @max_and_shift(%x: memref<64x100xf32>, %m: memref<64xf32>, %y: memref<64x100xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  linalg.fill ins(%ninf : f32) outs(%m : memref<64xf32>)
  linalg.generic {indexing_maps = [#full, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<64x100xf32>) outs(%m : memref<64xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.maximumf %acc, %a : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#full, #row, #full], iterator_types = ["parallel", "parallel"]}
      ins(%x, %m : memref<64x100xf32>, memref<64xf32>) outs(%y : memref<64x100xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.subf %a, %b : f32
    linalg.yield %r : f32
  }
  return
}

// A per-row scalar op between two reductions (a mean's division) runs in thread 0; the
// buffer it reads and writes in place stays per row.
// CHECK-LABEL: func.func @mean_then_centered_sum
// CHECK: gpu.launch
// CHECK: arith.addf
// CHECK: gpu.shuffle down
// CHECK: scf.if
// CHECK:   arith.divf
// CHECK: gpu.barrier
// CHECK: arith.subf
// CHECK: gpu.shuffle down
// CHECK-NOT: linalg.
func.func @mean_then_centered_sum(%x: memref<8x256xf32>, %mean: memref<8xf32>, %s: memref<8xf32>) {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 256.0 : f32
  linalg.fill ins(%zero : f32) outs(%mean : memref<8xf32>)
  linalg.generic {indexing_maps = [#full, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x256xf32>) outs(%mean : memref<8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%mean : memref<8xf32>) outs(%mean : memref<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.divf %a, %n : f32
    linalg.yield %r : f32
  }
  linalg.fill ins(%zero : f32) outs(%s : memref<8xf32>)
  linalg.generic {indexing_maps = [#full, #row, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x, %mean : memref<8x256xf32>, memref<8xf32>) outs(%s : memref<8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %d = arith.subf %a, %b : f32
    %r = arith.addf %acc, %d : f32
    linalg.yield %r : f32
  }
  return
}

// The second op reads the row sums across rows (by column): another block's result, so it
// stays out of the kernel and runs after it.
// CHECK-LABEL: func.func @cross_row_read
// CHECK: gpu.launch
// CHECK: gpu.terminator
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg0, %arg1
func.func @cross_row_read(%x: memref<64x64xf32>, %s: memref<64xf32>, %y: memref<64x64xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%s : memref<64xf32>)
  linalg.generic {indexing_maps = [#full, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<64x64xf32>) outs(%s : memref<64xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#full, #col, #full], iterator_types = ["parallel", "parallel"]}
      ins(%x, %s : memref<64x64xf32>, memref<64xf32>) outs(%y : memref<64x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  }
  return
}

// A write to a buffer an earlier member read across rows would race with that read in other
// blocks: the run ends before the write.
// CHECK-LABEL: func.func @write_after_cross_row_read
// CHECK: gpu.launch
// CHECK: gpu.terminator
// CHECK: linalg.generic
// CHECK-SAME: outs(%arg1
func.func @write_after_cross_row_read(%x: memref<64x64xf32>, %w: memref<64xf32>, %s: memref<64xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%s : memref<64xf32>)
  linalg.generic {indexing_maps = [#full, #col, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x, %w : memref<64x64xf32>, memref<64xf32>) outs(%s : memref<64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%s : memref<64xf32>) outs(%w : memref<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  return
}
