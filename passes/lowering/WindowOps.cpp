// conv2d as im2col + a batched contraction (which the CPU pipeline hands to the GEMM), and
// pooling as one linalg.generic reducing over each window.
#include "WindowOps.h"

#include "ScalarOps.h"
#include "TensorBuilders.h"
#include "Winograd.h"
#include "fusor/ir/FusorOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::fusor::lowering {
namespace {

Value zeroOf(OpBuilder &b, Location loc, Type t) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, 0.0));
}

// The window input coordinate `out * stride + k * dilation` along spatial dim `i`.
AffineExpr windowCoordinate(AffineExpr out, AffineExpr k, int64_t stride, int64_t dilation) {
  return out * stride + k * dilation;
}

// High padding beyond `pads` that ceil-mode windows reach, per spatial dim.
SmallVector<int64_t> extraPadding(RankedTensorType input, RankedTensorType result,
                                  ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                                  ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations) {
  SmallVector<int64_t> extra;
  for (int i = 0; i < 2; ++i) {
    int64_t needed = (result.getDimSize(2 + i) - 1) * strides[i] + dilations[i] * (kernel[i] - 1) + 1;
    int64_t have = input.getDimSize(2 + i) + pads[i] + pads[2 + i];
    extra.push_back(std::max<int64_t>(0, needed - have));
  }
  return extra;
}

// A generic over (n, c, oh, ow, kh, kw) folding `padded` windows into `init` with `combine`;
// a [KH, KW] operand gives the window loops their extent.
Value buildPool(OpBuilder &b, Location loc, Value padded, Value init, ArrayRef<int64_t> kernel,
                ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  Type element = cast<RankedTensorType>(padded.getType()).getElementType();
  Value window = tensor::EmptyOp::create(b, loc, kernel, element);
  SmallVector<AffineMap> maps{
      AffineMap::get(6, 0, {d(0), d(1), windowCoordinate(d(2), d(4), strides[0], dilations[0]),
                            windowCoordinate(d(3), d(5), strides[1], dilations[1])}, ctx),
      AffineMap::get(6, 0, {d(4), d(5)}, ctx), AffineMap::get(6, 0, {d(0), d(1), d(2), d(3)}, ctx)};
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  iterators.append(2, utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{padded, window}, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, combine(nb, l, args[2], args[0]));
      });
  return generic.getResult(0);
}

// A depthwise convolution (one input and one output channel per group) directly, over
// (n, c, oh, ow, kh, kw): LLVM unrolls the small window loops, keeps each output's sum in a
// register and vectorizes along the output row.
Value depthwise(OpBuilder &b, Location loc, Value input, Value weight, RankedTensorType out, Type acc,
                ArrayRef<int64_t> strides, ArrayRef<int64_t> pads, ArrayRef<int64_t> dilations) {
  MLIRContext *ctx = b.getContext();
  auto w = cast<RankedTensorType>(weight.getType());
  Type element = w.getElementType();
  Value padded = buildPadded(b, loc, input, {0, 0, pads[0], pads[1]}, {0, 0, pads[2], pads[3]}, zeroOf(b, loc, element));
  Value kernel = buildReshape(b, loc, weight, RankedTensorType::get({w.getDimSize(0), w.getDimSize(2), w.getDimSize(3)}, element));
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps{
      AffineMap::get(6, 0, {d(0), d(1), windowCoordinate(d(2), d(4), strides[0], dilations[0]),
                            windowCoordinate(d(3), d(5), strides[1], dilations[1])}, ctx),
      AffineMap::get(6, 0, {d(1), d(4), d(5)}, ctx), AffineMap::get(6, 0, {d(0), d(1), d(2), d(3)}, ctx)};
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  iterators.append(2, utils::IteratorType::reduction);
  Value init = buildFilled(b, loc, out.clone(acc), emitIdentity(b, loc, "sum", acc));
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{padded, kernel}, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value x = emitCast(nb, l, args[0], acc), y = emitCast(nb, l, args[1], acc);
        Value product = arith::MulFOp::create(nb, l, x, y);
        linalg::YieldOp::create(nb, l, emitCombine(nb, l, "sum", args[2], product));
      });
  Value result = generic.getResult(0);
  result = buildCastTo(b, loc, result, element);
  return result;
}

