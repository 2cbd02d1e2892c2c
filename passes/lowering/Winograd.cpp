// Y = A^T [(G g G^T) . (B^T d B)] A over 4x4 input tiles d overlapping by 2, with the
// element-wise product summed over input channels: that sum is 16 GEMMs, one per position in
// the 4x4 transformed tile. The weights' transform is two 1-D passes (rows, then columns),
// each one linalg.generic whose body applies every row of the 1-D matrix to the values it
// reads and keeps the one its output coordinate selects: adds and subtracts only. The input's
// and output's transforms are one generic each, which the CPU pipeline replaces with the
// runtime's (they read or write every other column, which loops do not vectorize).
#include "Winograd.h"

#include "TensorBuilders.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

namespace mlir::fusor::lowering {
namespace {

// A small dense matrix of the transforms (row-major).
struct Matrix {
  int64_t rows, cols;
  const double *at;
  double operator()(int64_t r, int64_t c) const { return at[r * cols + c]; }
};

constexpr double kInputT[] = {1, 0, -1, 0, 0, 1, 1, 0, 0, -1, 1, 0, 0, 1, 0, -1};  // B^T, 4x4
constexpr double kWeight[] = {1, 0, 0, .5, .5, .5, .5, -.5, .5, 0, 0, 1};           // G, 4x3
constexpr double kOutputT[] = {1, 1, 1, 0, 0, 1, -1, -1};                           // A^T, 2x4
constexpr Matrix kInputTransform{4, 4, kInputT}, kWeightTransform{4, 3, kWeight},
    kOutputTransform{2, 4, kOutputT};

// sum_c row[c] * x[c]: adds and subtracts for coefficients of +-1, nothing for 0.
Value applyRow(OpBuilder &b, Location loc, const Matrix &m, int64_t row, ValueRange x) {
  Value sum;
  for (int64_t c = 0; c < m.cols; ++c) {
    double k = m(row, c);
    if (k == 0) continue;
    Value term = x[c];
    bool negate = k < 0;
    if (std::abs(k) != 1) {
      Value scale = arith::ConstantOp::create(b, loc, b.getFloatAttr(term.getType(), std::abs(k)));
      term = arith::MulFOp::create(b, loc, scale, term);
    }
    if (!sum) sum = negate ? arith::NegFOp::create(b, loc, term).getResult() : term;
    else sum = negate ? arith::SubFOp::create(b, loc, sum, term).getResult()
                      : arith::AddFOp::create(b, loc, sum, term).getResult();
  }
  return sum;
}

// The value row e of `m` gives, for each e in [0, m.rows), chosen by `selector` == e.
Value pickRow(OpBuilder &b, Location loc, const Matrix &m, Value selector, function_ref<Value(int64_t)> valueOfRow) {
  Value chosen = valueOfRow(m.rows - 1);
  for (int64_t row = m.rows - 2; row >= 0; --row) {
    Value isRow = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, selector,
                                        arith::ConstantIndexOp::create(b, loc, row));
    chosen = arith::SelectOp::create(b, loc, isRow, valueOfRow(row), chosen);
  }
  return chosen;
}

// An all-parallel generic over `resultType` reading `source` through each of `reads`, whose
// element `body` yields from the values read.
linalg::GenericOp transformGeneric(OpBuilder &b, Location loc, Value source, ArrayRef<AffineMap> reads,
                                  RankedTensorType resultType,
                                  function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  SmallVector<Value> inputs(reads.size(), source);
  SmallVector<AffineMap> maps(reads);
  unsigned rank = resultType.getRank();
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(), resultType.getElementType());
  return linalg::GenericOp::create(b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps,
                                   SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
                                   [&](OpBuilder &nb, Location l, ValueRange args) {
                                     linalg::YieldOp::create(nb, l, body(nb, l, args.drop_back()));
                                   });
}

