#include "gemm/CpuEpilogue.h"

#include "BufferRoots.h"
#include "RuntimeCalls.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <limits>

namespace mlir::fusor {
namespace {

bool isReshape(Operation *op) { return isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(op); }

// Whether every use of `c`, also through reshapes, is by `contraction`, `epilogue`, a fill or
// a dealloc; `reshapes` collects the reshapes of c.
bool onlyUsedBy(Value c, Operation *contraction, Operation *epilogue, llvm::SmallPtrSetImpl<Value> &reshapes) {
  for (Operation *user : c.getUsers()) {
    if (user == contraction || user == epilogue || isa<memref::DeallocOp, linalg::FillOp>(user)) continue;
    if (!isReshape(user)) return false;
    reshapes.insert(user->getResult(0));
    if (!onlyUsedBy(user->getResult(0), contraction, epilogue, reshapes)) return false;
  }
  return true;
}

// Row-major strides of `shape`.
SmallVector<int64_t> rowMajorStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = int64_t(shape.size()) - 2; d >= 0; --d) strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

// A static, contiguous, row-major buffer with no offset.
bool isDenseRowMajor(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  if (!memref || !memref.hasStaticShape()) return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(memref.getStridesAndOffset(strides, offset)) || offset != 0) return false;
  SmallVector<int64_t> dense = rowMajorStrides(memref.getShape());
  for (auto [size, stride, want] : llvm::zip(memref.getShape(), strides, dense))
    if (size != 1 && stride != want) return false;
  return true;
}

// How much `memref`, read through `map`, advances per step of each loop dim (0: broadcast);
// nullopt if the map is not dims and zeros or a stride is dynamic.
std::optional<SmallVector<int64_t>> loopStridesOf(Value memref, AffineMap map) {
  auto type = dyn_cast<MemRefType>(memref.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!type || failed(type.getStridesAndOffset(strides, offset))) return std::nullopt;
  SmallVector<int64_t> perLoop(map.getNumDims(), 0);
  for (auto [i, e] : llvm::enumerate(map.getResults())) {
    if (auto c = dyn_cast<AffineConstantExpr>(e); c && c.getValue() == 0) continue;
    auto d = dyn_cast<AffineDimExpr>(e);
    if (!d || ShapedType::isDynamic(strides[i])) return std::nullopt;
    perLoop[d.getPosition()] += type.getDimSize(i) == 1 ? 0 : strides[i];
  }
  return perLoop;
}

// Whether input `operand` of `op` is one value for every element (a 0-d or all-broadcast read).
bool isScalarInput(OpOperand &operand, linalg::GenericOp op) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  return llvm::all_of(map.getResults(), [](AffineExpr e) {
    auto c = dyn_cast<AffineConstantExpr>(e);
    return c && c.getValue() == 0;
  });
}

// Whether `operand` of `op` (over loop ranges `shape`) is a bias per row or per column of C, a
// rows x cols matrix whose flat index is the loops' row-major one, or neither.
BiasKind biasKindOf(linalg::GenericOp op, OpOperand *operand, ArrayRef<int64_t> shape, int64_t cols) {
  // The loop dims from `split` on make up C's column.
  SmallVector<int64_t> flat = rowMajorStrides(shape);
  int64_t split = int64_t(shape.size()), product = 1;
  while (split > 0 && product < cols) product *= shape[--split];
  if (product != cols) return kBiasNone;
  std::optional<SmallVector<int64_t>> strides = loopStridesOf(operand->get(), op.getMatchingIndexingMap(operand));
  auto type = dyn_cast<MemRefType>(operand->get().getType());
  if (!strides || !type || !type.getElementType().isF32()) return kBiasNone;
  bool perRow = true, perColumn = true;
  for (auto [d, size] : llvm::enumerate(shape)) {
    if (size == 1) continue;
    int64_t stride = (*strides)[d];
    bool columnDim = int64_t(d) >= split;
    perRow &= columnDim ? stride == 0 : stride == flat[d] / cols;
    perColumn &= columnDim ? stride == flat[d] : stride == 0;
  }
  return perRow ? kBiasPerRow : perColumn ? kBiasPerColumn : kBiasNone;
}

// Whether `operand` is read element for element from a dense buffer (laid out as C is) that
// the GEMM does not write while it runs: not the output (whose partial sums it overwrites).
bool isResidual(linalg::GenericOp op, OpOperand *operand, Value c, Value output) {
  auto type = dyn_cast<MemRefType>(operand->get().getType());
  return type && type.getElementType().isF32() && op.getMatchingIndexingMap(operand).isIdentity() &&
         isDenseRowMajor(type) && bufferRootOf(operand->get()) != bufferRootOf(output) &&
         bufferRootOf(operand->get()) != bufferRootOf(c);
}

}  // namespace

