// fusor-gpu-row-kernels: a run of ops over the same rows (reductions over trailing dims, the
// elementwise ops that use their results, the per-row scalars between them) -> one GPU block
// per row that reads its row once, keeping it in shared memory where it fits.
#include "fusor/passes/Passes.h"
#include "gpu/BlockReduce.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORGPUROWKERNELS
#include "fusor/passes/Passes.h.inc"

namespace {

using namespace gpu_reduce;

constexpr int64_t kMaxThreads = 256;
constexpr int64_t kCacheBytes = 40 * 1024;  // of the 48 KiB of static shared memory

int64_t product(ArrayRef<int64_t> sizes) {
  int64_t p = 1;
  for (int64_t s : sizes) p *= s;
  return p;
}

SmallVector<int64_t> withoutOnes(ArrayRef<int64_t> sizes) {
  SmallVector<int64_t> out;
  for (int64_t s : sizes)
    if (s != 1) out.push_back(s);
  return out;
}

// The buffer a view was made from, through any chain of views.
Value rootOf(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>()) v = view.getViewSource();
  return v;
}

// A static, identity-layout buffer reached from its root through reshapes only, so its
// row-major linear index is the root's.
bool isLinearView(Value v) {
  while (true) {
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity()) return false;
    Operation *def = v.getDefiningOp();
    if (!def || !isa<ViewLikeOpInterface>(def)) return true;
    if (!isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(def)) return false;
    v = cast<ViewLikeOpInterface>(def).getViewSource();
  }
}

// Ops that may sit between members: they allocate or reshape and touch no data, so the
// kernel can take the place of the last member.
bool isNeutral(Operation *op) {
  return isa<memref::AllocOp, memref::ExpandShapeOp, memref::CollapseShapeOp, arith::ConstantOp>(op);
}

bool mapsAreSimple(linalg::GenericOp op) {
  for (AffineMap map : op.getIndexingMapsArray())
    for (AffineExpr e : map.getResults())
      if (!isa<AffineDimExpr, AffineConstantExpr>(e)) return false;
  return true;
}

enum class Kind {
  Fill,    // linalg.fill of a per-row buffer: thread 0 stores the row's element
  Copy,    // memref.copy of a per-row buffer: thread 0 copies the row's element
  PerRow,  // an elementwise generic over the rows only: thread 0 computes the row's element
  Reduce,  // a reduction over the row's elements: threads stride, then a block reduction
  Map,     // an elementwise generic over rows x elements: threads stride over the row
};

struct Member {
  Operation *op;
  Kind kind;
  std::optional<Reduction> reduction;
};

// A run of members over `rowSizes` x `innerSizes`, checked as it grows so that each block
// reads and writes its own row only (or data the run never writes).
class Group {
 public:
  Group(ArrayRef<int64_t> rowSizes, ArrayRef<int64_t> innerSizes)
      : rowSizes_(rowSizes), innerSizes_(innerSizes), rowShape_(withoutOnes(rowSizes)),
        rows_(product(rowSizes)), inner_(product(innerSizes)) {}

  // Appends `op` if it fits the group; false (and no change) otherwise.
  bool tryAdd(Operation *op);

  ArrayRef<Member> members() const { return members_; }
  ArrayRef<int64_t> rowSizes() const { return rowSizes_; }
  ArrayRef<int64_t> innerSizes() const { return innerSizes_; }
  int64_t rows() const { return rows_; }
  int64_t inner() const { return inner_; }
  bool hasReduction() const {
    return llvm::any_of(members_, [](const Member &m) { return m.kind == Kind::Reduce; });
  }
  bool writes(Value root) const { return written_.contains(root); }

 private:
  bool isRowBuffer(Value v) const {
    auto type = dyn_cast<MemRefType>(v.getType());
    return type && isLinearView(v) && product(type.getShape()) == rows_ &&
           withoutOnes(type.getShape()) == rowShape_;
  }
  bool isRowAccess(Value buffer, AffineMap map, ArrayRef<int64_t> loopSizes, unsigned rowLoops) const;
  bool readsOk(linalg::GenericOp op, Kind kind, unsigned rowLoops) const;
  bool writesOk(ArrayRef<Value> outputs, bool fullRows) const;
  // Records `op`; `nonLocalReads` are buffers it reads at elements of other rows too.
  void commit(Operation *op, Kind kind, std::optional<Reduction> r, ArrayRef<Value> nonLocalReads,
              ArrayRef<Value> outputs, bool fullRows);

