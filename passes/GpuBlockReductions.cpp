// fusor-gpu-block-reductions: reductions over trailing dims -> one GPU block per output,
// threads striding over the reduced elements, partials combined with warp shuffles; few long
// rows are split over more blocks first.
#include "fusor/passes/Passes.h"
#include "gpu/BlockReduce.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORGPUBLOCKREDUCTIONS
#include "fusor/passes/Passes.h.inc"

namespace {

using namespace gpu_reduce;

// Folds `op`'s elements [begin, end) of reduced row `outer` (strided over the block's threads)
// and hands the block's total to `consume` in thread 0.
void foldRange(OpBuilder &b, Location loc, linalg::GenericOp op, const Reduction &r, ArrayRef<Value> outer,
               ArrayRef<int64_t> reducedSizes, Value begin, Value end, Value tid, Value shared,
               function_ref<void(OpBuilder &, Value total)> consume) {
  Value identity = arith::ConstantOp::create(b, loc, r.identity);
  Value first = arith::AddIOp::create(b, loc, begin, tid);
  Value step = arith::ConstantIndexOp::create(b, loc, kBlockReductionThreads);
  auto loop = scf::ForOp::create(b, loc, first, end, step, ValueRange{identity});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    SmallVector<Value> loops(outer);
    llvm::append_range(loops, delinearize(b, loc, loop.getInductionVar(), reducedSizes));
    IRMapping map;
    for (OpOperand *in : op.getDpsInputOperands()) {
      Value v = memref::LoadOp::create(b, loc, in->get(), applyMap(b, loc, op.getMatchingIndexingMap(in), loops));
      map.map(op.getRegion().front().getArgument(in->getOperandNumber()), v);
    }
    cloneBody(b, op, map, loops, r.combiner);
    Value value = map.lookup(r.combiner->getOperand(r.valueOperand));
    scf::YieldOp::create(b, loc, combine(b, r, value, loop.getRegionIterArgs()[0]));
  }
  blockReduce(b, loc, r, loop.getResult(0), tid, shared, kBlockReductionThreads, consume);
}

void rewrite(linalg::GenericOp op, const Reduction &r) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  ArrayRef<int64_t> parallelSizes = ArrayRef<int64_t>(ranges).take_front(r.parallel);
  ArrayRef<int64_t> reducedSizes = ArrayRef<int64_t>(ranges).drop_front(r.parallel);
  int64_t rows = 1, reduced = 1;
  for (int64_t s : parallelSizes) rows *= s;
  for (int64_t s : reducedSizes) reduced *= s;
  Value output = op.getDpsInits()[0];
  Type element = cast<MemRefType>(output.getType()).getElementType();
  auto sharedType = MemRefType::get({kBlockReductionThreads / 32}, element, MemRefLayoutAttrInterface{},
                                    gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup));
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  auto blockLaunch = [&](int64_t blocks) {
    return gpu::LaunchOp::create(b, loc, c(blocks), c(1), c(1), c(kBlockReductionThreads), c(1), c(1),
                                 /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr, ValueRange{},
                                 TypeRange{sharedType});
  };
  // Few long rows (a full sum) split each row into `splits` chunks: a first launch writes one
  // partial per chunk, a second folds each row's partials into the output.
  int64_t splits = splitsPerRow(rows, reduced);
  Value partials;
  if (splits > 1) {
    int64_t chunk = llvm::divideCeil(reduced, splits);
    partials = memref::AllocOp::create(b, loc, MemRefType::get({rows, splits}, element));
    auto launch = blockLaunch(rows * splits);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    Value block = launch.getBlockIds().x, tid = launch.getThreadIds().x;
    Value row = arith::DivSIOp::create(b, loc, block, c(splits));
    Value part = arith::RemSIOp::create(b, loc, block, c(splits));
    Value begin = arith::MulIOp::create(b, loc, part, c(chunk));
    Value end = arith::MinSIOp::create(b, loc, arith::AddIOp::create(b, loc, begin, c(chunk)), c(reduced));
    foldRange(b, loc, op, r, delinearize(b, loc, row, parallelSizes), reducedSizes, begin, end, tid,
              launch.getWorkgroupAttributions()[0], [&](OpBuilder &b, Value total) {
                memref::StoreOp::create(b, loc, total, partials, ValueRange{row, part});
              });
    gpu::TerminatorOp::create(b, loc);
  }

  auto launch = blockLaunch(rows);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    Value row = launch.getBlockIds().x, tid = launch.getThreadIds().x;
    SmallVector<Value> outer = delinearize(b, loc, row, parallelSizes);
    auto intoOutput = [&](OpBuilder &b, Value total) {
      Value old = memref::LoadOp::create(b, loc, output, outer);
      memref::StoreOp::create(b, loc, combine(b, r, total, old), output, outer);
    };
    Value shared = launch.getWorkgroupAttributions()[0];
    if (!partials) {
      foldRange(b, loc, op, r, outer, reducedSizes, c(0), c(reduced), tid, shared, intoOutput);
    } else {
      // Each thread folds partials tid, tid + 256, ... of its row.
      Value identity = arith::ConstantOp::create(b, loc, r.identity);
      auto loop = scf::ForOp::create(b, loc, tid, c(splits), c(kBlockReductionThreads), ValueRange{identity});
      {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(loop.getBody());
        Value v = memref::LoadOp::create(b, loc, partials, ValueRange{row, loop.getInductionVar()});
        scf::YieldOp::create(b, loc, combine(b, r, v, loop.getRegionIterArgs()[0]));
      }
      blockReduce(b, loc, r, loop.getResult(0), tid, shared, kBlockReductionThreads, intoOutput);
    }
    gpu::TerminatorOp::create(b, loc);
  }
  if (partials) memref::DeallocOp::create(b, loc, partials);
  op.erase();
}

struct GpuBlockReductionsPass : impl::FusorGpuBlockReductionsBase<GpuBlockReductionsPass> {
  using FusorGpuBlockReductionsBase::FusorGpuBlockReductionsBase;

  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, Reduction>> found;
    getOperation().walk([&](linalg::GenericOp op) {
      if (std::optional<Reduction> r = matchReduction(op, minReduction)) found.push_back({op, *r});
    });
    for (auto &[op, r] : found) rewrite(op, r);
  }
};

}  // namespace
}  // namespace mlir::fusor
