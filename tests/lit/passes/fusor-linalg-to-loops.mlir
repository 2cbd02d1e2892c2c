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
// threads, with the reduction a loop inside, asked to vectorize (long and contiguous: LLVM
// then sums in lanes)
// CHECK-LABEL: func.func @row_sums
// CHECK: scf.parallel ({{[^)]*}}) = {{.*}} to (%c128)
// CHECK-NEXT: memref.load
// CHECK-NEXT: scf.for {{.*}} to %c768 {{.*}} iter_args
// CHECK: } {loop_annotation =
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

// -----

// tests that a reduction (a depthwise 3x3 window here) is one loop nest with the fill of its
// output before it and the elementwise op after it: the accumulator starts at the fill value
// in a register, and the bias add and clip apply before the only store; no fill, no second
// pass, and the reduction's own buffer (read by nothing else) is never written
// CHECK-LABEL: func.func @window_fill_and_epilogue
// CHECK-NOT: linalg.
// CHECK: scf.parallel
// CHECK: %[[SUM:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %cst)
// CHECK: scf.for {{.*}} iter_args
// CHECK: %[[B:.*]] = memref.load %arg2
// CHECK: %[[BIASED:.*]] = arith.addf %[[SUM]], %[[B]]
// CHECK: arith.maximumf %[[BIASED]]
// CHECK: arith.minimumf
// CHECK-NEXT: memref.store {{.*}}, %arg3
// CHECK-NOT: memref.store
// CHECK: return
#input = affine_map<(n, c, h, w, kh, kw) -> (n, c, h + kh, w + kw)>
#weight = affine_map<(n, c, h, w, kh, kw) -> (c, kh, kw)>
#output = affine_map<(n, c, h, w, kh, kw) -> (n, c, h, w)>
#id4 = affine_map<(n, c, h, w) -> (n, c, h, w)>
#channel = affine_map<(n, c, h, w) -> (c)>
func.func @window_fill_and_epilogue(%x: memref<1x64x58x58xf32>, %k: memref<64x3x3xf32>, %bias: memref<64xf32>,
                                    %y: memref<1x64x56x56xf32>) {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %acc = memref.alloc() : memref<1x64x56x56xf32>
  linalg.fill ins(%zero : f32) outs(%acc : memref<1x64x56x56xf32>)
  linalg.generic {indexing_maps = [#input, #weight, #output],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %k : memref<1x64x58x58xf32>, memref<64x3x3xf32>) outs(%acc : memref<1x64x56x56xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id4, #channel, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%acc, %bias : memref<1x64x56x56xf32>, memref<64xf32>) outs(%y : memref<1x64x56x56xf32>) {
  ^bb0(%v: f32, %b: f32, %o: f32):
    %t = arith.addf %v, %b : f32
    %r = arith.maximumf %t, %zero : f32
    %c = arith.minimumf %r, %six : f32
    linalg.yield %c : f32
  }
  memref.dealloc %acc : memref<1x64x56x56xf32>
  return
}

// -----

// tests that a reduction whose result is read again later is still stored beside the
// consumer's result
// CHECK-LABEL: func.func @sum_kept
// CHECK: %[[SUM:.*]] = scf.for
// CHECK: memref.store %[[SUM]], %arg1
// CHECK: memref.store {{.*}}, %arg2
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#rows = affine_map<(d0, d1) -> (d0)>
#id1 = affine_map<(d0) -> (d0)>
func.func @sum_kept(%x: memref<16x30xf32>, %sum: memref<16xf32>, %mean: memref<16xf32>) {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 30.0 : f32
  linalg.fill ins(%zero : f32) outs(%sum : memref<16xf32>)
  linalg.generic {indexing_maps = [#id2, #rows], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<16x30xf32>) outs(%sum : memref<16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]}
      ins(%sum : memref<16xf32>) outs(%mean : memref<16xf32>) {
  ^bb0(%v: f32, %o: f32):
    %d = arith.divf %v, %n : f32
    linalg.yield %d : f32
  }
  return
}

// -----

// tests that a reduction across rows (its input strided along the reduction) and a short one
// are not asked to vectorize
// CHECK-LABEL: func.func @column_sums
// CHECK: scf.for {{.*}} to %c768
// CHECK: scf.yield
// CHECK-NEXT: {{^ *}}}{{$}}
// CHECK: scf.for {{.*}} to %c12
// CHECK: scf.yield
// CHECK-NEXT: {{^ *}}}{{$}}
// CHECK: return
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#transposed = affine_map<(d0, d1) -> (d1, d0)>
#rows = affine_map<(d0, d1) -> (d0)>
func.func @column_sums(%x: memref<768x128xf32>, %y: memref<128xf32>, %s: memref<64x12xf32>, %t: memref<64xf32>) {
  linalg.generic {indexing_maps = [#transposed, #rows], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<768x128xf32>) outs(%y : memref<128xf32>) {
  ^bb0(%a: f32, %o: f32):
    %sum = arith.addf %a, %o : f32
    linalg.yield %sum : f32
  }
  linalg.generic {indexing_maps = [#id2, #rows], iterator_types = ["parallel", "reduction"]}
      ins(%s : memref<64x12xf32>) outs(%t : memref<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %sum = arith.addf %a, %o : f32
    linalg.yield %sum : f32
  }
  return
}

// -----

// tests that a long row maximum, asked to vectorize, runs as maxnumf (which LLVM vectorizes
// alone in its loop), a second loop asking whether an element is NaN, the NaN put back after
// CHECK-LABEL: func.func @row_max
// CHECK: %[[MAX:.*]] = scf.for {{.*}} iter_args(%[[ACC:.*]] = %cst_0)
// CHECK: %[[X:.*]] = memref.load
// CHECK-NEXT: %[[NEXT:.*]] = arith.maxnumf %[[X]], %[[ACC]]
// CHECK-NEXT: scf.yield %[[NEXT]]
// CHECK: } {loop_annotation =
// CHECK-NEXT: %[[SEEN:.*]] = scf.for {{.*}} iter_args(%[[ANY:.*]] = %false)
// CHECK: %[[Y:.*]] = memref.load
// CHECK-NEXT: %[[NAN:.*]] = arith.cmpf uno, %[[Y]], %[[Y]]
// CHECK-NEXT: arith.ori %[[ANY]], %[[NAN]]
// CHECK: } {loop_annotation =
// CHECK-NEXT: %[[RESULT:.*]] = arith.select %[[SEEN]], %cst, %[[MAX]]
// CHECK-NEXT: memref.store %[[RESULT]]
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#rows = affine_map<(d0, d1) -> (d0)>
func.func @row_max(%x: memref<64x128xf32>, %y: memref<64xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  linalg.fill ins(%ninf : f32) outs(%y : memref<64xf32>)
  linalg.generic {indexing_maps = [#id2, #rows], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<64x128xf32>) outs(%y : memref<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %o : f32
    linalg.yield %m : f32
  }
  return
}
