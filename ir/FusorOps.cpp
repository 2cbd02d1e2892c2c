// Result-type inference and verification of fusor ops, through the shared shape rules.
#include "fusor/ir/FusorOps.h"

#include "fusor/ir/ShapeRules.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::fusor;
namespace shape = ::fusor::shape;

namespace {

RankedTensorType tensorOf(Value v) { return dyn_cast<RankedTensorType>(v.getType()); }

InferredType fromShape(const shape::ShapeOr &inferred, Type elementType) {
  if (!inferred.ok()) return InferredType::fail(inferred.error);
  return {RankedTensorType::get(inferred.shape, elementType), {}};
}

// Checks that all `values` share an element type, which it returns through `element`.
std::string sameElementType(ValueRange values, Type &element) {
  element = nullptr;
  for (Value v : values) {
    Type t = getElementTypeOrSelf(v.getType());
    if (!element) {
      element = t;
    } else if (t != element) {
      std::string message;
      llvm::raw_string_ostream os(message);
      os << "element types differ: " << element << " vs " << t
         << " (promote with fusor.cast first)";
      return message;
    }
  }
  return {};
}

// Result of a NumPy-broadcasting elementwise op over `operands`; `typed` are those whose
// element types must agree, and `resultElement` overrides the result's (e.g. i1).
InferredType inferBroadcast(ValueRange operands, ValueRange typed, Type resultElement) {
  Type element;
  if (std::string e = sameElementType(typed, element); !e.empty())
    return InferredType::fail(e);
  std::vector<shape::ShapeRef> shapes;
  for (Value v : operands) shapes.push_back(tensorOf(v).getShape());
  return fromShape(shape::broadcast(shapes), resultElement ? resultElement : element);
}

bool compatible(RankedTensorType inferred, Type actual) {
  auto tensor = dyn_cast<RankedTensorType>(actual);
  return tensor && tensor.getElementType() == inferred.getElementType() &&
         succeeded(verifyCompatibleShape(tensor.getShape(), inferred.getShape()));
}

}  // namespace

