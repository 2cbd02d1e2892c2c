// fusor-lower-to-linalg: fusor ops on tensors -> linalg, tensor, arith and math ops.
#include <limits>

#include "fusor/ir/FusorOps.h"
#include "fusor/passes/Passes.h"
#include "lowering/ScalarOps.h"
#include "lowering/TensorBuilders.h"
#include "lowering/WindowOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORLOWERTOLINALG
#include "fusor/passes/Passes.h.inc"

using namespace lowering;

namespace {

// Fails on dynamic sizes, where a pattern does not lower them (yet).
template <typename Base>
struct StaticPattern : Base {
  using Base::Base;
  LogicalResult checkStatic(Operation *op, ConversionPatternRewriter &rw) const {
    return allStatic(op) ? success()
                         : rw.notifyMatchFailure(op, "dynamic sizes are not lowered yet");
  }
  // For the patterns that lower `?` sizes: a builder that could not (null).
  LogicalResult lowered(Operation *op, Value result, ConversionPatternRewriter &rw) const {
    if (!result) return rw.notifyMatchFailure(op, "these dynamic sizes are not lowered yet");
    rw.replaceOp(op, result);
    return success();
  }
};

// Every elementwise op (unary, binary, compare, select, cast, broadcast_to) becomes one
// linalg.generic; elementwise fusion later merges chains of them.
struct ElementwisePattern : StaticPattern<ConversionPattern> {
  ElementwisePattern(MLIRContext *ctx)
      : StaticPattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  static bool isElementwise(Operation *op) {
    if (!isa<FusorDialect>(op->getDialect()) || op->getNumResults() != 1) return false;
    if (op->hasTrait<OpTrait::SameOperandsAndResultType>()) return true;  // unary
    return isa<AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp, EqOp, NeOp, LtOp, LeOp, GtOp,
               GeOp, LogicalAndOp, LogicalOrOp, SelectOp, CastOp, BroadcastToOp>(op);
  }

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rw) const override {
    if (!isElementwise(op)) return failure();
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    Type element = resultType.getElementType();
    Value result = buildElementwise(
        rw, op->getLoc(), operands, resultType, [&](OpBuilder &b, Location loc, ValueRange args) {
          return isa<BroadcastToOp>(op) ? args[0] : emitElementwise(b, loc, op, args, element);
        });
    return lowered(op, result, rw);
  }
};

struct ConstantPattern : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConstantOp op, OpAdaptor, ConversionPatternRewriter &rw) const override {
    rw.replaceOpWithNewOp<arith::ConstantOp>(op, cast<TypedAttr>(op.getValue()));
    return success();
  }
};

template <typename Op>
struct ReducePattern : StaticPattern<OpConversionPattern<Op>> {
  using StaticPattern<OpConversionPattern<Op>>::StaticPattern;
  using OpAdaptor = typename Op::Adaptor;

  LogicalResult matchAndRewrite(Op op, OpAdaptor a, ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type element = resultType.getElementType();
    StringRef kind = std::is_same_v<Op, ReduceMaxOp>    ? "max"
                     : std::is_same_v<Op, ReduceMinOp>  ? "min"
                     : std::is_same_v<Op, ReduceProdOp> ? "prod"
                                                        : "sum";
    // Half-precision sums and products accumulate in f32, as torch does.
    Type acc = isLowPrecision(element) && (kind == "sum" || kind == "prod") ? rw.getF32Type()
                                                                            : element;
    Value r = buildReduction(rw, loc, a.getInput(), op.getDims(), kind, acc);
    auto rType = cast<RankedTensorType>(r.getType());
    if (std::is_same_v<Op, ReduceMeanOp>) {
      // The count: a constant, or the product of the reduced sizes at run time.
      Value count = arith::ConstantIndexOp::create(rw, loc, 1);
      for (int64_t d : op.getDims()) count = arith::MulIOp::create(rw, loc, count, buildDim(rw, loc, a.getInput(), d));
      Value n = arith::UIToFPOp::create(rw, loc, acc, arith::IndexCastUIOp::create(rw, loc, rw.getI64Type(), count));
      r = buildElementwise(rw, loc, r, rType, [&](OpBuilder &b, Location l, ValueRange x) {
        return arith::DivFOp::create(b, l, x[0], n);
      });
    }
    return this->lowered(op, buildReshape(rw, loc, buildCastTo(rw, loc, r, element), resultType), rw);  // keepdim
  }
};

