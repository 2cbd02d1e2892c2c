#include "loops/ReductionNests.h"

#include "BufferRoots.h"
#include "loops/LoopHints.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::fusor {
namespace {

struct ReductionNest {
  linalg::FillOp fill;         // the output's initialization, or null: start from its contents
  linalg::GenericOp reduction;
  linalg::GenericOp consumer;  // or null
  bool storeReduction;         // the reduction's own result is read elsewhere too
};

// Whether `map` reads dims 0..count-1 in order, nothing else.
bool readsLeadingDims(AffineMap map, unsigned count) {
  if (map.getNumResults() != count) return false;
  for (auto [i, e] : llvm::enumerate(map.getResults())) {
    auto d = dyn_cast<AffineDimExpr>(e);
    if (!d || d.getPosition() != i) return false;
  }
  return true;
}

// Every op that reaches `root`'s elements (through views), except views themselves.
SmallVector<Operation *> accessesOf(Value root) {
  SmallVector<Operation *> out;
  SmallVector<Value> work = {root};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (isInertOp(user) && user->getNumResults() == 1 && user->getOperand(0) == v) {
        work.push_back(user->getResult(0));
        continue;
      }
      out.push_back(user);
    }
  }
  return out;
}

std::optional<ReductionNest> matchNest(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 || op.getNumReductionLoops() == 0 ||
      op.getNumResults() != 0)
    return std::nullopt;
  unsigned parallel = op.getNumParallelLoops();
  for (auto [i, kind] : llvm::enumerate(op.getIteratorTypesArray()))
    if ((i < parallel) != (kind == utils::IteratorType::parallel)) return std::nullopt;
  Value out = op.getDpsInits()[0];
  if (!readsLeadingDims(op.getMatchingIndexingMap(op.getDpsInitOperand(0)), parallel)) return std::nullopt;
  Value root = bufferRootOf(out);
  for (Value input : op.getDpsInputs())
    if (bufferRootOf(input) == root) return std::nullopt;

  ReductionNest nest{nullptr, op, nullptr, true};
  // The fill of exactly this buffer, with nothing else touching it in between.
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    auto fill = dyn_cast<linalg::FillOp>(prev);
    if (fill && fill.getOutputs()[0] == out) {
      nest.fill = fill;
      break;
    }
    if (llvm::any_of(prev->getOperands(), [&](Value v) { return isa<MemRefType>(v.getType()) && bufferRootOf(v) == root; }))
      break;
  }

  // The consumer: all parallel over the same dims, reading the result element for element
  // once, and not otherwise reading the reduction's buffer or writing what it reads.
  Operation *next = op->getNextNode();
  while (next && isInertOp(next)) next = next->getNextNode();
  auto consumer = dyn_cast_or_null<linalg::GenericOp>(next);
  auto outType = cast<MemRefType>(out.getType());
  if (consumer && consumer.hasPureBufferSemantics() && consumer.getNumResults() == 0 &&
      consumer.getNumDpsInits() == 1 && consumer.getNumLoops() == parallel &&
      consumer.getNumParallelLoops() == parallel &&
      consumer.getStaticLoopRanges() == ArrayRef(op.getStaticLoopRanges()).take_front(parallel) &&
      readsLeadingDims(consumer.getMatchingIndexingMap(consumer.getDpsInitOperand(0)), parallel)) {
    Value result = consumer.getDpsInits()[0];
    int readsOfOut = 0;
    bool ok = true;
    for (OpOperand *in : consumer.getDpsInputOperands()) {
      if (in->get() == out && readsLeadingDims(consumer.getMatchingIndexingMap(in), parallel)) ++readsOfOut;
      else if (bufferRootOf(in->get()) == root) ok = false;
      else if (result != out && bufferRootOf(in->get()) == bufferRootOf(result)) ok = false;
    }
    for (Value input : op.getDpsInputs())
      if (bufferRootOf(input) == bufferRootOf(result)) ok = false;
    if (ok && readsOfOut == 1 && outType.getShape() == cast<MemRefType>(result.getType()).getShape())
      nest.consumer = consumer;
  }
  // The reduction's result is stored as well unless only these ops and deallocs touch it.
  if (nest.consumer && isa<OpResult>(root)) {
    nest.storeReduction = llvm::any_of(accessesOf(root), [&](Operation *user) {
      return user != op && user != nest.fill.getOperation() && user != nest.consumer.getOperation() &&
             !isa<memref::DeallocOp>(user);
    });
  }
  if (nest.consumer && nest.consumer.getDpsInits()[0] == out) nest.storeReduction = false;
  return nest;
}

// Innermost reductions at least this long are vectorized.
constexpr int64_t kMinVectorReduction = 16;

