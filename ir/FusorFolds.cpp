// Folding and canonicalization of fusor ops: algebraic identities, shape-op simplification
// and constant folding of small tensors.
#include <cmath>

#include "ConstantFold.h"
#include "fusor/ir/FusorOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::fusor;
namespace ce = mlir::fusor::constfold;

namespace {

// `value` when it already has the result's type, so that folding to it keeps types intact.
OpFoldResult sameTypeOrNull(Value value, Value result) {
  return value.getType() == result.getType() ? OpFoldResult(value) : OpFoldResult();
}

// Integer arithmetic wraps (two's complement), as on the hardware; done unsigned to avoid UB.
int64_t wrap(uint64_t v) { return static_cast<int64_t>(v); }

std::optional<int64_t> intPow(int64_t base, int64_t exponent) {
  if (exponent < 0) return std::nullopt;
  uint64_t result = 1, b = static_cast<uint64_t>(base);
  for (; exponent; exponent >>= 1, b *= b)
    if (exponent & 1) result *= b;
  return wrap(result);
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Unary
//===----------------------------------------------------------------------===//

#define FUSOR_FOLD_FLOAT(Op, expr)                                              \
  OpFoldResult Op::fold(FoldAdaptor a) {                                        \
    return ce::map(a.getInput(), getType(),                                     \
                   [](double x) -> std::optional<double> { return expr; });     \
  }
FUSOR_FOLD_FLOAT(ExpOp, std::exp(x))
FUSOR_FOLD_FLOAT(LogOp, std::log(x))
FUSOR_FOLD_FLOAT(SqrtOp, std::sqrt(x))
FUSOR_FOLD_FLOAT(RsqrtOp, 1.0 / std::sqrt(x))
FUSOR_FOLD_FLOAT(TanhOp, std::tanh(x))
FUSOR_FOLD_FLOAT(SigmoidOp, sigmoid(x))
FUSOR_FOLD_FLOAT(SiluOp, x * sigmoid(x))
FUSOR_FOLD_FLOAT(SinOp, std::sin(x))
FUSOR_FOLD_FLOAT(CosOp, std::cos(x))
FUSOR_FOLD_FLOAT(ErfOp, std::erf(x))
FUSOR_FOLD_FLOAT(FloorOp, std::floor(x))
FUSOR_FOLD_FLOAT(CeilOp, std::ceil(x))
#undef FUSOR_FOLD_FLOAT

#define FUSOR_FOLD_NUMERIC(Op, floatExpr, intExpr)                              \
  OpFoldResult Op::fold(FoldAdaptor a) {                                        \
    return ce::map(                                                             \
        a.getInput(), getType(),                                                \
        [](double x) -> std::optional<double> { return floatExpr; },            \
        [](int64_t x) -> std::optional<int64_t> { return intExpr; });           \
  }
FUSOR_FOLD_NUMERIC(NegOp, -x, wrap(-static_cast<uint64_t>(x)))
FUSOR_FOLD_NUMERIC(AbsOp, std::fabs(x), x < 0 ? wrap(-static_cast<uint64_t>(x)) : x)
FUSOR_FOLD_NUMERIC(ReluOp, x > 0 ? x : 0.0, x > 0 ? x : 0)
#undef FUSOR_FOLD_NUMERIC

OpFoldResult LogicalNotOp::fold(FoldAdaptor a) {
  return ce::map(a.getInput(), getType(), nullptr,
                 [](int64_t x) -> std::optional<int64_t> { return !x; });
}

OpFoldResult GeluOp::fold(FoldAdaptor a) {
  if (getApproximate() == GeluApproximation::tanh)
    return ce::map(a.getInput(), getType(), [](double x) -> std::optional<double> {
      return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    });
  return ce::map(a.getInput(), getType(), [](double x) -> std::optional<double> {
    return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  });
}

OpFoldResult CastOp::fold(FoldAdaptor a) {
  if (getInput().getType() == getType()) return getInput();
  return ce::cast(a.getInput(), getType());
}

//===----------------------------------------------------------------------===//
// Binary. Commutative ops have their constants moved to the right before folding.
//===----------------------------------------------------------------------===//

OpFoldResult AddOp::fold(FoldAdaptor a) {
  // x + 0 -> x; also for float -0.0, the only zero that is an exact IEEE identity.
  if (ce::isSplatOf(a.getRhs(), 0.0)) return sameTypeOrNull(getLhs(), getResult());
  return ce::zip(
      a.getLhs(), a.getRhs(), getType(),
      [](double x, double y) -> std::optional<double> { return x + y; },
      [](int64_t x, int64_t y) -> std::optional<int64_t> {
        return wrap(static_cast<uint64_t>(x) + static_cast<uint64_t>(y));
      });
}

OpFoldResult SubOp::fold(FoldAdaptor a) {
  if (ce::isSplatOf(a.getRhs(), 0.0)) return sameTypeOrNull(getLhs(), getResult());
  return ce::zip(
      a.getLhs(), a.getRhs(), getType(),
      [](double x, double y) -> std::optional<double> { return x - y; },
      [](int64_t x, int64_t y) -> std::optional<int64_t> {
        return wrap(static_cast<uint64_t>(x) - static_cast<uint64_t>(y));
      });
}

OpFoldResult MulOp::fold(FoldAdaptor a) {
  if (ce::isSplatOf(a.getRhs(), 1.0)) return sameTypeOrNull(getLhs(), getResult());
  return ce::zip(
      a.getLhs(), a.getRhs(), getType(),
      [](double x, double y) -> std::optional<double> { return x * y; },
      [](int64_t x, int64_t y) -> std::optional<int64_t> {
        return wrap(static_cast<uint64_t>(x) * static_cast<uint64_t>(y));
      });
}

OpFoldResult DivOp::fold(FoldAdaptor a) {
  if (ce::isSplatOf(a.getRhs(), 1.0)) return sameTypeOrNull(getLhs(), getResult());
  return ce::zip(
      a.getLhs(), a.getRhs(), getType(),
      [](double x, double y) -> std::optional<double> { return x / y; },
      [](int64_t x, int64_t y) -> std::optional<int64_t> {
        if (y == 0 || (y == -1 && x == INT64_MIN)) return std::nullopt;  // a run-time fault
        return x / y;
      });
}

OpFoldResult PowOp::fold(FoldAdaptor a) {
  if (ce::isSplatOf(a.getRhs(), 1.0)) return sameTypeOrNull(getLhs(), getResult());
  return ce::zip(
      a.getLhs(), a.getRhs(), getType(),
      [](double x, double y) -> std::optional<double> { return std::pow(x, y); }, intPow);
}

#define FUSOR_FOLD_MINMAX(Op, pick, nanPick)                                    \
  OpFoldResult Op::fold(FoldAdaptor a) {                                        \
    if (getLhs() == getRhs()) return sameTypeOrNull(getLhs(), getResult());     \
    return ce::zip(                                                             \
        a.getLhs(), a.getRhs(), getType(),                                      \
        [](double x, double y) -> std::optional<double> {                       \
          return std::isnan(x) || std::isnan(y) ? NAN : nanPick(x, y);          \
        },                                                                      \
        [](int64_t x, int64_t y) -> std::optional<int64_t> { return pick(x, y); }); \
  }
// Like torch.maximum/minimum, a NaN on either side gives NaN.
FUSOR_FOLD_MINMAX(MaxOp, std::max<int64_t>, std::fmax)
FUSOR_FOLD_MINMAX(MinOp, std::min<int64_t>, std::fmin)
#undef FUSOR_FOLD_MINMAX

#define FUSOR_FOLD_COMPARE(Op, cmp)                                             \
  OpFoldResult Op::fold(FoldAdaptor a) {                                        \
    return ce::zip(                                                             \
        a.getLhs(), a.getRhs(), getType(),                                      \
        [](double x, double y) -> std::optional<double> { return x cmp y; },    \
        [](int64_t x, int64_t y) -> std::optional<int64_t> { return x cmp y; }); \
  }
FUSOR_FOLD_COMPARE(EqOp, ==)
FUSOR_FOLD_COMPARE(NeOp, !=)
FUSOR_FOLD_COMPARE(LtOp, <)
FUSOR_FOLD_COMPARE(LeOp, <=)
FUSOR_FOLD_COMPARE(GtOp, >)
FUSOR_FOLD_COMPARE(GeOp, >=)
#undef FUSOR_FOLD_COMPARE

OpFoldResult LogicalAndOp::fold(FoldAdaptor a) {
  if (ce::isSplatOf(a.getRhs(), 1.0)) return sameTypeOrNull(getLhs(), getResult());
  return ce::zip(a.getLhs(), a.getRhs(), getType(), nullptr,
                 [](int64_t x, int64_t y) -> std::optional<int64_t> { return x && y; });
}

OpFoldResult LogicalOrOp::fold(FoldAdaptor a) {
  if (ce::isSplatOf(a.getRhs(), 0.0)) return sameTypeOrNull(getLhs(), getResult());
  return ce::zip(a.getLhs(), a.getRhs(), getType(), nullptr,
                 [](int64_t x, int64_t y) -> std::optional<int64_t> { return x || y; });
}

OpFoldResult SelectOp::fold(FoldAdaptor a) {
  if (getTrueValue() == getFalseValue()) return sameTypeOrNull(getTrueValue(), getResult());
  if (ce::isSplatOf(a.getCondition(), 1.0)) return sameTypeOrNull(getTrueValue(), getResult());
  if (ce::isSplatOf(a.getCondition(), 0.0)) return sameTypeOrNull(getFalseValue(), getResult());
  return ce::select(a.getCondition(), a.getTrueValue(), a.getFalseValue(), getType());
}

//===----------------------------------------------------------------------===//
// Reductions: reducing over no dims is the identity.
//===----------------------------------------------------------------------===//

#define FUSOR_FOLD_REDUCE(Op)                                                   \
  OpFoldResult Op::fold(FoldAdaptor) {                                          \
    return getDims().empty() ? sameTypeOrNull(getInput(), getResult()) : OpFoldResult(); \
  }
FUSOR_FOLD_REDUCE(ReduceSumOp)
FUSOR_FOLD_REDUCE(ReduceMeanOp)
FUSOR_FOLD_REDUCE(ReduceMaxOp)
FUSOR_FOLD_REDUCE(ReduceMinOp)
FUSOR_FOLD_REDUCE(ReduceProdOp)
#undef FUSOR_FOLD_REDUCE

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

OpFoldResult ReshapeOp::fold(FoldAdaptor a) {
  if (getInput().getType() == getType()) return getInput();
  // reshape(reshape(x)) -> reshape(x): only the final shape matters.
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    setOperand(inner.getInput());
    return getResult();
  }
  if (auto dense = dyn_cast_if_present<DenseElementsAttr>(a.getInput());
      dense && getType().hasStaticShape())
    return dense.reshape(getType());
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor a) {
  if (llvm::equal(getPerm(), llvm::seq<int64_t>(0, getPerm().size())))
    return sameTypeOrNull(getInput(), getResult());
  return ce::transpose(a.getInput(), getPerm(), getType());
}

namespace {
// transpose(transpose(x, inner), outer) -> transpose(x, inner o outer); the identity then
// folds away.
struct ComposeTransposes : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<TransposeOp>();
    if (!inner) return rewriter.notifyMatchFailure(op, "input is not a transpose");
    SmallVector<int64_t> perm;
    for (int64_t p : op.getPerm()) perm.push_back(inner.getPerm()[p]);
    rewriter.replaceOpWithNewOp<TransposeOp>(op, op.getType(), inner.getInput(), perm);
    return success();
  }
};
}  // namespace