struct ArgmaxPattern : StaticPattern<OpConversionPattern<ArgmaxOp>> {
  using StaticPattern::StaticPattern;
  LogicalResult matchAndRewrite(ArgmaxOp op, OpAdaptor a, ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    RankedTensorType in = op.getInput().getType();
    int64_t dim = op.getDim(), rank = in.getRank();
    Type element = in.getElementType(), i64 = rw.getI64Type();
    SmallVector<int64_t> outShape;
    SmallVector<Value> outSizes;
    SmallVector<AffineExpr> outExprs;
    SmallVector<utils::IteratorType> iterators;
    for (int64_t d = 0; d < rank; ++d) {
      iterators.push_back(d == dim ? utils::IteratorType::reduction : utils::IteratorType::parallel);
      if (d == dim) continue;
      outShape.push_back(in.getDimSize(d));
      if (in.isDynamicDim(d)) outSizes.push_back(buildDim(rw, loc, a.getInput(), d));
      outExprs.push_back(getAffineDimExpr(d, ctx));
    }
    auto valuesType = RankedTensorType::get(outShape, element);
    auto indexType = RankedTensorType::get(outShape, i64);
    Value values = buildFilled(rw, loc, valuesType, emitIdentity(rw, loc, "max", element), outSizes);
    Value indices = buildFilled(rw, loc, indexType,
                                arith::ConstantOp::create(rw, loc, rw.getI64IntegerAttr(0)), outSizes);
    AffineMap outMap = AffineMap::get(rank, 0, outExprs, ctx);
    SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, ctx), outMap, outMap};
    auto generic = linalg::GenericOp::create(
        rw, loc, TypeRange{valuesType, indexType}, ValueRange{a.getInput()},
        ValueRange{values, indices}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          using namespace arith;
          Value x = args[0], best = args[1], bestIndex = args[2];
          Value index = IndexCastOp::create(b, l, i64, linalg::IndexOp::create(b, l, dim));
          Value earlier = CmpIOp::create(b, l, CmpIPredicate::slt, index, bestIndex);
          // The first maximum wins, whatever the visiting order; NaN counts as the maximum.
          Value take;
          if (isa<FloatType>(element)) {
            Value greater = CmpFOp::create(b, l, CmpFPredicate::OGT, x, best);
            Value equal = CmpFOp::create(b, l, CmpFPredicate::OEQ, x, best);
            Value xNaN = CmpFOp::create(b, l, CmpFPredicate::UNO, x, x);
            Value bestNaN = CmpFOp::create(b, l, CmpFPredicate::UNO, best, best);
            Value overNumber = OrIOp::create(
                b, l, OrIOp::create(b, l, xNaN, greater), AndIOp::create(b, l, equal, earlier));
            take = arith::SelectOp::create(b, l, bestNaN, AndIOp::create(b, l, xNaN, earlier), overNumber);
          } else {
            Value greater = CmpIOp::create(b, l, CmpIPredicate::sgt, x, best);
            Value equal = CmpIOp::create(b, l, CmpIPredicate::eq, x, best);
            take = OrIOp::create(b, l, greater, AndIOp::create(b, l, equal, earlier));
          }
          linalg::YieldOp::create(b, l, ValueRange{arith::SelectOp::create(b, l, take, x, best),
                                                   arith::SelectOp::create(b, l, take, index, bestIndex)});
        });
    return lowered(op, buildReshape(rw, loc, generic.getResult(1), op.getType()), rw);
  }
};

