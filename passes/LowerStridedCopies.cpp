// fusor-lower-strided-copies: memref.copy with a non-identity layout -> linalg.copy.
#include "fusor/passes/Passes.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORLOWERSTRIDEDCOPIES
#include "fusor/passes/Passes.h.inc"

namespace {

bool contiguous(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.getLayout().isIdentity();
}

struct LowerStridedCopiesPass : impl::FusorLowerStridedCopiesBase<LowerStridedCopiesPass> {
  void runOnOperation() override {
    getOperation().walk([](memref::CopyOp copy) {
      if (contiguous(copy.getSource()) && contiguous(copy.getTarget())) return;
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(), copy.getTarget());
      copy.erase();
    });
  }
};

}  // namespace
}  // namespace mlir::fusor
