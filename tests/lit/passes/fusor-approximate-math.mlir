// RUN: fusor-opt --fusor-approximate-math %s | FileCheck %s

// tests that f32 exp, log, tanh and erf become arithmetic (no calls), and f64 ones stay
// CHECK-LABEL: func.func @f32
// CHECK-NOT: math.exp
// CHECK-NOT: math.log
// CHECK-NOT: math.tanh
// CHECK-NOT: math.erf
// CHECK: return
func.func @f32(%x: f32, %v: vector<8xf32>) -> (f32, f32, f32, vector<8xf32>) {
  %e = math.exp %x : f32
  %l = math.log %x : f32
  %t = math.tanh %x : f32
  %r = math.erf %v : vector<8xf32>
  return %e, %l, %t, %r : f32, f32, f32, vector<8xf32>
}

// CHECK-LABEL: func.func @f64
// CHECK: math.exp
// CHECK: math.erf
func.func @f64(%x: f64) -> (f64, f64) {
  %e = math.exp %x : f64
  %r = math.erf %x : f64
  return %e, %r : f64, f64
}