  SmallVector<int64_t> rowSizes_, innerSizes_, rowShape_;
  int64_t rows_, inner_;
  SmallVector<Member> members_;
  DenseSet<Value> written_;            // roots the group writes
  DenseMap<Value, Value> fullRowOf_;   // root -> the buffer a Map wrote it through
  DenseSet<Value> readBeforeWritten_;  // roots read beyond the row before being written
};

// `map` (over loops of `loopSizes`, the first `rowLoops` of which run over the rows) reads
// the element of `buffer` whose linear index is the row's.
bool Group::isRowAccess(Value buffer, AffineMap map, ArrayRef<int64_t> loopSizes, unsigned rowLoops) const {
  if (!isRowBuffer(buffer)) return false;
  ArrayRef<int64_t> shape = cast<MemRefType>(buffer.getType()).getShape();
  SmallVector<unsigned> used, expected;
  for (auto [dim, e] : llvm::enumerate(map.getResults())) {
    if (auto c = dyn_cast<AffineConstantExpr>(e)) {
      if (c.getValue() != 0 || shape[dim] != 1) return false;
      continue;
    }
    unsigned loop = cast<AffineDimExpr>(e).getPosition();
    if (shape[dim] == 1) {
      if (loopSizes[loop] != 1) return false;
      continue;
    }
    if (loop >= rowLoops || loopSizes[loop] != shape[dim]) return false;
    used.push_back(loop);
  }
  for (unsigned loop = 0; loop < rowLoops; ++loop)
    if (loopSizes[loop] != 1) expected.push_back(loop);
  return used == expected;
}

bool Group::readsOk(linalg::GenericOp op, Kind kind, unsigned rowLoops) const {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (OpOperand *in : op.getDpsInputOperands()) {
    Value root = rootOf(in->get());
    if (!written_.contains(root)) continue;
    AffineMap map = op.getMatchingIndexingMap(in);
    if (auto full = fullRowOf_.find(root); full != fullRowOf_.end()) {
      // The same thread wrote this element: same buffer, same position.
      if (kind == Kind::PerRow || in->get() != full->second || !map.isIdentity()) return false;
    } else if (!isRowAccess(in->get(), map, ranges, rowLoops)) {
      return false;
    }
  }
  return true;
}

bool Group::writesOk(ArrayRef<Value> outputs, bool fullRows) const {
  for (Value out : outputs) {
    Value root = rootOf(out);
    if (readBeforeWritten_.contains(root)) return false;  // another block may still read it
    if (written_.contains(root) && fullRowOf_.contains(root) != fullRows) return false;
    if (fullRows && written_.contains(root) && fullRowOf_.lookup(root) != out) return false;
  }
  return true;
}

void Group::commit(Operation *op, Kind kind, std::optional<Reduction> r, ArrayRef<Value> nonLocalReads,
                   ArrayRef<Value> outputs, bool fullRows) {
  for (Value in : nonLocalReads)
    if (!written_.contains(rootOf(in))) readBeforeWritten_.insert(rootOf(in));
  for (Value out : outputs) {
    written_.insert(rootOf(out));
    if (fullRows) fullRowOf_[rootOf(out)] = out;
  }
  members_.push_back({op, kind, r});
}

