// fusor-gpu-block-reductions: reductions over trailing dims -> one GPU block per output,
// threads striding over the reduced elements, partials combined with warp shuffles.
#include "fusor/passes/Passes.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORGPUBLOCKREDUCTIONS
#include "fusor/passes/Passes.h.inc"

namespace {

constexpr int64_t kThreads = 256;
constexpr int64_t kWarps = kThreads / 32;

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

struct Match {
  Operation *combiner;
  unsigned valueOperand;  // the combiner operand that is not the output's running value
  TypedAttr identity;
  unsigned parallel;      // leading parallel loops; the rest reduce
};

std::optional<Match> match(linalg::GenericOp op, int64_t minReduction) {
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
  if (reduced < minReduction) return std::nullopt;
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
  return Match{combiner, valueOperand, identity, parallel};
}

// Row-major delinearization of `linear` over `sizes`.
SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear, ArrayRef<int64_t> sizes) {
  SmallVector<Value> indices(sizes.size());
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    Value size = arith::ConstantIndexOp::create(b, loc, sizes[d]);
    indices[d] = d == 0 ? linear : arith::RemSIOp::create(b, loc, linear, size).getResult();
    if (d) linear = arith::DivSIOp::create(b, loc, linear, size);
  }
  return indices;
}

SmallVector<Value> apply(OpBuilder &b, Location loc, AffineMap map, ArrayRef<Value> loops) {
  SmallVector<Value> out;
  for (AffineExpr e : map.getResults()) {
    if (auto d = dyn_cast<AffineDimExpr>(e)) out.push_back(loops[d.getPosition()]);
    else out.push_back(arith::ConstantIndexOp::create(b, loc, cast<AffineConstantExpr>(e).getValue()));
  }
  return out;
}

// The combiner applied to (value, running) in the positions the body used.
Value combine(OpBuilder &b, const Match &m, Value value, Value running) {
  IRMapping map;
  map.map(m.combiner->getOperand(m.valueOperand), value);
  map.map(m.combiner->getOperand(1 - m.valueOperand), running);
  return b.clone(*m.combiner, map)->getResult(0);
}

// Reduces `v` across the lanes of each warp (lane 0 ends with the result), from `width`.
Value warpReduce(OpBuilder &b, Location loc, const Match &m, Value v, int32_t width) {
  for (int32_t offset = width / 2; offset >= 1; offset /= 2) {
    Value other = gpu::ShuffleOp::create(b, loc, v, offset, 32, gpu::ShuffleMode::DOWN).getResult(0);
    v = combine(b, m, other, v);
  }
  return v;
}

void rewrite(linalg::GenericOp op, const Match &m) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  ArrayRef<int64_t> parallelSizes = ArrayRef<int64_t>(ranges).take_front(m.parallel);
  ArrayRef<int64_t> reducedSizes = ArrayRef<int64_t>(ranges).drop_front(m.parallel);
  int64_t rows = 1, reduced = 1;
  for (int64_t s : parallelSizes) rows *= s;
  for (int64_t s : reducedSizes) reduced *= s;
  Value output = op.getDpsInits()[0];
  Type element = cast<MemRefType>(output.getType()).getElementType();
  auto sharedType = MemRefType::get({kWarps}, element, MemRefLayoutAttrInterface{},
                                    gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup));
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  auto launch = gpu::LaunchOp::create(b, loc, c(rows), c(1), c(1), c(kThreads), c(1), c(1),
                                      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
                                      ValueRange{}, TypeRange{sharedType});
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  Value shared = launch.getWorkgroupAttributions()[0];
  Value row = launch.getBlockIds().x, tid = launch.getThreadIds().x;
  SmallVector<Value> outer = delinearize(b, loc, row, parallelSizes);
  Value identity = arith::ConstantOp::create(b, loc, m.identity);

  // Each thread folds elements tid, tid + 256, ... of its row.
  auto loop = scf::ForOp::create(b, loc, tid, c(reduced), c(kThreads), ValueRange{identity});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    SmallVector<Value> loops = outer;
    llvm::append_range(loops, delinearize(b, loc, loop.getInductionVar(), reducedSizes));
    Block &generic = op.getRegion().front();
    IRMapping map;
    for (OpOperand *in : op.getDpsInputOperands()) {
      Value v = memref::LoadOp::create(b, loc, in->get(), apply(b, loc, op.getMatchingIndexingMap(in), loops));
      map.map(generic.getArgument(in->getOperandNumber()), v);
    }
    for (Operation &inner : generic.without_terminator()) {
      if (&inner == m.combiner) continue;
      if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
        map.map(index.getResult(), loops[index.getDim()]);
        continue;
      }
      b.clone(inner, map);
    }
    Value value = map.lookup(m.combiner->getOperand(m.valueOperand));
    scf::YieldOp::create(b, loc, combine(b, m, value, loop.getRegionIterArgs()[0]));
  }
  Value partial = warpReduce(b, loc, m, loop.getResult(0), 32);
  Value warpSize = c(32);
  Value lane = arith::RemSIOp::create(b, loc, tid, warpSize);
  Value warp = arith::DivSIOp::create(b, loc, tid, warpSize);
  Value zero = c(0);
  Value firstLane = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, zero);
  auto store = scf::IfOp::create(b, loc, firstLane, /*withElseRegion=*/false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(store.thenBlock());
    memref::StoreOp::create(b, loc, partial, shared, ValueRange{warp});
  }
  gpu::BarrierOp::create(b, loc);
  Value firstWarp = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, warp, zero);
  auto finish = scf::IfOp::create(b, loc, firstWarp, /*withElseRegion=*/false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(finish.thenBlock());
    Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, lane, c(kWarps));
    Value slot = arith::SelectOp::create(b, loc, inRange, lane, zero);
    Value loaded = memref::LoadOp::create(b, loc, shared, ValueRange{slot});
    Value v = arith::SelectOp::create(b, loc, inRange, loaded, identity);
    Value total = warpReduce(b, loc, m, v, kWarps);
    auto write = scf::IfOp::create(b, loc, firstLane, /*withElseRegion=*/false);
    b.setInsertionPointToStart(write.thenBlock());
    Value old = memref::LoadOp::create(b, loc, output, outer);
    memref::StoreOp::create(b, loc, combine(b, m, total, old), output, outer);
  }
  gpu::TerminatorOp::create(b, loc);
  op.erase();
}

struct GpuBlockReductionsPass : impl::FusorGpuBlockReductionsBase<GpuBlockReductionsPass> {
  using FusorGpuBlockReductionsBase::FusorGpuBlockReductionsBase;

  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, Match>> found;
    getOperation().walk([&](linalg::GenericOp op) {
      if (std::optional<Match> m = match(op, minReduction)) found.push_back({op, *m});
    });
    for (auto &[op, m] : found) rewrite(op, m);
  }
};

}  // namespace
}  // namespace mlir::fusor