// Whether the innermost reduction loop is long and every input reads along it contiguously
// (only as its last, unit-stride dim): a row's sum, max or norm. Asked to vectorize, LLVM
// sums in vector lanes and then across them, reassociating the sum as every other engine's
// kernels do; left alone it kept a scalar chain (a GPT-2 block's compiled loops, its softmax
// rows, layer norms and GELU, took 11% of its time at one thread; ONNX Runtime's operators
// other than its GEMMs took 5%).
bool vectorizesInnerReduction(linalg::GenericOp op) {
  const unsigned inner = op.getNumLoops() - 1;
  if (extentHint(op.getStaticLoopRanges()[inner]) < kMinVectorReduction) return false;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    if (!map.isFunctionOfDim(inner)) continue;
    auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
    if (!last || last.getPosition() != inner) return false;
    for (AffineExpr e : map.getResults().drop_back())
      if (e.isFunctionOfDim(inner)) return false;
    auto type = dyn_cast<MemRefType>(in->get().getType());
    SmallVector<int64_t> strides;
    int64_t offset;
    if (!type || failed(type.getStridesAndOffset(strides, offset)) || strides.back() != 1) return false;
  }
  return true;
}

// A reduction whose body ends in maximumf (or minimumf) of an element and the accumulator:
// LLVM vectorizes no reduction of llvm.maximum (its NaN propagates), but one of llvm.maxnum
// (which ignores NaN) if it is alone in its loop. A vectorized one runs as maxnumf, and a
// second loop asks whether the start or an element is NaN, put back after. (Zeros of both
// signs compare equal; either may be kept.) A GPT-2 block's masked row maxima had stayed
// scalar.
enum class NanSeenKind { kMax, kMin };

std::optional<NanSeenKind> nanSeenKind(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  Value accumulator = body.getArguments().back();
  Operation *last = body.getTerminator()->getOperand(0).getDefiningOp();
  if (!last || last->getBlock() != &body || !accumulator.hasOneUse() || !isa<FloatType>(accumulator.getType()))
    return std::nullopt;
  if (last->getOperand(0) != accumulator && last->getOperand(1) != accumulator) return std::nullopt;
  if (isa<arith::MaximumFOp>(last)) return NanSeenKind::kMax;
  if (isa<arith::MinimumFOp>(last)) return NanSeenKind::kMin;
  return std::nullopt;
}

Value indexConstant(OpBuilder &b, Location loc, int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

// memref[map(ivs)].
SmallVector<Value> indicesOf(OpBuilder &b, Location loc, AffineMap map, ValueRange ivs) {
  SmallVector<Value> indices;
  for (unsigned i = 0; i < map.getNumResults(); ++i) {
    AffineExpr e = map.getResult(i);
    if (auto d = dyn_cast<AffineDimExpr>(e)) indices.push_back(ivs[d.getPosition()]);
    else if (auto c = dyn_cast<AffineConstantExpr>(e)) indices.push_back(indexConstant(b, loc, c.getValue()));
    else indices.push_back(affine::AffineApplyOp::create(b, loc, map.getSubMap({i}), ivs));
  }
  return indices;
}

// Clones `op`'s body at b with its block arguments bound to `args` and linalg.index to `ivs`;
// returns the yielded value.
Value inlineBody(OpBuilder &b, linalg::GenericOp op, ValueRange args, ValueRange ivs) {
  Block &body = op.getRegion().front();
  IRMapping mapping;
  mapping.map(body.getArguments(), args);
  for (Operation &inner : body.without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
      mapping.map(index.getResult(), ivs[index.getDim()]);
      continue;
    }
    b.clone(inner, mapping);
  }
  return mapping.lookupOrDefault(body.getTerminator()->getOperand(0));
}