bool Group::tryAdd(Operation *op) {
  if (auto fill = dyn_cast<linalg::FillOp>(op)) {
    if (!fill.hasPureBufferSemantics()) return false;
    Value out = fill.getDpsInits()[0];
    if (!isRowBuffer(out) || !writesOk({out}, false)) return false;
    commit(op, Kind::Fill, std::nullopt, {}, {out}, false);
    return true;
  }
  if (auto copy = dyn_cast<memref::CopyOp>(op)) {
    Value from = copy.getSource(), to = copy.getTarget();
    if (!isRowBuffer(from) || !isRowBuffer(to) || from.getType() != to.getType()) return false;
    if (written_.contains(rootOf(from)) && fullRowOf_.contains(rootOf(from))) return false;
    if (!writesOk({to}, false)) return false;
    commit(op, Kind::Copy, std::nullopt, {}, {to}, false);
    return true;
  }
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || !generic.hasPureBufferSemantics() || !mapsAreSimple(generic)) return false;
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic)) return false;
  SmallVector<int64_t> domain(rowSizes_);
  llvm::append_range(domain, innerSizes_);
  SmallVector<Value> outputs;
  for (Value out : generic.getDpsInits()) outputs.push_back(out);

  Kind kind;
  std::optional<Reduction> reduction = matchReduction(generic, /*minReduced=*/1);
  if (reduction) {
    if (ranges != domain || reduction->parallel != rowSizes_.size() || !isRowBuffer(outputs[0]))
      return false;
    kind = Kind::Reduce;
  } else if (generic.getNumReductionLoops() != 0) {
    return false;
  } else if (ranges == domain) {
    for (OpOperand &out : generic.getDpsInitsMutable()) {
      auto type = dyn_cast<MemRefType>(out.get().getType());
      if (!type || !isLinearView(out.get()) || type.getShape() != ArrayRef<int64_t>(ranges) ||
          !generic.getMatchingIndexingMap(&out).isIdentity())
        return false;
    }
    kind = Kind::Map;
  } else if (product(ranges) == rows_ && withoutOnes(ranges) == rowShape_) {
    for (OpOperand &out : generic.getDpsInitsMutable())
      if (!isRowAccess(out.get(), generic.getMatchingIndexingMap(&out), ranges, ranges.size())) return false;
    kind = Kind::PerRow;
  } else {
    return false;
  }
  unsigned rowLoops = kind == Kind::PerRow ? ranges.size() : rowSizes_.size();
  bool fullRows = kind == Kind::Map;
  if (!readsOk(generic, kind, rowLoops) || !writesOk(outputs, fullRows)) return false;
  // Reads confined to the row (or to the thread's own elements) cannot race with a write.
  SmallVector<Value> nonLocalReads;
  for (OpOperand *in : generic.getDpsInputOperands()) {
    AffineMap map = generic.getMatchingIndexingMap(in);
    auto type = cast<MemRefType>(in->get().getType());
    bool ownElement = kind != Kind::PerRow && map.isIdentity() && isLinearView(in->get()) &&
                      type.getShape() == ArrayRef<int64_t>(ranges);
    if (!ownElement && !isRowAccess(in->get(), map, ranges, rowLoops)) nonLocalReads.push_back(in->get());
  }
  commit(op, kind, reduction, nonLocalReads, outputs, fullRows);
  return true;
}

// The group that starts at `first` and contains `seed`, if it has a reduction and a second
// member; members must follow each other with only neutral ops between them.
std::optional<Group> formGroup(Operation *first, linalg::GenericOp seed, const Reduction &r) {
  SmallVector<int64_t> ranges = seed.getStaticLoopRanges();
  Group group(ArrayRef<int64_t>(ranges).take_front(r.parallel), ArrayRef<int64_t>(ranges).drop_front(r.parallel));
  bool pastSeed = false;
  for (Operation *op = first; op; op = op->getNextNode()) {
    if (isNeutral(op)) continue;
    if (!group.tryAdd(op)) {
      if (!pastSeed) return std::nullopt;
      break;
    }
    if (op == seed.getOperation()) pastSeed = true;
  }
  if (!pastSeed || !group.hasReduction() || group.members().size() < 2) return std::nullopt;
  // A lone reduction over few long rows (a full sum, and its initial value or scaling) runs
  // faster split over many blocks by fusor-gpu-block-reductions than as a block per row.
  int64_t reductions = llvm::count_if(group.members(), [](const Member &m) { return m.kind == Kind::Reduce; });
  bool maps = llvm::any_of(group.members(), [](const Member &m) { return m.kind == Kind::Map; });
  if (reductions == 1 && !maps && splitsPerRow(group.rows(), group.inner()) > 1) return std::nullopt;
  return group;
}

// Reads of data the group never writes, by (buffer, map), that more than one member makes
// per element: these are kept in shared memory after their first read.
using ReadKey = std::pair<Value, AffineMap>;

