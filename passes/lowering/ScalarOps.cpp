#include "ScalarOps.h"
#include "TensorBuilders.h"

#include <cmath>

#include "fusor/ir/FusorOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::fusor::lowering {
namespace {

Value floatConst(OpBuilder &b, Location loc, Type type, double v) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, v));
}

Value sigmoid(OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  Value negExp = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  Value denom = arith::AddFOp::create(b, loc, floatConst(b, loc, t, 1.0), negExp);
  return arith::DivFOp::create(b, loc, floatConst(b, loc, t, 1.0), denom);
}

Value gelu(OpBuilder &b, Location loc, Value x, GeluApproximation approximation) {
  Type t = x.getType();
  auto c = [&](double v) { return floatConst(b, loc, t, v); };
  Value half = arith::MulFOp::create(b, loc, c(0.5), x);
  if (approximation == GeluApproximation::tanh) {
    // tanh(sqrt(2/pi) * (x + 0.044715 x^3))
    Value x3 = arith::MulFOp::create(b, loc, arith::MulFOp::create(b, loc, x, x), x);
    Value poly = arith::AddFOp::create(b, loc, x, arith::MulFOp::create(b, loc, c(0.044715), x3));
    Value inner = math::TanhOp::create(
        b, loc, arith::MulFOp::create(b, loc, c(std::sqrt(2.0 / M_PI)), poly));
    return arith::MulFOp::create(b, loc, half, arith::AddFOp::create(b, loc, c(1.0), inner));
  }
  // 1 + erf(x / sqrt 2) as erfc(-x / sqrt 2): no cancellation for negative x, where the sum
  // is tiny and an erf near -1 would keep only its rounding error.
  Value cdf = math::ErfcOp::create(b, loc, arith::MulFOp::create(b, loc, x, c(-M_SQRT1_2)));
  return arith::MulFOp::create(b, loc, half, cdf);
}

// Elementwise ops on floats (already widened to f32 where needed).
Value emitFloat(OpBuilder &b, Location loc, Operation *op, ValueRange a) {
  using namespace arith;
  Type t = a[0].getType();
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case([&](NegOp) { return NegFOp::create(b, loc, a[0]); })
      .Case([&](AbsOp) { return math::AbsFOp::create(b, loc, a[0]); })
      .Case([&](ReluOp) { return MaximumFOp::create(b, loc, a[0], floatConst(b, loc, t, 0)); })
      .Case([&](ExpOp) { return math::ExpOp::create(b, loc, a[0]); })
      .Case([&](LogOp) { return math::LogOp::create(b, loc, a[0]); })
      .Case([&](SqrtOp) { return math::SqrtOp::create(b, loc, a[0]); })
      .Case([&](RsqrtOp) { return math::RsqrtOp::create(b, loc, a[0]); })
      .Case([&](TanhOp) { return math::TanhOp::create(b, loc, a[0]); })
      .Case([&](SigmoidOp) { return sigmoid(b, loc, a[0]); })
      .Case([&](SiluOp) { return MulFOp::create(b, loc, a[0], sigmoid(b, loc, a[0])); })
      .Case([&](GeluOp g) { return gelu(b, loc, a[0], g.getApproximate()); })
      .Case([&](SinOp) { return math::SinOp::create(b, loc, a[0]); })
      .Case([&](CosOp) { return math::CosOp::create(b, loc, a[0]); })
      .Case([&](ErfOp) { return math::ErfOp::create(b, loc, a[0]); })
      .Case([&](FloorOp) { return math::FloorOp::create(b, loc, a[0]); })
      .Case([&](CeilOp) { return math::CeilOp::create(b, loc, a[0]); })
      .Case([&](AddOp) { return AddFOp::create(b, loc, a[0], a[1]); })
      .Case([&](SubOp) { return SubFOp::create(b, loc, a[0], a[1]); })
      .Case([&](MulOp) { return MulFOp::create(b, loc, a[0], a[1]); })
      .Case([&](DivOp) { return DivFOp::create(b, loc, a[0], a[1]); })
      .Case([&](PowOp) { return math::PowFOp::create(b, loc, a[0], a[1]); })
      .Case([&](MaxOp) { return MaximumFOp::create(b, loc, a[0], a[1]); })
      .Case([&](MinOp) { return MinimumFOp::create(b, loc, a[0], a[1]); })
      .Case([&](EqOp) { return CmpFOp::create(b, loc, CmpFPredicate::OEQ, a[0], a[1]); })
      .Case([&](NeOp) { return CmpFOp::create(b, loc, CmpFPredicate::UNE, a[0], a[1]); })
      .Case([&](LtOp) { return CmpFOp::create(b, loc, CmpFPredicate::OLT, a[0], a[1]); })
      .Case([&](LeOp) { return CmpFOp::create(b, loc, CmpFPredicate::OLE, a[0], a[1]); })
      .Case([&](GtOp) { return CmpFOp::create(b, loc, CmpFPredicate::OGT, a[0], a[1]); })
      .Case([&](GeOp) { return CmpFOp::create(b, loc, CmpFPredicate::OGE, a[0], a[1]); })
      .Default([](Operation *) { return Value(); });
}

