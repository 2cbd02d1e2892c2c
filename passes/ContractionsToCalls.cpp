// fusor-contractions-to-calls: f32/f64 matmul-like linalg ops on buffers -> calls to the
// runtime GEMM (fusor_rt_gemm_*), a loop of them over batch dims (the innermost one a
// strided-batch call where asked), with any strides.
#include "fusor/passes/Passes.h"
#include "BufferRoots.h"
#include "RuntimeCalls.h"
#include "gemm/CpuEpilogue.h"
#include "fusor/runtime/abi/Bits.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORCONTRACTIONSTOCALLS
#include "fusor/passes/Passes.h.inc"

namespace {

// The result position of `map` that reads loop dim `dim`, or -1 if it does not.
int64_t positionOf(AffineMap map, unsigned dim) {
  for (auto [i, e] : llvm::enumerate(map.getResults()))
    if (auto d = dyn_cast<AffineDimExpr>(e); d && d.getPosition() == dim) return i;
  return -1;
}

// Operand maps may only read loop dims or the constant 0 (a broadcast dim).
bool simpleMap(AffineMap map) {
  return llvm::all_of(map.getResults(), [](AffineExpr e) {
    auto c = dyn_cast<AffineConstantExpr>(e);
    return isa<AffineDimExpr>(e) || (c && c.getValue() == 0);
  });
}

// Whether loop dims (outer, inner) are adjacent and contiguous (outer stride = inner extent *
// inner stride, known statically) in A and C, the operands that read them.
bool contiguousPair(ArrayRef<AffineMap> maps, linalg::LinalgOp op, unsigned outer, unsigned inner,
                    int64_t innerExtent) {
  for (int x : {0, 2}) {
    int64_t po = positionOf(maps[x], outer), pi = positionOf(maps[x], inner);
    if (po < 0 || pi != po + 1) return false;
    auto type = cast<MemRefType>(op->getOperand(x == 0 ? 0 : 2).getType());
    if (type.getLayout().isIdentity()) continue;  // row-major and dense, `?` sizes or not
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(type.getStridesAndOffset(strides, offset)) ||
        ShapedType::isDynamic(strides[po]) || ShapedType::isDynamic(strides[pi]) ||
        strides[po] != innerExtent * strides[pi])
      return false;
  }
  return true;
}

// Whether memref dims (row, col) of `type` have static strides a BLAS can take: unit column
// stride with a row stride covering the row, or the transpose; `unitColumn` requires the first.
bool blasLayout(MemRefType type, int64_t row, int64_t col, bool unitColumn) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset))) return false;
  int64_t rs = strides[row], cs = strides[col], rows = type.getDimSize(row), cols = type.getDimSize(col);
  if (ShapedType::isDynamic(rs) || ShapedType::isDynamic(cs)) return false;
  if (cs == 1 && rs >= std::max<int64_t>(cols, 1)) return true;
  return !unitColumn && rs == 1 && cs >= std::max<int64_t>(rows, 1);
}

// --- Epilogues: the elementwise op after a GEMM, when cuBLASLt can apply it instead. ---

bool isFloatConstant(Value v, double expected) {
  auto c = v.getDefiningOp<arith::ConstantOp>();
  auto f = c ? dyn_cast<FloatAttr>(c.getValue()) : nullptr;
  return f && std::abs(f.getValueAsDouble() - expected) <= 1e-6 * std::abs(expected);
}

// `v` = op(x, y) for a commutative OpTy, with `x` matching `first` (either order).
template <typename OpTy>
bool commutes(Value v, function_ref<bool(Value)> first, function_ref<bool(Value)> second) {
  auto op = v.getDefiningOp<OpTy>();
  if (!op) return false;
  Value a = op.getLhs(), b = op.getRhs();
  return (first(a) && second(b)) || (first(b) && second(a));
}

