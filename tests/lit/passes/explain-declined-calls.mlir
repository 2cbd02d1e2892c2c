// Tests that the *-to-calls passes, with their `explain` option, say why an op they recognized
// stays as it is (a remark on the op), and say nothing without it.
// RUN: fusor-opt --split-input-file --verify-diagnostics --fusor-contractions-to-calls=explain --fusor-depthwise-to-calls=explain %s
// RUN: fusor-opt --split-input-file --fusor-contractions-to-calls --fusor-depthwise-to-calls %s 2>&1 | FileCheck %s --check-prefix=QUIET
// QUIET-NOT: remark:

func.func @matvec(%a: memref<4x8xf32>, %x: memref<8xf32>, %y: memref<4xf32>) {
  // expected-remark @+1 {{fusor-contractions-to-calls: left as it is: not one m, one n and one k dim}}
  linalg.matvec ins(%a, %x : memref<4x8xf32>, memref<8xf32>) outs(%y : memref<4xf32>)
  return
}

// -----

func.func @integer_matmul(%a: memref<4x8xi32>, %b: memref<8x3xi32>, %c: memref<4x3xi32>) {
  // expected-remark @+1 {{fusor-contractions-to-calls: left as it is: neither f32 nor f64}}
  linalg.matmul ins(%a, %b : memref<4x8xi32>, memref<8x3xi32>) outs(%c : memref<4x3xi32>)
  return
}

// -----

#in = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 + d4, d3 + d5)>
#w = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d4, d5)>
#out = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>

// A depthwise window sum that adds to what its output held: the kernel overwrites its
// output, so it is not called.
func.func @depthwise_accumulating(%x: memref<1x4x8x8xf32>, %w: memref<4x3x3xf32>, %out: memref<1x4x6x6xf32>) {
  // expected-remark @+1 {{fusor-depthwise-to-calls: left as it is: its output is not zero-filled just before it}}
  linalg.generic {indexing_maps = [#in, #w, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : memref<1x4x8x8xf32>, memref<4x3x3xf32>) outs(%out : memref<1x4x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}
