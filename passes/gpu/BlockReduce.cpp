#include "BlockReduce.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::fusor::gpu_reduce {

namespace {

// The combiner's neutral element, or null for an op that is not a recognized combiner.
TypedAttr identityOf(Operation *combiner, Type type) {
  Builder b(combiner->getContext());
  if (auto f = dyn_cast<FloatType>(type)) {
    const llvm::fltSemantics &sem = f.getFloatSemantics();
    if (isa<arith::AddFOp>(combiner)) return b.getFloatAttr(type, 0.0);
    if (isa<arith::MulFOp>(combiner)) return b.getFloatAttr(type, 1.0);
    if (isa<arith::MaximumFOp, arith::MaxNumFOp>(combiner))
      return b.getFloatAttr(type, APFloat::getInf(sem, /*Negative=*/true));
    if (isa<arith::MinimumFOp, arith::MinNumFOp>(combiner))
      return b.getFloatAttr(type, APFloat::getInf(sem, /*Negative=*/false));
    return nullptr;
  }
  unsigned bits = type.getIntOrFloatBitWidth();
  if (isa<arith::AddIOp, arith::OrIOp, arith::XOrIOp>(combiner)) return b.getIntegerAttr(type, 0);
  if (isa<arith::MulIOp>(combiner)) return b.getIntegerAttr(type, 1);
  if (isa<arith::AndIOp>(combiner)) return b.getIntegerAttr(type, APInt::getAllOnes(bits));
  if (isa<arith::MaxSIOp>(combiner)) return b.getIntegerAttr(type, APInt::getSignedMinValue(bits));
  if (isa<arith::MinSIOp>(combiner)) return b.getIntegerAttr(type, APInt::getSignedMaxValue(bits));
  return nullptr;
}

// Reduces `v` across the lanes of each warp (lane 0 ends with the result), from `width`.
Value warpReduce(OpBuilder &b, Location loc, const Reduction &r, Value v, int32_t width) {
  for (int32_t offset = width / 2; offset >= 1; offset /= 2) {
    Value other = gpu::ShuffleOp::create(b, loc, v, offset, 32, gpu::ShuffleMode::DOWN).getResult(0);
    v = combine(b, r, other, v);
  }
  return v;
}

}  // namespace

std::optional<Reduction> matchReduction(linalg::GenericOp op, int64_t minReduced) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1) return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  unsigned parallel = 0;
  while (parallel < iterators.size() && iterators[parallel] == utils::IteratorType::parallel) ++parallel;
  if (parallel == iterators.size()) return std::nullopt;
  for (unsigned i = parallel; i < iterators.size(); ++i)
    if (iterators[i] != utils::IteratorType::reduction) return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic)) return std::nullopt;
  int64_t reduced = 1;
  for (unsigned i = parallel; i < ranges.size(); ++i) reduced *= ranges[i];
  if (reduced < minReduced) return std::nullopt;
  // The output is indexed by the parallel loops, in order.
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (outMap.getNumResults() != parallel) return std::nullopt;
  for (auto [i, e] : llvm::enumerate(outMap.getResults()))
    if (auto d = dyn_cast<AffineDimExpr>(e); !d || d.getPosition() != i) return std::nullopt;
  for (AffineMap map : op.getIndexingMapsArray())
    for (AffineExpr e : map.getResults())
      if (!isa<AffineDimExpr, AffineConstantExpr>(e)) return std::nullopt;
  Type element = cast<MemRefType>(op.getDpsInits()[0].getType()).getElementType();
  if (!element.isF32() && !element.isF64() && !element.isInteger(32) && !element.isInteger(64))
    return std::nullopt;
  // The body folds `value` into the running output with one combiner, used nowhere else.
  Block &body = op.getRegion().front();
  BlockArgument running = body.getArguments().back();
  Operation *combiner = body.getTerminator()->getOperand(0).getDefiningOp();
  if (!combiner || combiner->getNumOperands() != 2 || combiner->getNumResults() != 1 ||
      !running.hasOneUse() || running.getUses().begin()->getOwner() != combiner)
    return std::nullopt;
  if (combiner->getOperand(0) == combiner->getOperand(1)) return std::nullopt;
  unsigned valueOperand = combiner->getOperand(0) == running ? 1 : 0;
  TypedAttr identity = identityOf(combiner, element);
  if (!identity) return std::nullopt;
  return Reduction{combiner, valueOperand, identity, parallel};
}