void lower(ReductionNest nest, int64_t parallelThreshold) {
  linalg::GenericOp op = nest.reduction;
  Location loc = op.getLoc();
  OpBuilder b(nest.consumer ? nest.consumer.getOperation() : op.getOperation());
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  unsigned parallel = op.getNumParallelLoops();
  Value zero = indexConstant(b, loc, 0), one = indexConstant(b, loc, 1);
  SmallVector<Value> uppers;  // constants, or the sizes of `?` dims at run time
  for (Range range : cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc)) uppers.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));

  // The output elements: threaded (split and vectorized later like any scf.parallel) or not.
  SmallVector<Value> ivs;
  if (worthThreads(op, parallelThreshold)) {
    auto loop = scf::ParallelOp::create(b, loc, SmallVector<Value>(parallel, zero),
                                        ArrayRef(uppers).take_front(parallel), SmallVector<Value>(parallel, one));
    b.setInsertionPointToStart(loop.getBody());
    llvm::append_range(ivs, loop.getInductionVars());
  } else {
    scf::ForOp innermost;
    for (unsigned d = 0; d < parallel; ++d) {
      innermost = scf::ForOp::create(b, loc, zero, uppers[d], one);
      b.setInsertionPoint(innermost.getBody()->getTerminator());
      ivs.push_back(innermost.getInductionVar());
    }
    if (innermost) markVectorizable(innermost);
  }
  Value out = op.getDpsInits()[0];
  SmallVector<Value> outIndices(ivs.begin(), ivs.end());
  Value init = nest.fill ? nest.fill.getInputs()[0] : memref::LoadOp::create(b, loc, out, outIndices).getResult();

  // The reduction loops from `init` on, the innermost marked for vectorization if `vectorize`;
  // step(elementIvs, carried) builds the innermost body and returns the value it yields.
  auto reductionLoops = [&](Value start, bool vectorize, auto step) {
    SmallVector<scf::ForOp> loops;
    SmallVector<Value> elementIvs(ivs);
    Value carried = start;
    for (unsigned d = parallel; d < ranges.size(); ++d) {
      auto loop = scf::ForOp::create(b, loc, zero, uppers[d], one, ValueRange{carried});
      loops.push_back(loop);
      b.setInsertionPointToStart(loop.getBody());
      elementIvs.push_back(loop.getInductionVar());
      carried = loop.getRegionIterArgs()[0];
    }
    if (vectorize) markVectorizable(loops.back());
    Value yielded = step(elementIvs, carried);
    b.setInsertionPointToEnd(loops.back().getBody());
    scf::YieldOp::create(b, loc, yielded);
    for (unsigned i = loops.size() - 1; i > 0; --i) {
      b.setInsertionPointToEnd(loops[i - 1].getBody());
      scf::YieldOp::create(b, loc, loops[i].getResult(0));
    }
    b.setInsertionPointAfter(loops.front());
    return loops.front().getResult(0);
  };
  // The body at the element's indices, the accumulator `carried`.
  auto body = [&](ArrayRef<Value> elementIvs, Value carried) {
    SmallVector<Value> args;
    for (OpOperand *in : op.getDpsInputOperands())
      args.push_back(
          memref::LoadOp::create(b, loc, in->get(), indicesOf(b, loc, op.getMatchingIndexingMap(in), elementIvs)));
    args.push_back(carried);
    return inlineBody(b, op, args, elementIvs);
  };
  const bool vectorized = vectorizesInnerReduction(op);
  const std::optional<NanSeenKind> nanSeen = vectorized ? nanSeenKind(op) : std::nullopt;
  Value reduced = reductionLoops(init, vectorized, [&](ArrayRef<Value> elementIvs, Value carried) {
    Value next = body(elementIvs, carried);
    if (!nanSeen) return next;
    // The body's last op, maximumf or minimumf, as its NaN-ignoring form (see nanSeenKind).
    Operation *extreme = next.getDefiningOp();
    b.setInsertionPoint(extreme);
    next = *nanSeen == NanSeenKind::kMax
               ? arith::MaxNumFOp::create(b, loc, extreme->getOperand(0), extreme->getOperand(1)).getResult()
               : arith::MinNumFOp::create(b, loc, extreme->getOperand(0), extreme->getOperand(1)).getResult();
    extreme->erase();
    return next;
  });
  if (nanSeen) {
    // Whether the start or an element is NaN: a loop of its own, since LLVM vectorizes a
    // maxnum reduction only alone in its loop.
    Value startIsNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, init, init);
    Value seen = reductionLoops(startIsNan, true, [&](ArrayRef<Value> elementIvs, Value carried) {
      Operation *extreme = body(elementIvs, init).getDefiningOp();
      Value element = extreme->getOperand(0) == init ? extreme->getOperand(1) : extreme->getOperand(0);
      b.setInsertionPoint(extreme);
      Value isNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, element, element);
      Value next = arith::OrIOp::create(b, loc, carried, isNan);
      extreme->erase();
      return next;
    });
    auto type = cast<FloatType>(reduced.getType());
    Value nan = arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, APFloat::getQNaN(type.getFloatSemantics())));
    reduced = arith::SelectOp::create(b, loc, seen, nan, reduced);
  }

  if (nest.storeReduction || !nest.consumer) memref::StoreOp::create(b, loc, reduced, out, outIndices);
  if (linalg::GenericOp consumer = nest.consumer) {
    Value result = consumer.getDpsInits()[0];
    SmallVector<Value> consumerArgs;
    for (OpOperand *in : consumer.getDpsInputOperands())
      consumerArgs.push_back(in->get() == out ? reduced
                                              : memref::LoadOp::create(b, loc, in->get(),
                                                                       indicesOf(b, loc, consumer.getMatchingIndexingMap(in), ivs))
                                                    .getResult());
    Block &body = consumer.getRegion().front();
    bool readsResult = !body.getArguments().back().use_empty();
    consumerArgs.push_back(result == out ? reduced
                           : readsResult ? memref::LoadOp::create(b, loc, result, outIndices).getResult()
                                         : Value(reduced));  // unused
    memref::StoreOp::create(b, loc, inlineBody(b, consumer, consumerArgs, ivs), result, outIndices);
    consumer.erase();
  }
  op.erase();
  if (nest.fill) nest.fill.erase();
}

}  // namespace

void lowerReductionNests(func::FuncOp func, int64_t parallelThreshold) {
  SmallVector<linalg::GenericOp> reductions;
  func.walk([&](linalg::GenericOp op) {
    if (op.getNumReductionLoops() > 0) reductions.push_back(op);
  });
  for (linalg::GenericOp op : reductions)
    if (std::optional<ReductionNest> nest = matchNest(op)) lower(*nest, parallelThreshold);
}

}  // namespace mlir::fusor