// torch.matmul as one linalg.generic over (batch..., m, n, k), batch dims broadcast in place.
struct MatmulPattern : StaticPattern<OpConversionPattern<MatmulOp>> {
  using StaticPattern::StaticPattern;
  LogicalResult matchAndRewrite(MatmulOp op, OpAdaptor a, ConversionPatternRewriter &rw) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    Value lhs = a.getLhs(), rhs = a.getRhs();
    auto lt = cast<RankedTensorType>(lhs.getType()), rt = cast<RankedTensorType>(rhs.getType());
    Type element = lt.getElementType();
    if (lt.getRank() == 1)  // [K] -> [1, K]
      lhs = buildReshape(rw, loc, lhs, RankedTensorType::get({1, lt.getDimSize(0)}, element));
    if (rt.getRank() == 1)  // [K] -> [K, 1]
      rhs = buildReshape(rw, loc, rhs, RankedTensorType::get({rt.getDimSize(0), 1}, element));
    ArrayRef<int64_t> ls = cast<RankedTensorType>(lhs.getType()).getShape();
    ArrayRef<int64_t> rs = cast<RankedTensorType>(rhs.getType()).getShape();
    ArrayRef<int64_t> lb = ls.drop_back(2), rb = rs.drop_back(2);
    size_t nb = std::max(lb.size(), rb.size());
    SmallVector<int64_t> batch(nb, 1);
    for (size_t i = 0; i < nb; ++i) {
      int64_t l = i < lb.size() ? lb[lb.size() - 1 - i] : 1;
      int64_t r = i < rb.size() ? rb[rb.size() - 1 - i] : 1;
      // A `?` never stretches: it is the size, unless the other side is a larger static one.
      bool ld = ShapedType::isDynamic(l), rd = ShapedType::isDynamic(r);
      batch[nb - 1 - i] = ld && rd ? l : ld ? (r == 1 ? l : r) : rd ? (l == 1 ? r : l) : std::max(l, r);
    }
    int64_t m = ls[ls.size() - 2], n = rs.back();
    unsigned dm = nb, dn = nb + 1, dk = nb + 2, loops = nb + 3;
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    // A size-1 batch dim broadcast against a larger one is reshaped away rather than read at
    // 0, so the maps stay projected permutations: a contraction the GEMM rewrite recognizes.
    auto batchExprs = [&](Value &operand, ArrayRef<int64_t> shape) {
      SmallVector<AffineExpr> exprs;
      SmallVector<int64_t> kept;
      for (size_t j = 0; j < shape.size(); ++j) {
        size_t pos = nb - shape.size() + j;
        if (shape[j] == 1 && batch[pos] != 1) continue;
        exprs.push_back(d(pos));
        kept.push_back(shape[j]);
      }
      if (kept.size() != shape.size()) {
        auto type = cast<RankedTensorType>(operand.getType());
        llvm::append_range(kept, type.getShape().take_back(2));
        operand = buildReshape(rw, loc, operand, RankedTensorType::get(kept, type.getElementType()));
      }
      return exprs;
    };
    SmallVector<AffineExpr> lhsExprs = batchExprs(lhs, lb), rhsExprs = batchExprs(rhs, rb), outExprs;
    lhsExprs.append({d(dm), d(dk)});
    rhsExprs.append({d(dk), d(dn)});
    for (size_t i = 0; i < nb; ++i) outExprs.push_back(d(i));
    outExprs.append({d(dm), d(dn)});
    SmallVector<AffineMap> maps{AffineMap::get(loops, 0, lhsExprs, ctx),
                                AffineMap::get(loops, 0, rhsExprs, ctx),
                                AffineMap::get(loops, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(loops - 1, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    Type acc = accumulatorType(element);
    SmallVector<int64_t> outShape(batch);
    outShape.append({m, n});
    auto outType = RankedTensorType::get(outShape, acc);
    // The `?` sizes: each from an operand that has that dim as a `?` (after the reshapes above).
    SmallVector<Value> outSizes;
    auto lhsType = cast<RankedTensorType>(lhs.getType()), rhsType = cast<RankedTensorType>(rhs.getType());
    for (size_t i = 0; i < nb; ++i) {
      if (!ShapedType::isDynamic(batch[i])) continue;
      Value size;
      for (auto [operand, exprs] : {std::pair{lhs, &lhsExprs}, {rhs, &rhsExprs}})
        for (auto [j, e] : llvm::enumerate(*exprs))
          if (!size && e == d(i) && cast<RankedTensorType>(operand.getType()).isDynamicDim(j))
            size = tensor::DimOp::create(rw, loc, operand, j);
      if (!size) return rw.notifyMatchFailure(op, "a dynamic batch size with no operand of it");
      outSizes.push_back(size);
    }
    if (ShapedType::isDynamic(m)) outSizes.push_back(tensor::DimOp::create(rw, loc, lhs, lhsType.getRank() - 2));
    if (ShapedType::isDynamic(n)) outSizes.push_back(tensor::DimOp::create(rw, loc, rhs, rhsType.getRank() - 1));
    Value init = buildFilled(rw, loc, outType, emitIdentity(rw, loc, "sum", acc), outSizes);
    auto generic = linalg::GenericOp::create(
        rw, loc, TypeRange{outType}, ValueRange{lhs, rhs}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = emitCast(b, l, args[0], acc), y = emitCast(b, l, args[1], acc);
          Value product = isa<FloatType>(acc) ? Value(arith::MulFOp::create(b, l, x, y))
                                              : Value(arith::MulIOp::create(b, l, x, y));
          linalg::YieldOp::create(b, l, emitCombine(b, l, "sum", args[2], product));
        });
    Value result = buildCastTo(rw, loc, generic.getResult(0), element);
    return lowered(op, buildReshape(rw, loc, result, op.getType()), rw);
  }
};

struct ReshapePattern : StaticPattern<OpConversionPattern<ReshapeOp>> {
  using StaticPattern::StaticPattern;
  LogicalResult matchAndRewrite(ReshapeOp op, OpAdaptor a, ConversionPatternRewriter &rw) const override {
    return lowered(op, buildReshape(rw, op.getLoc(), a.getInput(), op.getType()), rw);
  }
};

struct TransposePattern : StaticPattern<OpConversionPattern<TransposeOp>> {
  using StaticPattern::StaticPattern;
  LogicalResult matchAndRewrite(TransposeOp op, OpAdaptor a, ConversionPatternRewriter &rw) const override {
    RankedTensorType type = op.getType();
    SmallVector<Value> sizes;
    for (auto [i, p] : llvm::enumerate(op.getPerm()))
      if (type.isDynamicDim(i)) sizes.push_back(tensor::DimOp::create(rw, op.getLoc(), a.getInput(), p));
    Value init = buildEmpty(rw, op.getLoc(), type, sizes);
    rw.replaceOp(op, linalg::TransposeOp::create(rw, op.getLoc(), a.getInput(), init, op.getPerm())
                         .getResult()[0]);
    return success();
  }
};

struct SlicePattern : StaticPattern<OpConversionPattern<SliceOp>> {
  using StaticPattern::StaticPattern;
  LogicalResult matchAndRewrite(SliceOp op, OpAdaptor a, ConversionPatternRewriter &rw) const override {
    RankedTensorType in = op.getInput().getType(), type = op.getType();
    // MLIR rejects offsets at the end of a dim even for empty slices.
    if (type.hasStaticShape() && type.getNumElements() == 0) {
      rw.replaceOpWithNewOp<tensor::EmptyOp>(op, type.getShape(), type.getElementType());
      return success();
    }
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (int64_t d = 0; d < in.getRank(); ++d) {
      if (in.isDynamicDim(d)) {  // only taken whole (to the end, unit step)
        if (op.getStarts()[d] != 0 || op.getSteps()[d] != 1 || op.getStops()[d] != std::numeric_limits<int64_t>::max())
          return rw.notifyMatchFailure(op, "a slice of a dynamic size is not lowered yet");
        offsets.push_back(rw.getIndexAttr(0));
        sizes.push_back(buildDim(rw, op.getLoc(), a.getInput(), d));
        strides.push_back(rw.getIndexAttr(1));
        continue;
      }
      offsets.push_back(rw.getIndexAttr(std::min(op.getStarts()[d], in.getDimSize(d))));
      sizes.push_back(rw.getIndexAttr(type.getDimSize(d)));
      strides.push_back(rw.getIndexAttr(op.getSteps()[d]));
    }
    rw.replaceOpWithNewOp<tensor::ExtractSliceOp>(op, type, a.getInput(), offsets, sizes, strides);
    return success();
  }
};

struct ConcatPattern : StaticPattern<OpConversionPattern<ConcatOp>> {
  using StaticPattern::StaticPattern;
  LogicalResult matchAndRewrite(ConcatOp op, OpAdaptor a, ConversionPatternRewriter &rw) const override {
    if (failed(checkStatic(op, rw))) return failure();
    RankedTensorType type = op.getType();
    Value dest = tensor::EmptyOp::create(rw, op.getLoc(), type.getShape(), type.getElementType());
    SmallVector<int64_t> offsets(type.getRank(), 0);
    for (Value in : a.getInputs()) {
      dest = buildInsert(rw, op.getLoc(), in, dest, offsets);
      offsets[op.getDim()] += cast<RankedTensorType>(in.getType()).getDimSize(op.getDim());
    }
    rw.replaceOp(op, dest);
    return success();
  }
};

struct PadPattern : StaticPattern<OpConversionPattern<PadOp>> {
  using StaticPattern::StaticPattern;
  LogicalResult matchAndRewrite(PadOp op, OpAdaptor a, ConversionPatternRewriter &rw) const override {
    if (failed(checkStatic(op, rw))) return failure();
    Value value = arith::ConstantOp::create(rw, op.getLoc(), op.getValue());
    Value filled = buildFilled(rw, op.getLoc(), op.getType(), value);
    rw.replaceOp(op, buildInsert(rw, op.getLoc(), a.getInput(), filled, op.getLow()));
    return success();
  }
};

// An index read from `raw` (i32/i64) as `index`: negative values count from the end (as in
// ONNX), and the result is clamped into [0, size) so that a bad index cannot read outside.
Value safeIndex(OpBuilder &b, Location loc, Value raw, int64_t size) {
  using namespace arith;
  Value i = IndexCastOp::create(b, loc, b.getIndexType(), raw);
  Value zero = ConstantIndexOp::create(b, loc, 0), n = ConstantIndexOp::create(b, loc, size);
  Value negative = CmpIOp::create(b, loc, CmpIPredicate::slt, i, zero);
  i = arith::SelectOp::create(b, loc, negative, AddIOp::create(b, loc, i, n), i);
  i = MaxSIOp::create(b, loc, i, zero);
  return MinSIOp::create(b, loc, i, ConstantIndexOp::create(b, loc, size - 1));
}

// index_select and gather: a generic over the result whose body reads the input at computed
// coordinates. `indexDims` are the result dims that walk the indices tensor.
Value buildIndexedRead(OpBuilder &b, Location loc, Value input, Value indices,
                       RankedTensorType resultType, int64_t dim, int64_t firstIndexDim,
                       bool gatherLike) {
  MLIRContext *ctx = b.getContext();
  auto in = cast<RankedTensorType>(input.getType());
  auto idxType = cast<RankedTensorType>(indices.getType());
  int64_t rank = resultType.getRank();
  SmallVector<AffineExpr> idxExprs;
  for (int64_t j = 0; j < idxType.getRank(); ++j)
    idxExprs.push_back(getAffineDimExpr(firstIndexDim + j, ctx));
  SmallVector<AffineMap> maps{AffineMap::get(rank, 0, idxExprs, ctx),
                              AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(), resultType.getElementType());
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{indices}, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        SmallVector<Value> coords;
        for (int64_t d = 0; d < in.getRank(); ++d) {
          if (d == dim) {
            coords.push_back(safeIndex(nb, l, args[0], in.getDimSize(dim)));
          } else {
            int64_t loop = gatherLike || d < dim ? d : d - 1 + idxType.getRank();
            coords.push_back(linalg::IndexOp::create(nb, l, loop));
          }
        }
        linalg::YieldOp::create(nb, l, tensor::ExtractOp::create(nb, l, input, coords).getResult());
      });
  return generic.getResult(0);
}

