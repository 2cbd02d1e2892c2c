// RUN: fusor-opt --split-input-file --fusor-vectorizer-friendly-forms %s | FileCheck %s

// tests that NaN-ignoring max and min become LLVM's intrinsics (arith-expand would make them
// compares and selects), scalar or vector, and that NaN-propagating max stays as it is
// CHECK-LABEL: func.func @min_max
// CHECK: llvm.intr.maxnum(%arg0, %arg1) : (f32, f32) -> f32
// CHECK: llvm.intr.minnum(%arg2, %arg3) : (vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// CHECK: arith.maximumf %arg0, %arg1
// CHECK-NOT: arith.maxnumf
// CHECK-NOT: arith.minnumf
func.func @min_max(%a: f32, %b: f32, %u: vector<16xf32>, %v: vector<16xf32>) -> (f32, vector<16xf32>, f32) {
  %0 = arith.maxnumf %a, %b : f32
  %1 = arith.minnumf %u, %v : vector<16xf32>
  %2 = arith.maximumf %a, %b : f32
  return %0, %1, %2 : f32, vector<16xf32>, f32
}

// -----

// tests that booleans are loaded and stored as bytes (a vectorized i1 load takes each lane's
// byte on its own), other loads and stores left alone
// CHECK-LABEL: func.func @bools
// CHECK: %[[BYTE:.*]] = llvm.load %arg0 {alignment = 1 : i64} : !llvm.ptr -> i8
// CHECK-NEXT: %[[BOOL:.*]] = llvm.trunc %[[BYTE]] : i8 to i1
// CHECK-NEXT: %[[FLIPPED:.*]] = llvm.xor %[[BOOL]]
// CHECK-NEXT: %[[OUT:.*]] = llvm.zext %[[FLIPPED]] : i1 to i8
// CHECK-NEXT: llvm.store %[[OUT]], %arg1 {alignment = 1 : i64} : i8, !llvm.ptr
// CHECK-NEXT: llvm.load %arg2 : !llvm.ptr -> f32
func.func @bools(%p: !llvm.ptr, %q: !llvm.ptr, %r: !llvm.ptr) -> f32 {
  %true = llvm.mlir.constant(true) : i1
  %0 = llvm.load %p {alignment = 1 : i64} : !llvm.ptr -> i1
  %1 = llvm.xor %0, %true : i1
  llvm.store %1, %q {alignment = 1 : i64} : i1, !llvm.ptr
  %2 = llvm.load %r : !llvm.ptr -> f32
  return %2 : f32
}
