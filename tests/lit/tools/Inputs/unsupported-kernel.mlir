module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @k(%a: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %a[%c0] : memref<4xf32>
      %w = math.atan %v : f32
      memref.store %w, %a[%c0] : memref<4xf32>
      gpu.return
    }
  }
}
