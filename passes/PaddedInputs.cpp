#include "PaddedInputs.h"

#include "BufferRoots.h"

namespace mlir::fusor {

std::optional<std::pair<int64_t, int64_t>> windowCoefficients(AffineExpr e, unsigned out, unsigned k) {
  int64_t coefficient[2] = {0, 0};
  SmallVector<AffineExpr> terms{e};
  while (!terms.empty()) {
    AffineExpr t = terms.pop_back_val();
    auto binary = dyn_cast<AffineBinaryOpExpr>(t);
    if (binary && t.getKind() == AffineExprKind::Add) {
      terms.append({binary.getLHS(), binary.getRHS()});
      continue;
    }
    int64_t scale = 1;
    if (binary && t.getKind() == AffineExprKind::Mul) {
      auto c = dyn_cast<AffineConstantExpr>(binary.getRHS());
      if (!c) return std::nullopt;
      scale = c.getValue();
      t = binary.getLHS();
    }
    auto d = dyn_cast<AffineDimExpr>(t);
    if (!d || (d.getPosition() != out && d.getPosition() != k)) return std::nullopt;
    coefficient[d.getPosition() == out ? 0 : 1] += scale;
  }
  if (coefficient[0] < 1 || coefficient[1] < 1) return std::nullopt;
  return std::pair{coefficient[0], coefficient[1]};
}

namespace {

bool isZeroFill(Operation *op) {
  auto fill = dyn_cast<linalg::FillOp>(op);
  auto value = fill ? fill.getInputs()[0].getDefiningOp<arith::ConstantOp>() : nullptr;
  auto f = value ? dyn_cast<FloatAttr>(value.getValue()) : nullptr;
  return f && f.getValue().isZero();
}

// Whether static subviews `a` and `b` of one buffer share no element.
bool disjoint(memref::SubViewOp a, memref::SubViewOp b) {
  for (auto [oa, sa, ob, sb] : llvm::zip(a.getStaticOffsets(), a.getStaticSizes(), b.getStaticOffsets(), b.getStaticSizes())) {
    if (llvm::any_of(SmallVector<int64_t>{oa, sa, ob, sb}, ShapedType::isDynamic)) return false;
    if (oa + sa <= ob || ob + sb <= oa) return true;
  }
  return false;
}

}  // namespace

std::optional<PaddedCopy> matchPaddedCopy(Value padded, Operation *reader, Operation *allowed) {
  auto alloc = padded.getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc->getBlock() != reader->getBlock()) return std::nullopt;
  // Every use: a linalg op reading it (never writing it), a dealloc, a zero fill, or a
  // subview that only copies and zero fills write.
  SmallVector<memref::SubViewOp> copiedInto;
  for (Operation *user : alloc->getUsers()) {
    auto linalgUser = dyn_cast<linalg::LinalgOp>(user);
    bool onlyReads = linalgUser && llvm::none_of(linalgUser.getDpsInits(), [&](Value v) { return v == padded; });
    if (isa<memref::DeallocOp>(user) || isZeroFill(user) || (onlyReads && !isa<linalg::FillOp>(user))) continue;
    auto view = dyn_cast<memref::SubViewOp>(user);
    if (!view) return std::nullopt;
    for (Operation *writer : view->getUsers()) {
      auto copy = dyn_cast<memref::CopyOp>(writer);
      if (!(copy && copy.getTarget() == view) && !isZeroFill(writer)) return std::nullopt;
      if (copy) copiedInto.push_back(view);
    }
  }
  memref::CopyOp copy;
  for (Operation *op = reader->getPrevNode(); op && !copy; op = op->getPrevNode())
    if (auto c = dyn_cast<memref::CopyOp>(op); c && bufferRootOf(c.getTarget()) == alloc.getResult()) copy = c;
  if (!copy) return std::nullopt;
  // The interior: the whole source, at unit strides, offset only along H and W.
  auto interior = copy.getTarget().getDefiningOp<memref::SubViewOp>();
  auto source = cast<MemRefType>(copy.getSource().getType());
  if (!interior || !source.hasStaticShape() || !interior.hasUnitStride() || interior.getStaticSizes() != source.getShape() ||
      interior.getStaticOffsets()[0] != 0 || interior.getStaticOffsets()[1] != 0 ||
      ShapedType::isDynamic(interior.getStaticOffsets()[2]) || ShapedType::isDynamic(interior.getStaticOffsets()[3]))
    return std::nullopt;
  // Every copy into the buffer writes that interior (one padded value after another).
  for (memref::SubViewOp view : copiedInto)
    if (view.getStaticOffsets() != interior.getStaticOffsets() || view.getStaticSizes() != interior.getStaticSizes() ||
        !view.hasUnitStride())
      return std::nullopt;
  PaddedCopy p{copy.getSource(), interior.getStaticOffsets()[2], interior.getStaticOffsets()[3], alloc};
  // Between the copy and the reader: zero fills of the border only, and nothing writing the
  // source but `allowed` (a depthwise convolution's own zero fill, which goes); views,
  // allocations, and linalg ops writing other buffers.
  Value root = bufferRootOf(p.source);
  for (Operation *op = copy->getNextNode(); op != reader; op = op->getNextNode()) {
    if (isInertOp(op) || op == allowed) continue;
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp || !linalgOp.hasPureBufferSemantics()) return std::nullopt;
    for (Value out : linalgOp.getDpsInits()) {
      if (bufferRootOf(out) == root) return std::nullopt;
      if (bufferRootOf(out) != alloc.getResult()) continue;
      auto view = out.getDefiningOp<memref::SubViewOp>();
      if (!view || !disjoint(view, interior)) return std::nullopt;
    }
  }
  return p;
}

void erasePaddedBuffer(memref::AllocOp alloc) {
  for (Operation *user : alloc->getUsers()) {
    auto view = dyn_cast<memref::SubViewOp>(user);
    bool written = isa<memref::DeallocOp>(user) || isZeroFill(user) ||
                   (view && llvm::all_of(view->getUsers(), [&](Operation *w) { return isa<memref::CopyOp>(w) || isZeroFill(w); }));
    if (!written) return;  // still read
  }
  for (Operation *user : llvm::make_early_inc_range(alloc->getUsers())) {
    for (Operation *writer : llvm::make_early_inc_range(user->getUsers())) writer->erase();
    user->erase();
  }
  alloc->erase();
}

}  // namespace mlir::fusor
