// RUN: fusor-opt --split-input-file --fusor-linalg-to-loops --canonicalize %s | FileCheck %s

// tests that only the leading dims giving enough chunks (2 x 96) are shared between threads;
// the rest is a plain loop nest whose innermost loop LLVM is asked to vectorize
// CHECK: #[[VECTORIZE:.*]] = #llvm.loop_vectorize<disable = false>
// CHECK: #[[VEC:.*]] = #llvm.loop_annotation<vectorize = #[[VECTORIZE]]>
// CHECK-LABEL: func.func @bias_relu
// CHECK: scf.parallel ({{[^,]*}}, {{[^)]*}}) = {{.*}} to (%c2, %c96)
// CHECK-NEXT: scf.for {{.*}} to %c56
// CHECK-NEXT: scf.for {{.*}} to %c56
// CHECK: } {loop_annotation = #[[VEC]]}
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#bias = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @bias_relu(%x: memref<2x96x56x56xf32>, %b: memref<96xf32>, %y: memref<2x96x56x56xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#id4, #bias, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %b : memref<2x96x56x56xf32>, memref<96xf32>) outs(%y : memref<2x96x56x56xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// tests that the innermost dim stays a sequential loop when the dims before it give two
// chunks or more, even fewer than min-chunks
// CHECK-LABEL: func.func @few_rows
// CHECK: scf.parallel ({{[^)]*}}) = {{.*}} to (%c4)
// CHECK-NEXT: scf.for {{.*}} to %c30000
// CHECK: } {loop_annotation =
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @few_rows(%x: memref<4x30000xf32>, %y: memref<4x30000xf32>) {
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x30000xf32>) outs(%y : memref<4x30000xf32>) {
  ^bb0(%a: f32, %o: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// tests that a row reduction of enough work in all (128 x 768) shares its rows between
// threads, with the reduction a loop inside, not asked to vectorize (floating-point sums
// are not reassociated)
// CHECK-LABEL: func.func @row_sums
// CHECK: scf.parallel ({{[^)]*}}) = {{.*}} to (%c128)
// CHECK-NEXT: scf.for {{.*}} to %c768
// CHECK-NOT: loop_annotation
// CHECK: return
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#rows = affine_map<(d0, d1) -> (d0)>
func.func @row_sums(%x: memref<128x768xf32>, %y: memref<128xf32>) {
  linalg.generic {indexing_maps = [#id2, #rows], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<128x768xf32>) outs(%y : memref<128xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// tests that a small op stays serial, its innermost (parallel) loop asked to vectorize
// CHECK-LABEL: func.func @small
// CHECK-NOT: scf.parallel
// CHECK: scf.for {{.*}} to %c8
// CHECK-NEXT: scf.for {{.*}} to %c100
// CHECK: } {loop_annotation =
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @small(%x: memref<8x100xf32>, %y: memref<8x100xf32>) {
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<8x100xf32>) outs(%y : memref<8x100xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  }
  return
}