SmallVector<ReadKey> readsToCache(const Group &group) {
  DenseMap<ReadKey, int> counts;
  SmallVector<ReadKey> order;
  unsigned rowLoops = group.rowSizes().size();
  for (const Member &m : group.members()) {
    if (m.kind != Kind::Map && m.kind != Kind::Reduce) continue;
    auto op = cast<linalg::GenericOp>(m.op);
    DenseSet<ReadKey> seen;
    for (OpOperand *in : op.getDpsInputOperands()) {
      ReadKey key{in->get(), op.getMatchingIndexingMap(in)};
      if (group.writes(rootOf(key.first)) || !seen.insert(key).second) continue;
      bool varies = llvm::any_of(key.second.getResults(), [&](AffineExpr e) {
        auto d = dyn_cast<AffineDimExpr>(e);
        return d && d.getPosition() >= rowLoops;
      });
      if (!varies) continue;
      if (counts[key]++ == 0) order.push_back(key);
    }
  }
  SmallVector<ReadKey> cached;
  int64_t bytes = 0;
  for (const ReadKey &key : order) {
    Type element = cast<MemRefType>(key.first.getType()).getElementType();
    if (counts[key] < 2 || !element.isIntOrFloat() || element.getIntOrFloatBitWidth() < 8) continue;
    int64_t size = group.inner() * element.getIntOrFloatBitWidth() / 8;
    if (bytes + size > kCacheBytes) continue;
    bytes += size;
    cached.push_back(key);
  }
  return cached;
}

class KernelBuilder {
 public:
  KernelBuilder(const Group &group, ArrayRef<ReadKey> cached) : group_(group), cached_(cached) {
    threads_ = 32;
    while (threads_ < kMaxThreads && threads_ < group.inner()) threads_ *= 2;
  }

  void build();

 private:
  Value constant(OpBuilder &b, int64_t v) { return arith::ConstantIndexOp::create(b, loc_, v); }
  // Runs `body` in thread 0 of the block, then waits for the whole block.
  void inThreadZero(OpBuilder &b, function_ref<void(OpBuilder &)> body);
  void emitFill(OpBuilder &b, linalg::FillOp fill);
  void emitCopy(OpBuilder &b, memref::CopyOp copy);
  void emitPerRow(OpBuilder &b, linalg::GenericOp op);
  void emitStrided(OpBuilder &b, const Member &m);
  Value loadInput(OpBuilder &b, linalg::GenericOp op, OpOperand *in, ArrayRef<Value> loops, Value k,
                  DenseMap<ReadKey, Value> &loaded);

  const Group &group_;
  ArrayRef<ReadKey> cached_;
  int64_t threads_;
  Location loc_ = UnknownLoc();
  Value row_, tid_;
  SmallVector<Value> outer_;                // the row's indices over the row dims
  DenseMap<Type, Value> reductionBuffers_;  // one slot per warp, by element type
  DenseMap<ReadKey, Value> cacheBuffers_;
  DenseSet<ReadKey> cacheFilled_;
};

void KernelBuilder::inThreadZero(OpBuilder &b, function_ref<void(OpBuilder &)> body) {
  Value first = arith::CmpIOp::create(b, loc_, arith::CmpIPredicate::eq, tid_, constant(b, 0));
  auto branch = scf::IfOp::create(b, loc_, first, /*withElseRegion=*/false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(branch.thenBlock());
    body(b);
  }
  gpu::BarrierOp::create(b, loc_);
}

void KernelBuilder::emitFill(OpBuilder &b, linalg::FillOp fill) {
  inThreadZero(b, [&](OpBuilder &b) {
    Value out = fill.getDpsInits()[0];
    auto shape = cast<MemRefType>(out.getType()).getShape();
    memref::StoreOp::create(b, loc_, fill.getInputs()[0], out, delinearize(b, loc_, row_, shape));
  });
}

void KernelBuilder::emitCopy(OpBuilder &b, memref::CopyOp copy) {
  inThreadZero(b, [&](OpBuilder &b) {
    auto shape = cast<MemRefType>(copy.getTarget().getType()).getShape();
    SmallVector<Value> at = delinearize(b, loc_, row_, shape);
    Value v = memref::LoadOp::create(b, loc_, copy.getSource(), at);
    memref::StoreOp::create(b, loc_, v, copy.getTarget(), at);
  });
}

