// RUN: fusor-opt --fusor-gpu-block-reductions %s | FileCheck %s

#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d0)>

// A row sum of exp(x): one block per row, each thread folding exp of every 256th element
// (the fused body is recomputed in the loop), then warp shuffles, a barrier, and thread 0
// adding the total to the output's initial value.
// CHECK-LABEL: func.func @row_sum_exp
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c64, {{.*}}) threads({{.*}}) in ({{.*}} = %c256,
// CHECK-SAME: workgroup(%[[SHARED:.*]] : memref<8xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for {{.*}} step %c256{{.*}} iter_args
// CHECK:   memref.load %arg0
// CHECK:   math.exp
// CHECK:   arith.addf
// CHECK: gpu.shuffle down
// CHECK: memref.store {{.*}}, %[[SHARED]]
// CHECK: gpu.barrier
// CHECK: memref.load %arg1
// CHECK: arith.addf
// CHECK: memref.store {{.*}}, %arg1
// CHECK-NOT: linalg.generic
func.func @row_sum_exp(%x: memref<64x1000xf32>, %y: memref<64xf32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<64x1000xf32>) outs(%y : memref<64xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %e = math.exp %a : f32
    %s = arith.addf %e, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// Few reduced elements per output: left to the thread-per-output mapping.
// CHECK-LABEL: func.func @short_rows
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
func.func @short_rows(%x: memref<4096x8xf32>, %y: memref<4096xf32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4096x8xf32>) outs(%y : memref<4096xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.maximumf %a, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// Two rows of 100000: split into 48 chunks of 2084 a row (96 blocks; each thread folds at
// least 8 elements), each block writing its chunk's partial; a second launch of a block per
// row folds the row's 48 partials into the output's initial value.
// CHECK-LABEL: func.func @few_long_rows
// CHECK: %[[PARTIALS:.*]] = memref.alloc() : memref<2x48xf32>
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c96,
// CHECK:   arith.divsi {{.*}}, %c48
// CHECK:   arith.remsi {{.*}}, %c48
// CHECK:   arith.muli {{.*}}, %c2084
// CHECK:   arith.minsi {{.*}}, %c100000
// CHECK:   scf.for
// CHECK:   memref.store {{.*}}, %[[PARTIALS]]
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c2,
// CHECK:   scf.for {{.*}} to %c48 step %c256
// CHECK:     memref.load %[[PARTIALS]]
// CHECK:   memref.load %arg1
// CHECK:   memref.store {{.*}}, %arg1
// CHECK: memref.dealloc %[[PARTIALS]]
func.func @few_long_rows(%x: memref<2x100000xf32>, %y: memref<2xf32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<2x100000xf32>) outs(%y : memref<2xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  return
}
