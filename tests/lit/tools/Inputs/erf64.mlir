// An exact GELU in f64: its erf stays a libm call (only f32 gets a polynomial), which LLVM
// cannot vectorize.
func.func @gelu(%x: tensor<64x1000xf64>) -> tensor<64x1000xf64> {
  %y = fusor.gelu %x approximate = none : tensor<64x1000xf64>
  return %y : tensor<64x1000xf64>
}