// One 1-D pass: element e of each output row is row e of `m` applied to the m.cols values
// read, where e is the element's coordinate along `selectorDim`. Tagged `fusor.kernel` =
// `kernel`: the CPU pipeline has the runtime transform the weights instead, once for a
// model's constant weights (fusor-winograd-to-calls).
Value transformPass(OpBuilder &b, Location loc, Value source, ArrayRef<AffineMap> reads,
                    RankedTensorType resultType, const Matrix &m, unsigned selectorDim, StringRef kernel) {
  linalg::GenericOp generic =
      transformGeneric(b, loc, source, reads, resultType, [&](OpBuilder &nb, Location l, ValueRange x) {
        Value selector = linalg::IndexOp::create(nb, l, selectorDim);
        return pickRow(nb, l, m, selector, [&](int64_t row) { return applyRow(nb, l, m, row, x); });
      });
  generic->setAttr("fusor.kernel", b.getStringAttr(kernel));
  return generic.getResult(0);
}

// Both passes of a 2-D transform in one generic: element (e1, e2) of m X m^T for the
// m.cols x m.cols values X read (row-major) through `reads`, where e1 and e2 are the element's
// coordinates along rowDim and colDim (modulo m.rows when `interleaved`). Tagged
// `fusor.kernel` = `kernel`: the CPU pipeline calls the runtime's vectorized transform
// instead (fusor-winograd-to-calls); as loops, its reads of every other column do not
// vectorize.
Value transformTile(OpBuilder &b, Location loc, Value source, ArrayRef<AffineMap> reads, RankedTensorType resultType,
                    const Matrix &m, unsigned rowDim, unsigned colDim, bool interleaved, StringRef kernel) {
  linalg::GenericOp generic =
      transformGeneric(b, loc, source, reads, resultType, [&](OpBuilder &nb, Location l, ValueRange x) {
        auto coordinate = [&](unsigned dim) -> Value {
          Value index = linalg::IndexOp::create(nb, l, dim);
          if (!interleaved) return index;
          return arith::RemUIOp::create(nb, l, index, arith::ConstantIndexOp::create(nb, l, m.rows));
        };
        Value e1 = coordinate(rowDim), e2 = coordinate(colDim);
        SmallVector<Value> columns;
        for (int64_t j = 0; j < m.cols; ++j) {
          SmallVector<Value> column;
          for (int64_t i = 0; i < m.cols; ++i) column.push_back(x[i * m.cols + j]);
          columns.push_back(pickRow(nb, l, m, e1, [&](int64_t row) { return applyRow(nb, l, m, row, column); }));
        }
        return pickRow(nb, l, m, e2, [&](int64_t row) { return applyRow(nb, l, m, row, columns); });
      });
  generic->setAttr("fusor.kernel", b.getStringAttr(kernel));
  return generic.getResult(0);
}

// Maps over `dims` loop dims reading at `resultsOf(k)` for k in [0, count).
SmallVector<AffineMap> readMaps(MLIRContext *ctx, unsigned dims, int64_t count,
                                function_ref<SmallVector<AffineExpr>(int64_t)> resultsOf) {
  SmallVector<AffineMap> maps;
  for (int64_t k = 0; k < count; ++k) maps.push_back(AffineMap::get(dims, 0, resultsOf(k), ctx));
  return maps;
}

constexpr int64_t kMinTiles = 32, kMinChannels = 16;

}  // namespace

bool winogradSuits(RankedTensorType input, RankedTensorType weight, RankedTensorType result,
                   int64_t groups, ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations) {
  auto unit = [](ArrayRef<int64_t> v) { return llvm::all_of(v, [](int64_t x) { return x == 1; }); };
  if (!input.getElementType().isF32() || groups != 1 || !unit(strides) || !unit(dilations)) return false;
  if (weight.getDimSize(2) != 3 || weight.getDimSize(3) != 3) return false;
  int64_t tiles = result.getDimSize(0) * llvm::divideCeil(result.getDimSize(2), 2) *
                  llvm::divideCeil(result.getDimSize(3), 2);
  // Fewer tiles leave the weight transform (16 values per weight 3x3) costing as much as the
  // multiplies saved; fewer channels leave GEMMs too thin to gain from.
  return tiles >= kMinTiles && weight.getDimSize(0) >= kMinChannels && weight.getDimSize(1) >= kMinChannels;
}

