func.func @main(%x: tensor<?x3xf32>, %y: tensor<3xf32>) -> tensor<?xf32> {
  %0 = fusor.mul %x, %y : tensor<?x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
  %1 = fusor.reduce_sum %0 dims = [1] : tensor<?x3xf32> -> tensor<?xf32>
  return %1 : tensor<?xf32>
}
