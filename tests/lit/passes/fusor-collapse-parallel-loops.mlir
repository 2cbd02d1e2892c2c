// RUN: fusor-opt --fusor-collapse-parallel-loops --canonicalize %s | FileCheck %s

// Two parallel dims become one over 4 * 6 iterations; the innermost index varies fastest.
// CHECK-LABEL: func.func @copy
// CHECK-DAG: %[[C24:.*]] = arith.constant 24 : index
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : index
// CHECK: scf.parallel (%[[I:.*]]) = ({{.*}}) to (%[[C24]])
// CHECK: %[[COL:.*]] = arith.remsi %[[I]], %[[C6]]
// CHECK: %[[ROW:.*]] = arith.divsi %[[I]], %[[C6]]
// CHECK: memref.load %{{.*}}[%[[ROW]], %[[COL]]]
func.func @copy(%in: memref<4x6xf32>, %out: memref<4x6xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c6) step (%c1, %c1) {
    %v = memref.load %in[%i, %j] : memref<4x6xf32>
    memref.store %v, %out[%i, %j] : memref<4x6xf32>
    scf.reduce
  }
  return
}