struct IndexSelectPattern : StaticPattern<OpConversionPattern<IndexSelectOp>> {
  using StaticPattern::StaticPattern;
  LogicalResult matchAndRewrite(IndexSelectOp op, OpAdaptor a, ConversionPatternRewriter &rw) const override {
    if (failed(checkStatic(op, rw))) return failure();
    rw.replaceOp(op, buildIndexedRead(rw, op.getLoc(), a.getInput(), a.getIndices(), op.getType(),
                                      op.getDim(), op.getDim(), /*gatherLike=*/false));
    return success();
  }
};

struct GatherPattern : StaticPattern<OpConversionPattern<GatherOp>> {
  using StaticPattern::StaticPattern;
  LogicalResult matchAndRewrite(GatherOp op, OpAdaptor a, ConversionPatternRewriter &rw) const override {
    if (failed(checkStatic(op, rw))) return failure();
    rw.replaceOp(op, buildIndexedRead(rw, op.getLoc(), a.getInput(), a.getIndices(), op.getType(),
                                      op.getDim(), 0, /*gatherLike=*/true));
    return success();
  }
};

struct LowerToLinalgPass : impl::FusorLowerToLinalgBase<LowerToLinalgPass> {
  using FusorLowerToLinalgBase::FusorLowerToLinalgBase;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<FusorDialect>();
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect, arith::ArithDialect,
                           math::MathDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(ctx);
    patterns.add<ElementwisePattern>(ctx);
    patterns.add<ConstantPattern, ReducePattern<ReduceSumOp>, ReducePattern<ReduceMeanOp>,
                 ReducePattern<ReduceMaxOp>, ReducePattern<ReduceMinOp>,
                 ReducePattern<ReduceProdOp>, ArgmaxPattern, MatmulPattern, ReshapePattern,
                 TransposePattern, SlicePattern, ConcatPattern, PadPattern, IndexSelectPattern,
                 GatherPattern>(ctx);
    populateWindowPatterns(patterns, winogradConvs);
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};

}  // namespace
}  // namespace mlir::fusor