std::optional<CpuEpilogue> matchCpuEpilogue(Operation *contraction, Value c, int64_t rows, int64_t cols) {
  Operation *next = contraction->getNextNode();
  while (next && (isa<arith::ConstantOp, memref::AllocOp>(next) || isReshape(next))) next = next->getNextNode();
  auto op = dyn_cast_or_null<linalg::GenericOp>(next);
  if (!op || !op.hasPureBufferSemantics() || op.getNumLoops() != op.getNumParallelLoops() ||
      op.getNumDpsInits() != 1 || op.getNumDpsInputs() > 4)
    return std::nullopt;
  SmallVector<int64_t> shape = op.getStaticLoopRanges();
  int64_t elements = 1;
  for (int64_t size : shape) elements = ShapedType::isDynamic(size) ? -1 : elements * size;
  if (elements != rows * cols || !isDenseRowMajor(c.getType())) return std::nullopt;

  CpuEpilogue e;
  e.op = op;
  e.output = op.getDpsInits()[0];
  if (!isDenseRowMajor(e.output.getType()) || !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity())
    return std::nullopt;
  // The GEMM writes the output while it reads A and B.
  for (Value input : contraction->getOperands().drop_back())
    if (bufferRootOf(input) == bufferRootOf(e.output) && bufferRootOf(e.output) != bufferRootOf(c)) return std::nullopt;
  llvm::SmallPtrSet<Value, 4> reshapesOfC;
  reshapesOfC.insert(c);
  // Written in place (the output is C's own buffer, as bufferization makes a transformer's
  // bias add), C may have readers after the epilogue: they read its result either way.
  bool inPlace = bufferRootOf(e.output) == bufferRootOf(c);
  if (!onlyUsedBy(c, contraction, op, reshapesOfC) && !inPlace) return std::nullopt;

  // Classify the inputs: C itself (once, element for element), scalars, and up to two others
  // (a bias, a residual).
  Block &body = op.getRegion().front();
  Value cArg;
  llvm::SmallDenseMap<Value, Value> scalarInputs;  // block argument -> buffer
  llvm::SmallDenseMap<Value, OpOperand *> others;  // block argument -> operand
  for (OpOperand *in : op.getDpsInputOperands()) {
    Value arg = body.getArgument(in->getOperandNumber());
    if (reshapesOfC.contains(in->get())) {
      if (cArg || !op.getMatchingIndexingMap(in).isIdentity() || !isDenseRowMajor(in->get().getType()))
        return std::nullopt;
      cArg = arg;
    } else if (isScalarInput(*in, op)) {
      scalarInputs[arg] = in->get();
    } else {
      others[arg] = in;
    }
  }
  if (!cArg || others.size() > 2) return std::nullopt;

  // The body, from the yielded value back: [min(., hi)] of [max(., lo)] of C [+ bias]
  // [+ residual], the kernel's order.
  auto bound = [&](Value v) -> Value {
    if (auto it = scalarInputs.find(v); it != scalarInputs.end()) return it->second;
    auto constant = v.getDefiningOp<arith::ConstantOp>();
    return constant && isa<FloatAttr>(constant.getValue()) ? v : Value();
  };
  auto peel = [&](Operation *clamp, Value &x, Value &limit) {
    Value lhs = clamp->getOperand(0), rhs = clamp->getOperand(1);
    if (Value l = bound(rhs)) limit = l, x = lhs;
    else if (Value l = bound(lhs)) limit = l, x = rhs;
    return bool(limit);
  };
  // x = y + (an input in `others`), either way round: y and the input's operand.
  auto peelAdd = [&](Value x, Value &y) -> OpOperand * {
    auto add = x.getDefiningOp<arith::AddFOp>();
    if (!add || add->getBlock() != &body) return nullptr;
    for (auto [input, rest] : {std::pair{add.getRhs(), add.getLhs()}, {add.getLhs(), add.getRhs()}})
      if (auto it = others.find(input); it != others.end() && input.hasOneUse()) {
        y = rest;
        return it->second;
      }
    return nullptr;
  };
  unsigned matched = 0;
  Value x = body.getTerminator()->getOperand(0);
  if (auto min = x.getDefiningOp<arith::MinimumFOp>(); min && min->getBlock() == &body) {
    if (!peel(min, x, e.hi)) return std::nullopt;
    ++matched;
  }
  if (auto max = x.getDefiningOp<arith::MaximumFOp>(); max && max->getBlock() == &body) {
    if (!peel(max, x, e.lo)) return std::nullopt;
    ++matched;
  }
  SmallVector<OpOperand *, 2> added;  // outermost first
  while (added.size() < 2 && x != cArg) {
    OpOperand *operand = peelAdd(x, x);
    if (!operand) return std::nullopt;
    added.push_back(operand);
    ++matched;
  }
  // Nothing else in the body, and no input left unused.
  if (x != cArg || body.getOperations().size() != matched + 1 || added.size() != others.size())
    return std::nullopt;

  // The inner sum's input must be a bias; the outer, if there are two, a residual. A single
  // one is a bias if it broadcasts as one, else a residual.
  for (auto [i, operand] : llvm::enumerate(llvm::reverse(added))) {
    bool last = i + 1 == added.size();
    if (!e.bias && (e.biasKind = biasKindOf(op, operand, shape, cols)) != kBiasNone) {
      e.bias = operand->get();
      continue;
    }
    if (!last) return std::nullopt;
    // The output itself (written in place): the GEMM then adds the product to it, which only
    // changes the order of the sum.
    if (operand->get() == e.output && op.getMatchingIndexingMap(operand).isIdentity()) {
      e.addsToOutput = true;
      continue;
    }
    if (!isResidual(op, operand, c, e.output)) return std::nullopt;
    e.residual = operand->get();
  }
  return e;
}