// x / y truncated toward zero, without the hardware traps: x / 0 gives 0, and x / -1 is -x
// (wrapping), so that INT_MIN / -1 cannot fault either.
Value safeDivide(OpBuilder &b, Location loc, Value x, Value y) {
  using namespace arith;
  Type t = x.getType();
  auto c = [&](int64_t v) { return arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, v)); };
  Value isZero = CmpIOp::create(b, loc, CmpIPredicate::eq, y, c(0));
  Value isMinusOne = CmpIOp::create(b, loc, CmpIPredicate::eq, y, c(-1));
  Value safe = arith::SelectOp::create(b, loc, OrIOp::create(b, loc, isZero, isMinusOne), c(1), y);
  Value quotient = DivSIOp::create(b, loc, x, safe);
  quotient = arith::SelectOp::create(b, loc, isMinusOne, SubIOp::create(b, loc, c(0), x), quotient);
  return arith::SelectOp::create(b, loc, isZero, c(0), quotient);
}

// Elementwise ops on integers; i1 compares as unsigned (false < true).
Value emitInt(OpBuilder &b, Location loc, Operation *op, ValueRange a) {
  using namespace arith;
  Type t = a[0].getType();
  bool isBool = t.isInteger(1);
  auto zero = [&] { return arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, 0)); };
  auto cmp = [&](CmpIPredicate s, CmpIPredicate u) {
    return CmpIOp::create(b, loc, isBool ? u : s, a[0], a[1]);
  };
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case([&](NegOp) { return SubIOp::create(b, loc, zero(), a[0]); })
      .Case([&](AbsOp) { return math::AbsIOp::create(b, loc, a[0]); })
      .Case([&](ReluOp) { return MaxSIOp::create(b, loc, a[0], zero()); })
      .Case([&](LogicalNotOp) {
        return XOrIOp::create(b, loc, a[0], arith::ConstantOp::create(b, loc, b.getBoolAttr(true)));
      })
      .Case([&](AddOp) { return AddIOp::create(b, loc, a[0], a[1]); })
      .Case([&](SubOp) { return SubIOp::create(b, loc, a[0], a[1]); })
      .Case([&](MulOp) { return MulIOp::create(b, loc, a[0], a[1]); })
      .Case([&](DivOp) { return safeDivide(b, loc, a[0], a[1]); })
      .Case([&](PowOp) { return math::IPowIOp::create(b, loc, a[0], a[1]); })
      .Case([&](MaxOp) { return MaxSIOp::create(b, loc, a[0], a[1]); })
      .Case([&](MinOp) { return MinSIOp::create(b, loc, a[0], a[1]); })
      .Case([&](LogicalAndOp) { return AndIOp::create(b, loc, a[0], a[1]); })
      .Case([&](LogicalOrOp) { return OrIOp::create(b, loc, a[0], a[1]); })
      .Case([&](EqOp) { return cmp(CmpIPredicate::eq, CmpIPredicate::eq); })
      .Case([&](NeOp) { return cmp(CmpIPredicate::ne, CmpIPredicate::ne); })
      .Case([&](LtOp) { return cmp(CmpIPredicate::slt, CmpIPredicate::ult); })
      .Case([&](LeOp) { return cmp(CmpIPredicate::sle, CmpIPredicate::ule); })
      .Case([&](GtOp) { return cmp(CmpIPredicate::sgt, CmpIPredicate::ugt); })
      .Case([&](GeOp) { return cmp(CmpIPredicate::sge, CmpIPredicate::uge); })
      .Default([](Operation *) { return Value(); });
}

}  // namespace

