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