void KernelBuilder::emitPerRow(OpBuilder &b, linalg::GenericOp op) {
  inThreadZero(b, [&](OpBuilder &b) {
    SmallVector<Value> loops = delinearize(b, loc_, row_, op.getStaticLoopRanges());
    Block &body = op.getRegion().front();
    IRMapping map;
    for (OpOperand *in : op.getDpsInputOperands())
      map.map(body.getArgument(in->getOperandNumber()),
              memref::LoadOp::create(b, loc_, in->get(), applyMap(b, loc_, op.getMatchingIndexingMap(in), loops)));
    cloneBody(b, op, map, loops);
    for (auto [i, out] : llvm::enumerate(op.getDpsInitsMutable()))
      memref::StoreOp::create(b, loc_, map.lookupOrDefault(body.getTerminator()->getOperand(i)), out.get(),
                              applyMap(b, loc_, op.getMatchingIndexingMap(&out), loops));
  });
}

Value KernelBuilder::loadInput(OpBuilder &b, linalg::GenericOp op, OpOperand *in, ArrayRef<Value> loops,
                               Value k, DenseMap<ReadKey, Value> &loaded) {
  AffineMap map = op.getMatchingIndexingMap(in);
  ReadKey key{in->get(), map};
  if (Value v = loaded.lookup(key)) return v;
  Value v;
  Value cache = cacheBuffers_.lookup(key);
  if (cache && cacheFilled_.contains(key)) {
    v = memref::LoadOp::create(b, loc_, cache, ValueRange{k});
  } else {
    v = memref::LoadOp::create(b, loc_, in->get(), applyMap(b, loc_, map, loops));
    // Thread t reads back only the elements it stored itself: no barrier needed.
    if (cache) memref::StoreOp::create(b, loc_, v, cache, ValueRange{k});
  }
  loaded[key] = v;
  return v;
}

// A Map or a Reduce: thread t takes elements t, t + threads, ... of the row.
void KernelBuilder::emitStrided(OpBuilder &b, const Member &m) {
  auto op = cast<linalg::GenericOp>(m.op);
  Block &body = op.getRegion().front();
  SmallVector<Value> init;
  if (m.reduction) init.push_back(arith::ConstantOp::create(b, loc_, m.reduction->identity));
  auto loop = scf::ForOp::create(b, loc_, tid_, constant(b, group_.inner()), constant(b, threads_), init);
  DenseMap<ReadKey, Value> loaded;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value k = loop.getInductionVar();
    SmallVector<Value> loops = outer_;
    llvm::append_range(loops, delinearize(b, loc_, k, group_.innerSizes()));
    IRMapping map;
    for (OpOperand *in : op.getDpsInputOperands())
      map.map(body.getArgument(in->getOperandNumber()), loadInput(b, op, in, loops, k, loaded));
    if (m.reduction) {
      cloneBody(b, op, map, loops, m.reduction->combiner);
      Value value = map.lookup(m.reduction->combiner->getOperand(m.reduction->valueOperand));
      scf::YieldOp::create(b, loc_, combine(b, *m.reduction, value, loop.getRegionIterArgs()[0]));
    } else {
      cloneBody(b, op, map, loops);
      for (auto [i, out] : llvm::enumerate(op.getDpsInitsMutable()))
        memref::StoreOp::create(b, loc_, map.lookupOrDefault(body.getTerminator()->getOperand(i)), out.get(),
                                loops);
    }
  }
  for (auto &[key, value] : loaded)
    if (cacheBuffers_.contains(key)) cacheFilled_.insert(key);
  if (!m.reduction) return;
  Value output = op.getDpsInits()[0];
  Value shared = reductionBuffers_.lookup(cast<MemRefType>(output.getType()).getElementType());
  blockReduce(b, loc_, *m.reduction, loop.getResult(0), tid_, shared, threads_, [&](OpBuilder &b, Value total) {
    Value old = memref::LoadOp::create(b, loc_, output, outer_);
    memref::StoreOp::create(b, loc_, combine(b, *m.reduction, total, old), output, outer_);
  });
  gpu::BarrierOp::create(b, loc_);  // the row's result is visible, the slots free again
}

