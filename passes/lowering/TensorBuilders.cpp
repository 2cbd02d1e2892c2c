#include "TensorBuilders.h"

#include "ScalarOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"

namespace mlir::fusor::lowering {
namespace {

// Maps the result's loop dims to `shape`'s indices: trailing-aligned, broadcast dims read 0.
AffineMap broadcastMap(ArrayRef<int64_t> shape, ArrayRef<int64_t> result, MLIRContext *ctx) {
  SmallVector<AffineExpr> exprs;
  size_t offset = result.size() - shape.size();
  for (size_t j = 0; j < shape.size(); ++j) {
    bool stretched = shape[j] == 1 && result[offset + j] != 1;
    exprs.push_back(stretched ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(offset + j, ctx));
  }
  return AffineMap::get(result.size(), 0, exprs, ctx);
}

Value empty(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type element) {
  return tensor::EmptyOp::create(b, loc, shape, element);
}

}  // namespace

Value buildDim(OpBuilder &b, Location loc, Value value, int64_t d) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.isDynamicDim(d)) return arith::ConstantIndexOp::create(b, loc, type.getDimSize(d));
  return tensor::DimOp::create(b, loc, value, d);
}

Value buildEmpty(OpBuilder &b, Location loc, RankedTensorType type, ValueRange dynamic) {
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(), dynamic);
}

FailureOr<SmallVector<Value>> elementwiseSizes(OpBuilder &b, Location loc, ValueRange inputs,
                                               RankedTensorType type) {
  SmallVector<Value> sizes;
  int64_t rank = type.getRank();
  for (int64_t i = 0; i < rank; ++i) {
    if (!type.isDynamicDim(i)) continue;
    Value size;
    for (Value in : inputs) {
      auto t = cast<RankedTensorType>(in.getType());
      int64_t j = i - (rank - t.getRank());
      if (j >= 0 && t.isDynamicDim(j)) {
        size = tensor::DimOp::create(b, loc, in, j);
        break;
      }
    }
    if (!size) return failure();
    sizes.push_back(size);
  }
  return sizes;
}

Value buildElementwise(OpBuilder &b, Location loc, ValueRange inputs,
                       RankedTensorType resultType, ScalarBody body) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> shape = resultType.getShape();
  FailureOr<SmallVector<Value>> sizes = elementwiseSizes(b, loc, inputs, resultType);
  if (failed(sizes)) return nullptr;
  SmallVector<AffineMap> maps;
  for (Value in : inputs)
    maps.push_back(broadcastMap(cast<RankedTensorType>(in.getType()).getShape(), shape, ctx));
  maps.push_back(AffineMap::getMultiDimIdentityMap(shape.size(), ctx));
  SmallVector<utils::IteratorType> iterators(shape.size(), utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{buildEmpty(b, loc, resultType, *sizes)},
      maps, iterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, body(nb, nl, args.drop_back()));
      });
  return generic.getResult(0);
}

bool isLowPrecision(Type t) { return isa<Float16Type, BFloat16Type>(t); }

Type accumulatorType(Type element) {
  return isLowPrecision(element) ? Float32Type::get(element.getContext()) : element;
}

bool allStatic(Operation *op) {
  auto isStatic = [](Type t) {
    auto tensor = dyn_cast<RankedTensorType>(t);
    return tensor && tensor.hasStaticShape();
  };
  return llvm::all_of(op->getOperandTypes(), isStatic) && llvm::all_of(op->getResultTypes(), isStatic);
}

Value buildInsert(OpBuilder &b, Location loc, Value source, Value dest, ArrayRef<int64_t> offsets) {
  auto type = cast<RankedTensorType>(source.getType());
  if (type.getNumElements() == 0) return dest;  // MLIR rejects an offset at the end of a dim
  SmallVector<OpFoldResult> off, sizes, strides;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    off.push_back(b.getIndexAttr(offsets[d]));
    sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
    strides.push_back(b.getIndexAttr(1));
  }
  return tensor::InsertSliceOp::create(b, loc, source, dest, off, sizes, strides);
}

