// A two-layer MLP block as an importer might write it: the body's sizes are dynamic ('?')
// although the arguments are static, and it carries a few redundancies for the optimizer.
func.func @mlp(%x: tensor<8x16xf32>, %w1: tensor<32x16xf32>, %w2: tensor<16x32xf32>) -> tensor<?x16xf32> {
  %one = fusor.constant dense<1.0> : tensor<f32>
  %scale = fusor.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %two = fusor.constant dense<[2.0, 2.0]> : tensor<2xf32>
  %bias = fusor.mul %scale, %two : tensor<2xf32>, tensor<2xf32> -> tensor<2xf32>
  %b = fusor.broadcast_to %bias : tensor<2xf32> -> tensor<16x2xf32>
  %bt = fusor.transpose %b perm = [1, 0] : tensor<16x2xf32> -> tensor<2x16xf32>
  %bflat = fusor.reshape %bt : tensor<2x16xf32> -> tensor<32xf32>
  %w1t = fusor.transpose %w1 perm = [1, 0] : tensor<32x16xf32> -> tensor<16x32xf32>
  %h = fusor.matmul %x, %w1t : tensor<8x16xf32>, tensor<16x32xf32> -> tensor<?x32xf32>
  %hb = fusor.add %h, %bflat : tensor<?x32xf32>, tensor<32xf32> -> tensor<?x32xf32>
  %a = fusor.gelu %hb approximate = tanh : tensor<?x32xf32>
  %a1 = fusor.mul %a, %one : tensor<?x32xf32>, tensor<f32> -> tensor<?x32xf32>
  %at = fusor.transpose %a1 perm = [1, 0] : tensor<?x32xf32> -> tensor<32x?xf32>
  %att = fusor.transpose %at perm = [1, 0] : tensor<32x?xf32> -> tensor<?x32xf32>
  %w2t = fusor.transpose %w2 perm = [1, 0] : tensor<16x32xf32> -> tensor<32x16xf32>
  %y = fusor.matmul %att, %w2t : tensor<?x32xf32>, tensor<32x16xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