void KernelBuilder::build() {
  Operation *last = group_.members().back().op;
  loc_ = last->getLoc();
  OpBuilder b(last);
  MLIRContext *context = b.getContext();
  auto workgroup = gpu::AddressSpaceAttr::get(context, gpu::AddressSpace::Workgroup);
  SmallVector<Type> sharedTypes;
  SmallVector<Type> reductionTypes;
  for (const Member &m : group_.members()) {
    if (m.kind != Kind::Reduce) continue;
    Type element = cast<MemRefType>(m.op->getOperand(m.op->getNumOperands() - 1).getType()).getElementType();
    if (!llvm::is_contained(reductionTypes, element)) reductionTypes.push_back(element);
  }
  for (Type t : reductionTypes)
    sharedTypes.push_back(MemRefType::get({threads_ / 32}, t, MemRefLayoutAttrInterface{}, workgroup));
  for (const ReadKey &key : cached_)
    sharedTypes.push_back(MemRefType::get({group_.inner()}, cast<MemRefType>(key.first.getType()).getElementType(),
                                          MemRefLayoutAttrInterface{}, workgroup));
  Value one = constant(b, 1);
  auto launch = gpu::LaunchOp::create(b, loc_, constant(b, group_.rows()), one, one, constant(b, threads_), one, one,
                                      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
                                      ValueRange{}, sharedTypes);
  ArrayRef<BlockArgument> shared = launch.getWorkgroupAttributions();
  for (auto [i, t] : llvm::enumerate(reductionTypes)) reductionBuffers_[t] = shared[i];
  for (auto [i, key] : llvm::enumerate(cached_)) cacheBuffers_[key] = shared[reductionTypes.size() + i];

  b.setInsertionPointToStart(&launch.getBody().front());
  row_ = launch.getBlockIds().x;
  tid_ = launch.getThreadIds().x;
  outer_ = delinearize(b, loc_, row_, group_.rowSizes());
  for (const Member &m : group_.members()) {
    switch (m.kind) {
      case Kind::Fill: emitFill(b, cast<linalg::FillOp>(m.op)); break;
      case Kind::Copy: emitCopy(b, cast<memref::CopyOp>(m.op)); break;
      case Kind::PerRow: emitPerRow(b, cast<linalg::GenericOp>(m.op)); break;
      case Kind::Reduce:
      case Kind::Map: emitStrided(b, m); break;
    }
  }
  gpu::TerminatorOp::create(b, loc_);
  for (const Member &m : llvm::reverse(group_.members())) m.op->erase();
}

bool isRowLike(Operation *op) {
  if (isa<linalg::FillOp, memref::CopyOp>(op)) return true;
  auto generic = dyn_cast<linalg::GenericOp>(op);
  return generic && generic.getNumReductionLoops() == 0;
}

struct GpuRowKernelsPass : impl::FusorGpuRowKernelsBase<GpuRowKernelsPass> {
  using FusorGpuRowKernelsBase::FusorGpuRowKernelsBase;

  // The first group seeded by a reduction not tried yet, or nullopt.
  std::optional<Group> nextGroup(DenseSet<Operation *> &tried) {
    std::optional<Group> found;
    getOperation().walk([&](linalg::GenericOp seed) {
      if (!tried.insert(seed).second) return WalkResult::advance();
      std::optional<Reduction> r = matchReduction(seed, minReduction);
      if (!r) return WalkResult::advance();
      // Per-row ops just before the reduction (its initial value, say) may join it.
      SmallVector<Operation *> starts{seed};
      for (Operation *op = seed->getPrevNode(); op && (isNeutral(op) || isRowLike(op)); op = op->getPrevNode())
        if (!isNeutral(op)) starts.push_back(op);
      for (Operation *first : llvm::reverse(starts))
        if ((found = formGroup(first, seed, *r))) return WalkResult::interrupt();
      return WalkResult::advance();
    });
    return found;
  }

  void runOnOperation() override {
    DenseSet<Operation *> tried;
    while (std::optional<Group> group = nextGroup(tried)) {
      SmallVector<ReadKey> cached = readsToCache(*group);
      KernelBuilder(*group, cached).build();
    }
  }
};

}  // namespace
}  // namespace mlir::fusor