Value buildWinogradConv2d(OpBuilder &b, Location loc, Value input, Value weight,
                          RankedTensorType result, ArrayRef<int64_t> pads) {
  MLIRContext *ctx = b.getContext();
  auto in = cast<RankedTensorType>(input.getType());
  Type f32 = in.getElementType();
  int64_t n = in.getDimSize(0), c = in.getDimSize(1), o = result.getDimSize(1);
  int64_t oh = result.getDimSize(2), ow = result.getDimSize(3);
  int64_t th = llvm::divideCeil(oh, 2), tw = llvm::divideCeil(ow, 2), tiles = n * th * tw;
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto k = [&](int64_t v) { return getAffineConstantExpr(v, ctx); };
  auto type = [&](ArrayRef<int64_t> shape) { return RankedTensorType::get(shape, f32); };

  // The input padded so that tile (ty, tx) reads rows 2ty..2ty+3 and columns 2tx..2tx+3; odd
  // output sizes add one more row or column of zeros, whose outputs are cropped.
  Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(f32, 0.0));
  Value padded = buildPadded(b, loc, input, {0, 0, pads[0], pads[1]},
                             {0, 0, pads[2] + 2 * th - oh, pads[3] + 2 * tw - ow}, zero);

  // B^T d B: tiles[e1, e2, c, n, ty, tx] from padded rows 2ty + i, columns 2tx + j.
  Value tilesIn = transformTile(
      b, loc, padded,
      readMaps(ctx, 6, 16,
               [&](int64_t ij) { return SmallVector<AffineExpr>{d(3), d(2), d(4) * 2 + ij / 4, d(5) * 2 + ij % 4}; }),
      type({4, 4, c, n, th, tw}), kInputTransform, 0, 1, false, "winograd_input");

  // G g G^T: half[e1, o, c, j] from weight rows i, then kernel[e1, e2, o, c].
  Value half = transformPass(
      b, loc, weight,
      readMaps(ctx, 4, 3, [&](int64_t i) { return SmallVector<AffineExpr>{d(1), d(2), k(i), d(3)}; }),
      type({4, o, c, 3}), kWeightTransform, 0, "winograd_weights_rows");
  Value kernel = transformPass(
      b, loc, half,
      readMaps(ctx, 4, 3, [&](int64_t j) { return SmallVector<AffineExpr>{d(0), d(2), d(3), k(j)}; }),
      type({4, 4, o, c}), kWeightTransform, 1, "winograd_weights");

  // products[e, o, t] = sum_c kernel[e, o, c] * tiles[e, c, t]: a batch of 16 GEMMs.
  Value lhs = buildReshape(b, loc, kernel, type({16, o, c}));
  Value rhs = buildReshape(b, loc, tilesIn, type({16, c, tiles}));
  SmallVector<AffineMap> gemmMaps{AffineMap::get(4, 0, {d(0), d(1), d(3)}, ctx),
                                  AffineMap::get(4, 0, {d(0), d(3), d(2)}, ctx),
                                  AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx)};
  SmallVector<utils::IteratorType> iterators(3, utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  Value products = linalg::GenericOp::create(
                       b, loc, TypeRange{type({16, o, tiles})}, ValueRange{lhs, rhs},
                       ValueRange{buildFilled(b, loc, type({16, o, tiles}), zero)}, gemmMaps, iterators,
                       [](OpBuilder &nb, Location l, ValueRange args) {
                         Value product = arith::MulFOp::create(nb, l, args[0], args[1]);
                         linalg::YieldOp::create(nb, l, arith::AddFOp::create(nb, l, args[2], product).getResult());
                       })
                       .getResult(0);
  products = buildReshape(b, loc, products, type({4, 4, o, n, th, tw}));

  // A^T m A straight into the output [n, o, oy, ox], whose element reads its tile
  // (oy / 2, ox / 2) and keeps row oy % 2, column ox % 2.
  return transformTile(b, loc, products,
                       readMaps(ctx, 4, 16,
                                [&](int64_t e) {
                                  return SmallVector<AffineExpr>{k(e / 4), k(e % 4), d(1), d(0), d(2).floorDiv(2),
                                                                 d(3).floorDiv(2)};
                                }),
                       result, kOutputTransform, 2, 3, true, "winograd_output");
}

}  // namespace mlir::fusor::lowering