namespace {
// transpose(matmul(a, b)) swapping the matrix dims -> matmul(b^T, a^T): the GEMM reads
// transposed operands through strides, while a transposed result is a strided copy of the
// whole product (backward's weight gradients, (x^T dy)^T, were 30% of an MLP train step).
struct TransposeOfMatmul : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  static Value transposed(PatternRewriter &rewriter, Location loc, Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    int64_t rank = type.getRank();
    SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank)), shape(type.getShape());
    std::swap(perm[rank - 1], perm[rank - 2]);
    std::swap(shape[rank - 1], shape[rank - 2]);
    return TransposeOp::create(rewriter, loc, RankedTensorType::get(shape, type.getElementType()), v, perm);
  }

  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    auto matmul = op.getInput().getDefiningOp<MatmulOp>();
    if (!matmul || !matmul->hasOneUse()) return rewriter.notifyMatchFailure(op, "not the only use of a matmul");
    auto lhs = dyn_cast<RankedTensorType>(matmul.getLhs().getType());
    auto rhs = dyn_cast<RankedTensorType>(matmul.getRhs().getType());
    ArrayRef<int64_t> perm = op.getPerm();
    int64_t rank = static_cast<int64_t>(perm.size());
    if (!lhs || !rhs || lhs.getRank() < 2 || rhs.getRank() < 2 || rank < 2)
      return rewriter.notifyMatchFailure(op, "not a product of matrices");
    for (int64_t i = 0; i < rank - 2; ++i)
      if (perm[i] != i) return rewriter.notifyMatchFailure(op, "moves batch dims");
    if (perm[rank - 2] != rank - 1 || perm[rank - 1] != rank - 2)
      return rewriter.notifyMatchFailure(op, "does not swap the matrix dims");
    Value b = transposed(rewriter, op.getLoc(), matmul.getRhs());
    Value a = transposed(rewriter, op.getLoc(), matmul.getLhs());
    rewriter.replaceOpWithNewOp<MatmulOp>(op, op.getType(), b, a);
    return success();
  }
};
}  // namespace

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<ComposeTransposes, TransposeOfMatmul>(context);
}

OpFoldResult BroadcastToOp::fold(FoldAdaptor a) {
  if (getInput().getType() == getType()) return getInput();
  return ce::broadcastTo(a.getInput(), getType());
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  RankedTensorType in = getInput().getType();
  for (int64_t d = 0; d < in.getRank(); ++d) {
    bool whole = getStarts()[d] == 0 && getSteps()[d] == 1 && !in.isDynamicDim(d) &&
                 getStops()[d] >= in.getDimSize(d);
    if (!whole) return {};
  }
  return sameTypeOrNull(getInput(), getResult());
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1) return sameTypeOrNull(getInputs().front(), getResult());
  return {};
}
