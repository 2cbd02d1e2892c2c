// fusor-wrap-serial-linalg: linalg ops with no parallel loop -> inside a one-iteration
// scf.parallel, so that GPU mapping turns them into (single-thread) kernels.
#include "fusor/passes/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORWRAPSERIALLINALG
#include "fusor/passes/Passes.h.inc"

namespace {

struct WrapSerialLinalgPass : impl::FusorWrapSerialLinalgBase<WrapSerialLinalgPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> serial;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics() && op.getNumParallelLoops() == 0 &&
          !op->getParentOfType<scf::ParallelOp>())
        serial.push_back(op);
    });
    for (linalg::LinalgOp op : serial) {
      OpBuilder b(op);
      Location loc = op.getLoc();
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      auto loop = scf::ParallelOp::create(b, loc, ValueRange{zero}, ValueRange{one}, ValueRange{one});
      op->moveBefore(loop.getBody()->getTerminator());
    }
  }
};

}  // namespace
}  // namespace mlir::fusor