struct Conv2dPattern : OpConversionPattern<Conv2dOp> {
  Conv2dPattern(MLIRContext *ctx, bool winograd) : OpConversionPattern(ctx), winograd(winograd) {}
  bool winograd;  // 3x3 convolutions through Winograd's F(2x2, 3x3) where it suits them
  LogicalResult matchAndRewrite(Conv2dOp op, OpAdaptor a, ConversionPatternRewriter &rw) const override {
    if (!allStatic(op)) return rw.notifyMatchFailure(op, "dynamic sizes are not lowered yet");
    Location loc = op.getLoc();
    MLIRContext *ctx = rw.getContext();
    auto in = cast<RankedTensorType>(a.getInput().getType());
    auto w = cast<RankedTensorType>(a.getWeight().getType());
    RankedTensorType out = op.getType();
    Type element = in.getElementType();
    Type acc = accumulatorType(element);
    int64_t n = in.getDimSize(0), groups = op.getGroups(), cg = w.getDimSize(1);
    int64_t o = w.getDimSize(0), og = o / groups, kh = w.getDimSize(2), kw = w.getDimSize(3);
    int64_t oh = out.getDimSize(2), ow = out.getDimSize(3);
    ArrayRef<int64_t> strides = op.getStrides(), pads = op.getPads(), dilations = op.getDilations();
    int64_t reduced = cg * kh * kw, positions = oh * ow;

    if (winograd && winogradSuits(in, w, out, groups, strides, dilations)) {
      rw.replaceOp(op, buildWinogradConv2d(rw, loc, a.getInput(), a.getWeight(), out, pads));
      return success();
    }
    if (groups == in.getDimSize(1) && cg == 1 && og == 1) {
      rw.replaceOp(op, depthwise(rw, loc, a.getInput(), a.getWeight(), out, acc, strides, pads, dilations));
      return success();
    }
    Value patches;
    bool pointwise = kh == 1 && kw == 1 && llvm::all_of(strides, [](int64_t s) { return s == 1; }) &&
                     llvm::all_of(pads, [](int64_t p) { return p == 0; });
    if (pointwise) {  // a 1x1 convolution reads the input as it is
      patches = buildReshape(rw, loc, a.getInput(), RankedTensorType::get({n, groups, reduced, positions}, element));
    } else {
      Value padded = buildPadded(rw, loc, a.getInput(), {0, 0, pads[0], pads[1]}, {0, 0, pads[2], pads[3]},
                                 zeroOf(rw, loc, element));
      auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
      // (n, g, c, kh, kw, oh, ow) -> padded[n, g * Cg + c, oh * sh + kh * dh, ow * sw + kw * dw]
      SmallVector<AffineMap> maps{
          AffineMap::get(7, 0, {d(0), d(1) * cg + d(2), windowCoordinate(d(5), d(3), strides[0], dilations[0]),
                                windowCoordinate(d(6), d(4), strides[1], dilations[1])}, ctx),
          AffineMap::getMultiDimIdentityMap(7, ctx)};
      auto patchType = RankedTensorType::get({n, groups, cg, kh, kw, oh, ow}, element);
      Value empty = tensor::EmptyOp::create(rw, loc, patchType.getShape(), element);
      auto im2col = linalg::GenericOp::create(
          rw, loc, TypeRange{patchType}, ValueRange{padded}, ValueRange{empty}, maps,
          SmallVector<utils::IteratorType>(7, utils::IteratorType::parallel),
          [](OpBuilder &nb, Location l, ValueRange args) { linalg::YieldOp::create(nb, l, args[0]); });
      patches = buildReshape(rw, loc, im2col.getResult(0),
                             RankedTensorType::get({n, groups, reduced, positions}, element));
    }
    Value weight = buildReshape(rw, loc, a.getWeight(), RankedTensorType::get({groups, og, reduced}, element));
    // out[n, g, o, p] = sum_r weight[g, o, r] * patches[n, g, r, p]: GEMMs per (n, g).
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineMap> maps{AffineMap::get(5, 0, {d(1), d(2), d(4)}, ctx),
                                AffineMap::get(5, 0, {d(0), d(1), d(4), d(3)}, ctx),
                                AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)};
    SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    auto accType = RankedTensorType::get({n, groups, og, positions}, acc);
    Value init = buildFilled(rw, loc, accType, emitIdentity(rw, loc, "sum", acc));
    auto contraction = linalg::GenericOp::create(
        rw, loc, TypeRange{accType}, ValueRange{weight, patches}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value x = emitCast(nb, l, args[0], acc), y = emitCast(nb, l, args[1], acc);
          Value product = arith::MulFOp::create(nb, l, x, y);
          linalg::YieldOp::create(nb, l, emitCombine(nb, l, "sum", args[2], product));
        });
    Value result = contraction.getResult(0);
    result = buildCastTo(rw, loc, result, element);
    rw.replaceOp(op, buildReshape(rw, loc, result, out));
    return success();
  }
};