int64_t splitsPerRow(int64_t rows, int64_t reduced) {
  // An H100 has 132 multiprocessors running several blocks each: aim at 1024 blocks, each
  // thread folding at least 8 elements (below, the second launch costs more than it saves).
  constexpr int64_t kMinBlocks = 1024, kMinPerThread = 8;
  int64_t splits = std::min<int64_t>(llvm::divideCeil(kMinBlocks, rows), reduced / (kBlockReductionThreads * kMinPerThread));
  if (splits < 2) return 1;
  return llvm::divideCeil(reduced, llvm::divideCeil(reduced, splits));  // no empty chunk
}

SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear, ArrayRef<int64_t> sizes) {
  SmallVector<Value> indices(sizes.size());
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    Value size = arith::ConstantIndexOp::create(b, loc, sizes[d]);
    indices[d] = d == 0 ? linear : arith::RemSIOp::create(b, loc, linear, size).getResult();
    if (d) linear = arith::DivSIOp::create(b, loc, linear, size);
  }
  return indices;
}

SmallVector<Value> applyMap(OpBuilder &b, Location loc, AffineMap map, ArrayRef<Value> loops) {
  SmallVector<Value> out;
  for (AffineExpr e : map.getResults()) {
    if (auto d = dyn_cast<AffineDimExpr>(e)) out.push_back(loops[d.getPosition()]);
    else out.push_back(arith::ConstantIndexOp::create(b, loc, cast<AffineConstantExpr>(e).getValue()));
  }
  return out;
}

void cloneBody(OpBuilder &b, linalg::GenericOp op, IRMapping &map, ArrayRef<Value> loops,
               Operation *skip) {
  for (Operation &inner : op.getRegion().front().without_terminator()) {
    if (&inner == skip) continue;
    if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
      map.map(index.getResult(), loops[index.getDim()]);
      continue;
    }
    b.clone(inner, map);
  }
}

Value combine(OpBuilder &b, const Reduction &r, Value value, Value running) {
  IRMapping map;
  map.map(r.combiner->getOperand(r.valueOperand), value);
  map.map(r.combiner->getOperand(1 - r.valueOperand), running);
  return b.clone(*r.combiner, map)->getResult(0);
}

void blockReduce(OpBuilder &b, Location loc, const Reduction &r, Value partial, Value tid,
                 Value shared, int64_t threads,
                 function_ref<void(OpBuilder &, Value total)> atThreadZero) {
  const int64_t warps = threads / 32;
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  Value warpTotal = warpReduce(b, loc, r, partial, 32);
  Value lane = arith::RemSIOp::create(b, loc, tid, c(32));
  Value warp = arith::DivSIOp::create(b, loc, tid, c(32));
  Value zero = c(0);
  Value firstLane = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, zero);
  auto store = scf::IfOp::create(b, loc, firstLane, /*withElseRegion=*/false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(store.thenBlock());
    memref::StoreOp::create(b, loc, warpTotal, shared, ValueRange{warp});
  }
  gpu::BarrierOp::create(b, loc);
  Value firstWarp = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, warp, zero);
  auto finish = scf::IfOp::create(b, loc, firstWarp, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(finish.thenBlock());
  Value total = warpTotal;
  if (warps > 1) {
    Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, lane, c(warps));
    Value slot = arith::SelectOp::create(b, loc, inRange, lane, zero);
    Value loaded = memref::LoadOp::create(b, loc, shared, ValueRange{slot});
    Value identity = arith::ConstantOp::create(b, loc, r.identity);
    Value v = arith::SelectOp::create(b, loc, inRange, loaded, identity);
    total = warpReduce(b, loc, r, v, static_cast<int32_t>(warps));
  }
  auto write = scf::IfOp::create(b, loc, firstLane, /*withElseRegion=*/false);
  b.setInsertionPointToStart(write.thenBlock());
  atThreadZero(b, total);
}

}  // namespace mlir::fusor::gpu_reduce