// r = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as fusor lowers gelu(approximate="tanh").
bool isGeluTanh(Value r, Value x) {
  auto is = [](Value want) { return [want](Value v) { return v == want; }; };
  auto constant = [](double c) { return [c](Value v) { return isFloatConstant(v, c); }; };
  auto cube = [&](Value v) {
    return commutes<arith::MulFOp>(v, [&](Value s) { return commutes<arith::MulFOp>(s, is(x), is(x)); }, is(x));
  };
  auto poly = [&](Value v) {
    return commutes<arith::AddFOp>(v, is(x), [&](Value t) { return commutes<arith::MulFOp>(t, cube, constant(0.044715)); });
  };
  auto inner = [&](Value v) {
    auto tanh = v.getDefiningOp<math::TanhOp>();
    return tanh && commutes<arith::MulFOp>(tanh.getOperand(), poly, constant(std::sqrt(2.0 / M_PI)));
  };
  return commutes<arith::MulFOp>(
      r, [&](Value h) { return commutes<arith::MulFOp>(h, is(x), constant(0.5)); },
      [&](Value o) { return commutes<arith::AddFOp>(o, inner, constant(1.0)); });
}

struct Epilogue {
  linalg::GenericOp op;  // replaced by the epilogue
  int64_t bits = 0;      // fusor::abi::GemmEpilogueBits
  Value bias;            // a contiguous vector over n, or null
  Value output;          // where the GEMM writes instead of C
};

// The elementwise op right after the contraction that reads its result C once, at the same
// element, adds a bias over the last dim and/or applies relu or tanh-gelu, and writes a buffer
// laid out as C; C must have no other readers.
std::optional<Epilogue> matchEpilogue(Operation *contraction, Value c) {
  Operation *next = contraction->getNextNode();
  while (next && isa<arith::ConstantOp, memref::AllocOp>(next)) next = next->getNextNode();
  auto op = dyn_cast_or_null<linalg::GenericOp>(next);
  if (!op || !op.hasPureBufferSemantics() || op.getNumReductionLoops() || op.getNumDpsInits() != 1 ||
      op.getNumDpsInputs() > 2)
    return std::nullopt;
  auto cType = cast<MemRefType>(c.getType());
  Value out = op.getDpsInits()[0];
  if (out.getType() != cType || !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity())
    return std::nullopt;
  for (Operation *user : c.getUsers())
    if (user != contraction && user != op && !isa<memref::DeallocOp, linalg::FillOp>(user)) return std::nullopt;
  // The GEMM would write the output while it still reads A, B and the bias: the elementwise
  // op may reuse a dead input's buffer (h = gelu(x W1) written to the result, then h W2 + b).
  Value outRoot = bufferRootOf(out);
  for (OpOperand *in : op.getDpsInputOperands())
    if (in->get() != c && bufferRootOf(in->get()) == outRoot) return std::nullopt;
  for (Value input : contraction->getOperands().drop_back())
    if (bufferRootOf(input) == outRoot) return std::nullopt;
  Block &body = op.getRegion().front();
  Value cValue, biasValue;
  Epilogue e{op, 0, nullptr, out};
  unsigned last = cType.getRank() - 1;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    if (in->get() == c && map.isIdentity() && !cValue) {
      cValue = body.getArgument(in->getOperandNumber());
      continue;
    }
    auto type = dyn_cast<MemRefType>(in->get().getType());
    if (!type || type.getRank() != 1 || !type.getLayout().isIdentity() || type.getElementType() != cType.getElementType() ||
        type.getDimSize(0) != cType.getDimSize(last) || map.getNumResults() != 1 ||
        map.getResult(0) != getAffineDimExpr(last, op.getContext()) || in->get() == c)
      return std::nullopt;
    biasValue = body.getArgument(in->getOperandNumber());
    e.bias = in->get();
  }
  if (!cValue) return std::nullopt;
  Value x = cValue;  // the value the activation takes
  Value result = body.getTerminator()->getOperand(0);
  if (biasValue) {
    // The sum is the first op (the activation, if any, takes it).
    auto add = dyn_cast<arith::AddFOp>(&body.front());
    if (!add || !((add.getLhs() == cValue && add.getRhs() == biasValue) ||
                  (add.getLhs() == biasValue && add.getRhs() == cValue)))
      return std::nullopt;
    x = add.getResult();
    e.bits |= ::fusor::abi::kEpilogueBias;
  }
  if (result == x && biasValue) return e;
  if (commutes<arith::MaximumFOp>(result, [&](Value v) { return v == x; },
                                  [](Value v) { return isFloatConstant(v, 0.0); })) {
    e.bits |= ::fusor::abi::kEpilogueRelu;
    return e;
  }
  if (isGeluTanh(result, x)) {
    e.bits |= ::fusor::abi::kEpilogueGeluTanh;
    return e;
  }
  return std::nullopt;
}