struct MaxPool2dPattern : OpConversionPattern<MaxPool2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MaxPool2dOp op, OpAdaptor a, ConversionPatternRewriter &rw) const override {
    if (!allStatic(op)) return rw.notifyMatchFailure(op, "dynamic sizes are not lowered yet");
    Location loc = op.getLoc();
    auto in = cast<RankedTensorType>(a.getInput().getType());
    RankedTensorType out = op.getType();
    Type element = in.getElementType();
    Type acc = accumulatorType(element);
    ArrayRef<int64_t> pads = op.getPads();
    SmallVector<int64_t> extra = extraPadding(in, out, op.getKernel(), op.getStrides(), pads, op.getDilations());
    Value lowest = arith::ConstantOp::create(
        rw, loc, rw.getFloatAttr(element, APFloat::getInf(cast<FloatType>(element).getFloatSemantics(), true)));
    Value padded = buildPadded(rw, loc, a.getInput(), {0, 0, pads[0], pads[1]},
                               {0, 0, pads[2] + extra[0], pads[3] + extra[1]}, lowest);
    Value init = buildFilled(rw, loc, out.clone(acc), emitIdentity(rw, loc, "max", acc));
    Value result = buildPool(rw, loc, padded, init, op.getKernel(), op.getStrides(), op.getDilations(),
                             [&](OpBuilder &b, Location l, Value running, Value x) {
                               return emitCombine(b, l, "max", running, emitCast(b, l, x, acc));
                             });
    result = buildCastTo(rw, loc, result, element);
    rw.replaceOp(op, result);
    return success();
  }
};

struct AvgPool2dPattern : OpConversionPattern<AvgPool2dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AvgPool2dOp op, OpAdaptor a, ConversionPatternRewriter &rw) const override {
    if (!allStatic(op)) return rw.notifyMatchFailure(op, "dynamic sizes are not lowered yet");
    Location loc = op.getLoc();
    auto in = cast<RankedTensorType>(a.getInput().getType());
    RankedTensorType out = op.getType();
    Type element = in.getElementType();
    Type acc = accumulatorType(element);
    ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(), pads = op.getPads();
    int64_t ones[2] = {1, 1};
    SmallVector<int64_t> extra = extraPadding(in, out, kernel, strides, pads, ones);
    SmallVector<int64_t> low = {0, 0, pads[0], pads[1]};
    SmallVector<int64_t> high = {0, 0, pads[2] + extra[0], pads[3] + extra[1]};
    auto sum = [&](OpBuilder &b, Location l, Value running, Value x) {
      return emitCombine(b, l, "sum", running, emitCast(b, l, x, acc));
    };
    Value padded = buildPadded(rw, loc, a.getInput(), low, high, zeroOf(rw, loc, element));
    Value sums = buildPool(rw, loc, padded, buildFilled(rw, loc, out.clone(acc), zeroOf(rw, loc, acc)),
                           kernel, strides, ones, sum);
    bool padded4 = llvm::any_of(pads, [](int64_t p) { return p != 0; });
    bool constantCount = (!padded4 || op.getCountIncludePad()) && extra[0] == 0 && extra[1] == 0;
    Value result;
    if (constantCount) {
      Value count = arith::ConstantOp::create(rw, loc, rw.getFloatAttr(acc, static_cast<double>(kernel[0] * kernel[1])));
      result = buildElementwise(rw, loc, sums, out.clone(acc), [&](OpBuilder &b, Location l, ValueRange x) {
        return arith::DivFOp::create(b, l, x[0], count).getResult();
      });
    } else {
      // The divisor per output position: a sum pool over ones, padded with ones where the
      // padding counts, zeros where it does not (and beyond the padding).
      auto onesType = RankedTensorType::get({1, 1, in.getDimSize(2), in.getDimSize(3)}, acc);
      Value one = arith::ConstantOp::create(rw, loc, rw.getFloatAttr(acc, 1.0));
      Value field = buildPadded(rw, loc, buildFilled(rw, loc, onesType, one), low, {0, 0, pads[2], pads[3]},
                                op.getCountIncludePad() ? one : zeroOf(rw, loc, acc));
      field = buildPadded(rw, loc, field, {0, 0, 0, 0}, {0, 0, extra[0], extra[1]}, zeroOf(rw, loc, acc));
      auto countType = RankedTensorType::get({1, 1, out.getDimSize(2), out.getDimSize(3)}, acc);
      Value counts = buildPool(rw, loc, field, buildFilled(rw, loc, countType, zeroOf(rw, loc, acc)), kernel,
                               strides, ones, sum);
      result = buildElementwise(rw, loc, ValueRange{sums, counts}, out.clone(acc),
                                [&](OpBuilder &b, Location l, ValueRange x) {
                                  return arith::DivFOp::create(b, l, x[0], x[1]).getResult();
                                });
    }
    result = buildCastTo(rw, loc, result, element);
    rw.replaceOp(op, result);
    return success();
  }
};

}  // namespace

void populateWindowPatterns(RewritePatternSet &patterns, bool winograd) {
  patterns.add<Conv2dPattern>(patterns.getContext(), winograd);
  patterns.add<MaxPool2dPattern, AvgPool2dPattern>(patterns.getContext());
}

}  // namespace mlir::fusor::lowering
