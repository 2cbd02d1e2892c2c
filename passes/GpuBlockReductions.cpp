// fusor-gpu-block-reductions: reductions over trailing dims -> one GPU block per output,
// threads striding over the reduced elements, partials combined with warp shuffles.
#include "fusor/passes/Passes.h"
#include "gpu/BlockReduce.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORGPUBLOCKREDUCTIONS
#include "fusor/passes/Passes.h.inc"

namespace {

using namespace gpu_reduce;

constexpr int64_t kThreads = 256;

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
  auto sharedType = MemRefType::get({kThreads / 32}, element, MemRefLayoutAttrInterface{},
                                    gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup));
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  auto launch = gpu::LaunchOp::create(b, loc, c(rows), c(1), c(1), c(kThreads), c(1), c(1),
                                      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
                                      ValueRange{}, TypeRange{sharedType});
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  Value row = launch.getBlockIds().x, tid = launch.getThreadIds().x;
  SmallVector<Value> outer = delinearize(b, loc, row, parallelSizes);
  Value identity = arith::ConstantOp::create(b, loc, r.identity);

  // Each thread folds elements tid, tid + 256, ... of its row.
  auto loop = scf::ForOp::create(b, loc, tid, c(reduced), c(kThreads), ValueRange{identity});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    SmallVector<Value> loops = outer;
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
  blockReduce(b, loc, r, loop.getResult(0), tid, launch.getWorkgroupAttributions()[0], kThreads,
              [&](OpBuilder &b, Value total) {
                Value old = memref::LoadOp::create(b, loc, output, outer);
                memref::StoreOp::create(b, loc, combine(b, r, total, old), output, outer);
              });
  gpu::TerminatorOp::create(b, loc);
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