Value outputAsC(OpBuilder &b, const CpuEpilogue &epilogue, MemRefType cType) {
  Value out = epilogue.output;
  if (out.getType() == cType) return out;
  Location loc = epilogue.op->getLoc();
  auto outType = cast<MemRefType>(out.getType());
  // Through 1-D: both are dense and row-major, with as many elements.
  SmallVector<ReassociationIndices> toFlat(1), fromFlat(1);
  for (int64_t d = 0; d < outType.getRank(); ++d) toFlat[0].push_back(d);
  for (int64_t d = 0; d < cType.getRank(); ++d) fromFlat[0].push_back(d);
  Value flat = out;
  if (outType.getRank() != 1) flat = memref::CollapseShapeOp::create(b, loc, out, toFlat);
  if (cType.getRank() == 1) return flat;
  return memref::ExpandShapeOp::create(b, loc, cType.getShape(), flat, fromFlat);
}

std::pair<Value, Value> boundsOf(OpBuilder &b, const CpuEpilogue &epilogue) {
  Location loc = epilogue.op->getLoc();
  auto scalar = [&](Value bound, float unbounded) -> Value {
    if (!bound) return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(unbounded));
    if (auto constant = bound.getDefiningOp<arith::ConstantOp>())
      return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(cast<FloatAttr>(constant.getValue()).getValueAsDouble()));
    auto type = cast<MemRefType>(bound.getType());
    SmallVector<Value> zeros(type.getRank(), arith::ConstantIndexOp::create(b, loc, 0));
    return memref::LoadOp::create(b, loc, bound, zeros);
  };
  return {scalar(epilogue.lo, -std::numeric_limits<float>::infinity()),
          scalar(epilogue.hi, std::numeric_limits<float>::infinity())};
}

Value epilogueDescriptor(OpBuilder &b, Location loc, const std::optional<CpuEpilogue> &epilogue, Value residual) {
  using Field = ::fusor::abi::EpilogueField;
  Problem<Field> descriptor(b, loc);
  auto constant = [&](int64_t v) { return i64Constant(b, loc, v); };
  auto setBuffer = [&](Field pointer, Field offset, Value buffer) {
    BufferView view = buffer ? viewOf(b, loc, buffer) : BufferView{constant(0), constant(0), {}};
    descriptor.set(pointer, view.pointer);
    descriptor.set(offset, view.offset);
  };
  descriptor.set(Field::biasKind, constant(epilogue ? epilogue->biasKind : kBiasNone));
  setBuffer(Field::bias, Field::biasOffset, epilogue ? epilogue->bias : Value());
  setBuffer(Field::residual, Field::residualOffset, residual);
  if (epilogue) {
    auto [lo, hi] = boundsOf(b, *epilogue);
    descriptor.set(Field::lo, lo);
    descriptor.set(Field::hi, hi);
  } else {
    descriptor.set(Field::lo, arith::ConstantOp::create(b, loc, b.getF32FloatAttr(-std::numeric_limits<float>::infinity())));
    descriptor.set(Field::hi, arith::ConstantOp::create(b, loc, b.getF32FloatAttr(std::numeric_limits<float>::infinity())));
  }
  return descriptor.address();
}

void callWithEpilogue(OpBuilder &b, Location loc, Operation *op, RuntimeEntry entry, SmallVectorImpl<Value> &args,
                      const std::optional<CpuEpilogue> &epilogue, Value result) {
  // Adding the output to itself (written in place) is a residual read just before the store.
  Value residual = epilogue ? (epilogue->addsToOutput ? result : epilogue->residual) : Value();
  args.push_back(epilogueDescriptor(b, loc, epilogue, residual));
  func::CallOp::create(b, loc, declareRuntimeFunction(op->getParentOfType<ModuleOp>(), entry), args);
  if (epilogue) epilogue->op->erase();
}

}  // namespace mlir::fusor