LogicalResult mlir::fusor::verifyInferredResultType(Operation *op) {
  InferredType inferred = cast<InferResultTypeOpInterface>(op).inferResultType();
  auto printOperands = [&](InFlightDiagnostic &diag) -> InFlightDiagnostic & {
    if (op->getNumOperands() == 0) return diag << "none";
    llvm::interleaveComma(op->getOperandTypes(), diag, [&](Type t) { diag << t; });
    return diag;
  };
  if (!inferred.type) {
    InFlightDiagnostic diag = op->emitOpError() << inferred.error << " (operands: ";
    return printOperands(diag) << ")";
  }
  Type actual = op->getResult(0).getType();
  if (compatible(inferred.type, actual)) return success();
  InFlightDiagnostic diag = op->emitOpError()
                            << "result type " << actual << " does not match " << inferred.type
                            << " inferred from operands ";
  return printOperands(diag);
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

#define FUSOR_BROADCAST_OP(Op, resultElement)                                   \
  InferredType Op::inferResultType() {                                         \
    return inferBroadcast(getOperation()->getOperands(),                        \
                          getOperation()->getOperands(), resultElement);        \
  }
FUSOR_BROADCAST_OP(AddOp, nullptr)
FUSOR_BROADCAST_OP(SubOp, nullptr)
FUSOR_BROADCAST_OP(MulOp, nullptr)
FUSOR_BROADCAST_OP(DivOp, nullptr)
FUSOR_BROADCAST_OP(PowOp, nullptr)
FUSOR_BROADCAST_OP(MaxOp, nullptr)
FUSOR_BROADCAST_OP(MinOp, nullptr)
FUSOR_BROADCAST_OP(LogicalAndOp, nullptr)
FUSOR_BROADCAST_OP(LogicalOrOp, nullptr)
FUSOR_BROADCAST_OP(EqOp, IntegerType::get(getContext(), 1))
FUSOR_BROADCAST_OP(NeOp, IntegerType::get(getContext(), 1))
FUSOR_BROADCAST_OP(LtOp, IntegerType::get(getContext(), 1))
FUSOR_BROADCAST_OP(LeOp, IntegerType::get(getContext(), 1))
FUSOR_BROADCAST_OP(GtOp, IntegerType::get(getContext(), 1))
FUSOR_BROADCAST_OP(GeOp, IntegerType::get(getContext(), 1))
#undef FUSOR_BROADCAST_OP

InferredType SelectOp::inferResultType() {
  return inferBroadcast(getOperation()->getOperands(), {getTrueValue(), getFalseValue()},
                        nullptr);
}

InferredType CastOp::inferResultType() {
  return {getInput().getType().clone(getType().getElementType()), {}};
}

//===----------------------------------------------------------------------===//
// Reductions and contraction
//===----------------------------------------------------------------------===//

#define FUSOR_REDUCE_OP(Op)                                                     \
  InferredType Op::inferResultType() {                                         \
    RankedTensorType in = getInput().getType();                                 \
    return fromShape(shape::reduce(in.getShape(), getDims(), getKeepdim()),     \
                     in.getElementType());                                      \
  }
FUSOR_REDUCE_OP(ReduceSumOp)
FUSOR_REDUCE_OP(ReduceMeanOp)
FUSOR_REDUCE_OP(ReduceMaxOp)
FUSOR_REDUCE_OP(ReduceMinOp)
FUSOR_REDUCE_OP(ReduceProdOp)
#undef FUSOR_REDUCE_OP

InferredType ArgmaxOp::inferResultType() {
  int64_t dim = getDim();
  return fromShape(shape::reduce(getInput().getType().getShape(), {&dim, 1}, getKeepdim()),
                   IntegerType::get(getContext(), 64));
}

InferredType MatmulOp::inferResultType() {
  Type element;
  if (std::string e = sameElementType(getOperation()->getOperands(), element); !e.empty())
    return InferredType::fail(e);
  return fromShape(shape::matmul(getLhs().getType().getShape(), getRhs().getType().getShape()),
                   element);
}

//===----------------------------------------------------------------------===//
// Shape and data movement
//===----------------------------------------------------------------------===//

InferredType ReshapeOp::inferResultType() {
  RankedTensorType in = getInput().getType();
  return fromShape(shape::reshape(in.getShape(), getResult().getType().getShape()),
                   in.getElementType());
}

InferredType TransposeOp::inferResultType() {
  RankedTensorType in = getInput().getType();
  return fromShape(shape::transpose(in.getShape(), getPerm()), in.getElementType());
}

InferredType BroadcastToOp::inferResultType() {
  RankedTensorType in = getInput().getType();
  return fromShape(shape::broadcastTo(in.getShape(), getResult().getType().getShape()),
                   in.getElementType());
}

InferredType SliceOp::inferResultType() {
  RankedTensorType in = getInput().getType();
  return fromShape(shape::slice(in.getShape(), getStarts(), getStops(), getSteps()),
                   in.getElementType());
}

InferredType ConcatOp::inferResultType() {
  Type element;
  if (std::string e = sameElementType(getInputs(), element); !e.empty())
    return InferredType::fail(e);
  std::vector<shape::ShapeRef> shapes;
  for (Value v : getInputs()) shapes.push_back(tensorOf(v).getShape());
  return fromShape(shape::concat(shapes, getDim()), element);
}

InferredType PadOp::inferResultType() {
  RankedTensorType in = getInput().getType();
  Type valueType = getValue().getType();
  if (valueType != in.getElementType() || !isa<FloatAttr, IntegerAttr>(getValue())) {
    std::string message;
    llvm::raw_string_ostream os(message);
    os << "padding value " << getValue() << " is not a " << in.getElementType() << " scalar";
    return InferredType::fail(message);
  }
  return fromShape(shape::pad(in.getShape(), getLow(), getHigh()), in.getElementType());
}

InferredType Conv2dOp::inferResultType() {
  RankedTensorType in = getInput().getType();
  if (getWeight().getType().getElementType() != in.getElementType())
    return InferredType::fail("input and weight element types differ (promote with fusor.cast first)");
  ArrayRef<int64_t> weight = getWeight().getType().getShape();
  int64_t kernel[2] = {weight.size() == 4 ? weight[2] : 1, weight.size() == 4 ? weight[3] : 1};
  shape::Window2d window{kernel, getStrides(), getPads(), getDilations()};
  return fromShape(shape::conv2d(in.getShape(), weight, window, getGroups()), in.getElementType());
}

InferredType MaxPool2dOp::inferResultType() {
  RankedTensorType in = getInput().getType();
  shape::Window2d window{getKernel(), getStrides(), getPads(), getDilations(), getCeilMode()};
  return fromShape(shape::pool2d(in.getShape(), window), in.getElementType());
}

InferredType AvgPool2dOp::inferResultType() {
  RankedTensorType in = getInput().getType();
  int64_t ones[2] = {1, 1};
  shape::Window2d window{getKernel(), getStrides(), getPads(), ones, getCeilMode()};
  return fromShape(shape::pool2d(in.getShape(), window), in.getElementType());
}

InferredType IndexSelectOp::inferResultType() {
  RankedTensorType in = getInput().getType();
  return fromShape(
      shape::indexSelect(in.getShape(), getIndices().getType().getShape(), getDim()),
      in.getElementType());
}

InferredType GatherOp::inferResultType() {
  RankedTensorType in = getInput().getType();
  return fromShape(shape::gather(in.getShape(), getIndices().getType().getShape(), getDim()),
                   in.getElementType());
}

#include "fusor/ir/FusorEnums.cpp.inc"
#include "fusor/ir/FusorInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "fusor/ir/FusorOps.cpp.inc"