struct ContractionsToCallsPass : impl::FusorContractionsToCallsBase<ContractionsToCallsPass> {
  using FusorContractionsToCallsBase::FusorContractionsToCallsBase;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> candidates;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics() && op.getNumDpsInputs() == 2 && op.getNumDpsInits() == 1 &&
          linalg::isaContractionOpInterface(op))
        candidates.push_back(op);
    });
    for (linalg::LinalgOp op : candidates) rewrite(op);
  }

  void rewrite(linalg::LinalgOp op) {
    DeclineExplainer declined(getArgument(), explain);
    FailureOr<linalg::ContractionDimensions> dims = linalg::inferContractionDims(op);
    if (failed(dims) || dims->m.empty() || dims->n.empty() || dims->k.size() != 1)
      return declined(op, "not one m, one n and one k dim (a matrix-vector product, or several k dims)");
    Value a = op.getDpsInputs()[0], b = op.getDpsInputs()[1], c = op.getDpsInits()[0];
    Type element = cast<MemRefType>(c.getType()).getElementType();
    if (!element.isF32() && !element.isF64()) return declined(op, "neither f32 nor f64");
    for (Value v : {a, b})
      if (cast<MemRefType>(v.getType()).getElementType() != element)
        return declined(op, "its operands' element types differ");
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    if (!llvm::all_of(maps, simpleMap)) return declined(op, "an indexing map that is not a projection of loop dims");
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    bool dynamic = llvm::any_of(ranges, ShapedType::isDynamic);
    unsigned m = dims->m.back(), n = dims->n.back(), k = dims->k[0];
    // Extra m and n dims (x @ w with x of rank 3 has two m dims) are looped over like batch
    // dims, except that two m dims contiguous in both A and C merge into one taller matrix.
    SmallVector<unsigned> loops(dims->batch.begin(), dims->batch.end());
    int64_t mSizeValue = ranges[m];
    bool merged = dims->m.size() == 2 && contiguousPair(maps, op, dims->m[0], m, ranges[m]);
    if (!merged) loops.append(dims->m.begin(), dims->m.end() - 1);
    else if (!dynamic) mSizeValue *= ranges[dims->m[0]];
    loops.append(dims->n.begin(), dims->n.end() - 1);
    llvm::erase_if(loops, [&](unsigned d) { return ranges[d] == 1; });  // one call covers them
    // Per operand, the memref dims that walk (row, column) of its matrix.
    int64_t rows[3] = {positionOf(maps[0], m), positionOf(maps[1], k), positionOf(maps[2], m)};
    int64_t cols[3] = {positionOf(maps[0], k), positionOf(maps[1], n), positionOf(maps[2], n)};
    if (llvm::is_contained(rows, -1) || llvm::is_contained(cols, -1))
      return declined(op, "an operand without a row or column dim of its matrix");
    if (unitStrideOnly) {
      Value operands[3] = {a, b, c};
      // A merged m dim is contiguous only row-major: A and C need unit column strides then.
      for (int x = 0; x < 3; ++x)
        if (!blasLayout(cast<MemRefType>(operands[x].getType()), rows[x], cols[x],
                        x == 2 || (merged && x == 0)))
          return declined(op, "an operand without a unit row or column stride (unit-stride-only)");
    }

    linalg::FillOp fill = zeroFillBefore(op, c);  // before new ops come between them
    // Epilogues: one GEMM over all of C, overwritten, its n dim C's last (unit) one.
    auto cType = cast<MemRefType>(c.getType());
    bool oneGemmOverC = fill && element.isF32() && loops.empty() && rows[2] + 1 == cols[2] &&
                        cols[2] == cType.getRank() - 1;
    std::optional<Epilogue> epilogue;
    std::optional<CpuEpilogue> cpuEpilogue;
    if (epilogues && oneGemmOverC) epilogue = matchEpilogue(op, c);
    if (cpuEpilogues && oneGemmOverC && !dynamic) cpuEpilogue = matchCpuEpilogue(op, c, mSizeValue, ranges[n]);
    Operation *replaced = epilogue ? epilogue->op : cpuEpilogue ? cpuEpilogue->op : nullptr;
    OpBuilder builder(replaced ? replaced : op.getOperation());
    Location loc = op.getLoc();
    auto i64 = builder.getI64Type();
    auto constant = [&](int64_t v) { return i64Constant(builder, loc, v); };
    Value result = epilogue ? epilogue->output : cpuEpilogue ? outputAsC(builder, *cpuEpilogue, cType) : c;
    BufferView views[3] = {viewOf(builder, loc, a), viewOf(builder, loc, b), viewOf(builder, loc, result)};
    Value accumulate = constant(fill && !(cpuEpilogue && cpuEpilogue->addsToOutput) ? 0 : 1);
    // A loop dim's extent: a constant, or the size of an operand dim it walks (`?` sizes).
    auto extent = [&](unsigned dim) -> Value {
      if (!ShapedType::isDynamic(ranges[dim])) return constant(ranges[dim]);
      Value operands[3] = {a, b, c};
      for (int x = 0; x < 3; ++x)
        if (int64_t pos = positionOf(maps[x], dim); pos >= 0) {
          Value size = memref::DimOp::create(builder, loc, operands[x], pos);
          return arith::IndexCastOp::create(builder, loc, i64, size);
        }
      return Value();  // not reached: every loop dim of a contraction walks an operand
    };
    Value mSize = extent(m), nSize = extent(n), kSize = extent(k);
    if (merged) mSize = arith::MulIOp::create(builder, loc, mSize, extent(dims->m[0]));
    // The innermost loop as one strided-batch call (epilogues come only without loops).
    std::optional<unsigned> batchedDim;
    if (batchedCalls && !loops.empty()) batchedDim = loops.pop_back_val();
    using E = RuntimeEntry;
    bool f32 = element.isF32();
    E callee = epilogue      ? E::GemmF32Epilogue
               : cpuEpilogue ? E::GemmF32Fused
               : batchedDim  ? (f32 ? E::GemmF32Batched : E::GemmF64Batched)
                             : (f32 ? E::GemmF32 : E::GemmF64);
    func::FuncOp gemm = declareRuntimeFunction(op->getParentOfType<ModuleOp>(), callee);
    // One call per batch element; batch dims a matrix lacks (broadcast) add nothing to it.
    SmallVector<Value> offsets = {views[0].offset, views[1].offset, views[2].offset};
    for (unsigned batchDim : loops) {
      Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
      Value upper = arith::IndexCastOp::create(builder, loc, builder.getIndexType(), extent(batchDim));
      Value one = arith::ConstantIndexOp::create(builder, loc, 1);
      auto loop = scf::ForOp::create(builder, loc, zero, upper, one);
      builder.setInsertionPointToStart(loop.getBody());
      Value iv = arith::IndexCastOp::create(builder, loc, i64, loop.getInductionVar());
      for (int x = 0; x < 3; ++x) {
        int64_t pos = positionOf(maps[x], batchDim);
        if (pos < 0) continue;
        Value step = arith::MulIOp::create(builder, loc, iv, views[x].strides[pos]);
        offsets[x] = arith::AddIOp::create(builder, loc, offsets[x], step);
      }
    }
    SmallVector<Value> args;
    for (int x = 0; x < 3; ++x)
      args.append({views[x].pointer, offsets[x], views[x].strides[rows[x]], views[x].strides[cols[x]]});
    args.append({mSize, nSize, kSize, accumulate});
    // A buffer as (pointer, offset), or (0, 0) for none.
    auto appendBuffer = [&](Value buffer) {
      if (!buffer) return args.append({constant(0), constant(0)});
      BufferView view = viewOf(builder, loc, buffer);
      args.append({view.pointer, view.offset});
    };
    if (batchedDim) {
      args.push_back(extent(*batchedDim));
      for (int x = 0; x < 3; ++x) {
        int64_t pos = positionOf(maps[x], *batchedDim);
        args.push_back(pos < 0 ? constant(0) : views[x].strides[pos]);
      }
    }
    if (epilogue) {
      args.push_back(constant(epilogue->bits));
      appendBuffer(epilogue->bias);
    }
    // (An epilogue that adds the output to itself accumulates instead: no residual then.)
    if (cpuEpilogue) args.push_back(epilogueDescriptor(builder, loc, cpuEpilogue, cpuEpilogue->residual));
    func::CallOp::create(builder, loc, gemm, args);
    if (fill) fill.erase();
    if (replaced) replaced->erase();
    op.erase();
  }
};

}  // namespace
}  // namespace mlir::fusor