Value emitCast(OpBuilder &b, Location loc, Value value, Type to) {
  using namespace arith;
  Type from = value.getType();
  if (from == to) return value;
  auto fromFloat = dyn_cast<FloatType>(from), toFloat = dyn_cast<FloatType>(to);
  if (fromFloat && toFloat) {
    if (fromFloat.getWidth() < toFloat.getWidth()) return ExtFOp::create(b, loc, to, value);
    // f64 -> f16/bf16 rounds through f32, as torch's c10::Half/BFloat16(float) do (and
    // without the compiler-rt calls a direct conversion would need).
    if (fromFloat.getWidth() == 64 && toFloat.getWidth() == 16)
      return TruncFOp::create(b, loc, to, TruncFOp::create(b, loc, b.getF32Type(), value));
    if (fromFloat.getWidth() > toFloat.getWidth()) return TruncFOp::create(b, loc, to, value);
    // f16 <-> bf16: through f32.
    return TruncFOp::create(b, loc, to, ExtFOp::create(b, loc, b.getF32Type(), value));
  }
  if (to.isInteger(1)) {  // x != 0
    if (fromFloat)
      return CmpFOp::create(b, loc, CmpFPredicate::UNE, value, floatConst(b, loc, from, 0));
    return CmpIOp::create(b, loc, CmpIPredicate::ne, value,
                          arith::ConstantOp::create(b, loc, b.getIntegerAttr(from, 0)));
  }
  bool fromBool = from.isInteger(1);
  if (fromFloat) return FPToSIOp::create(b, loc, to, value);
  if (toFloat)
    return fromBool ? Value(UIToFPOp::create(b, loc, to, value))
                    : Value(SIToFPOp::create(b, loc, to, value));
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
    return fromBool ? Value(ExtUIOp::create(b, loc, to, value))
                    : Value(ExtSIOp::create(b, loc, to, value));
  return TruncIOp::create(b, loc, to, value);
}

Value emitElementwise(OpBuilder &b, Location loc, Operation *op, ValueRange args,
                      Type resultElement) {
  if (auto select = dyn_cast<SelectOp>(op))
    return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
  if (isa<CastOp>(op)) return emitCast(b, loc, args[0], resultElement);
  Type element = args[0].getType();
  if (!isa<FloatType>(element)) return emitInt(b, loc, op, args);
  SmallVector<Value> widened;
  for (Value a : args)
    widened.push_back(isLowPrecision(element) ? emitCast(b, loc, a, b.getF32Type()) : a);
  Value result = emitFloat(b, loc, op, widened);
  if (!result) return result;
  return isa<FloatType>(resultElement) ? emitCast(b, loc, result, resultElement) : result;
}

Value emitIdentity(OpBuilder &b, Location loc, StringRef kind, Type type) {
  if (auto f = dyn_cast<FloatType>(type)) {
    double v = kind == "sum" ? 0.0 : kind == "prod" ? 1.0 : kind == "max" ? -INFINITY : INFINITY;
    return floatConst(b, loc, type, v);
  }
  unsigned width = type.getIntOrFloatBitWidth();
  APInt v = kind == "sum"    ? APInt(width, 0)
            : kind == "prod" ? APInt(width, 1)
            : kind == "max"  ? APInt::getSignedMinValue(width)
                             : APInt::getSignedMaxValue(width);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, v));
}

Value emitCombine(OpBuilder &b, Location loc, StringRef kind, Value acc, Value x) {
  using namespace arith;
  bool isFloat = isa<FloatType>(acc.getType());
  if (kind == "sum")
    return isFloat ? Value(AddFOp::create(b, loc, acc, x)) : Value(AddIOp::create(b, loc, acc, x));
  if (kind == "prod")
    return isFloat ? Value(MulFOp::create(b, loc, acc, x)) : Value(MulIOp::create(b, loc, acc, x));
  if (kind == "max")
    return isFloat ? Value(MaximumFOp::create(b, loc, acc, x))
                   : Value(MaxSIOp::create(b, loc, acc, x));
  return isFloat ? Value(MinimumFOp::create(b, loc, acc, x)) : Value(MinSIOp::create(b, loc, acc, x));
}

}  // namespace mlir::fusor::lowering