Value buildPadded(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> low,
                  ArrayRef<int64_t> high, Value value) {
  if (llvm::all_of(low, [](int64_t v) { return v == 0; }) &&
      llvm::all_of(high, [](int64_t v) { return v == 0; }))
    return input;
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < type.getRank(); ++d) shape.push_back(type.getDimSize(d) + low[d] + high[d]);
  if (type.getNumElements() == 0) return buildFilled(b, loc, type.clone(shape), value);
  // The input, then only the border filled (a strip per padded side, through slices of the
  // result, which bufferize in place): not the whole buffer filled and then overwritten.
  Value padded = buildInsert(b, loc, input, empty(b, loc, shape, type.getElementType()), low);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    for (auto [offset, width] : {std::pair{int64_t{0}, low[d]}, {low[d] + type.getDimSize(d), high[d]}}) {
      if (width == 0) continue;
      SmallVector<OpFoldResult> offsets(shape.size(), b.getIndexAttr(0)), sizes, strides(shape.size(), b.getIndexAttr(1));
      for (int64_t size : shape) sizes.push_back(b.getIndexAttr(size));
      offsets[d] = b.getIndexAttr(offset);
      sizes[d] = b.getIndexAttr(width);
      Value strip = tensor::ExtractSliceOp::create(b, loc, padded, offsets, sizes, strides);
      Value filled = linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{strip}).getResult(0);
      padded = tensor::InsertSliceOp::create(b, loc, filled, padded, offsets, sizes, strides);
    }
  }
  return padded;
}

Value buildCastTo(OpBuilder &b, Location loc, Value value, Type element) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getElementType() == element) return value;
  return buildElementwise(b, loc, value, type.clone(element),
                          [&](OpBuilder &nb, Location l, ValueRange x) { return emitCast(nb, l, x[0], element); });
}

Value buildFilled(OpBuilder &b, Location loc, RankedTensorType type, Value value, ValueRange dynamic) {
  Value init = buildEmpty(b, loc, type, dynamic);
  return linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{init}).getResult(0);
}

Value buildReshape(OpBuilder &b, Location loc, Value source, RankedTensorType type) {
  auto from = cast<RankedTensorType>(source.getType());
  if (from == type) return source;
  bool dynamic = !from.hasStaticShape() || !type.hasStaticShape();
  // One collapse or expand where the reassociation exists, else through 1-D.
  if (auto groups = getReassociationIndicesForReshape(from, type)) {
    if (from.getRank() > type.getRank())
      return tensor::CollapseShapeOp::create(b, loc, type, source, *groups);
    if (from.getRank() < type.getRank()) {
      if (!dynamic) return tensor::ExpandShapeOp::create(b, loc, type, source, *groups);
      // Each `?` of the result: its source dim's size over its group's static sizes.
      SmallVector<OpFoldResult> outputShape;
      for (auto [i, group] : llvm::enumerate(*groups)) {
        int64_t known = 1, unknown = 0;
        for (int64_t d : group) type.isDynamicDim(d) ? ++unknown : known *= type.getDimSize(d);
        if (unknown > 1) return nullptr;
        for (int64_t d : group) {
          if (!type.isDynamicDim(d)) {
            outputShape.push_back(b.getIndexAttr(type.getDimSize(d)));
            continue;
          }
          Value size = buildDim(b, loc, source, static_cast<int64_t>(i));
          if (known != 1) size = arith::DivUIOp::create(b, loc, size, arith::ConstantIndexOp::create(b, loc, known));
          outputShape.push_back(size);
        }
      }
      return tensor::ExpandShapeOp::create(b, loc, type, source, *groups, outputShape);
    }
  }
  if (dynamic) return nullptr;
  auto flat = RankedTensorType::get({from.getNumElements()}, from.getElementType());
  return buildReshape(b, loc, buildReshape(b, loc, source, flat), type);
}

Value buildReduction(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> dims,
                     StringRef kind, Type accElement) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<bool> reduced(type.getRank(), false);
  for (int64_t d : dims) reduced[d] = true;
  SmallVector<int64_t> outShape;
  SmallVector<Value> outSizes;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    iterators.push_back(reduced[d] ? utils::IteratorType::reduction
                                   : utils::IteratorType::parallel);
    if (reduced[d]) continue;
    outShape.push_back(type.getDimSize(d));
    if (type.isDynamicDim(d)) outSizes.push_back(buildDim(b, loc, input, d));
    outExprs.push_back(getAffineDimExpr(d, ctx));
  }
  auto outType = RankedTensorType::get(outShape, accElement);
  Value init = buildFilled(b, loc, outType, emitIdentity(b, loc, kind, accElement), outSizes);
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(type.getRank(), ctx),
                              AffineMap::get(type.getRank(), 0, outExprs, ctx)};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{outType}, ValueRange{input}, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value x = emitCast(nb, nl, args[0], accElement);
        linalg::YieldOp::create(nb, nl, emitCombine(nb, nl, kind, args[1], x));
      });
  return generic.getResult(0);
}

}  // namespace mlir::fusor::lowering
