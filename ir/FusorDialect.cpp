#include "fusor/ir/FusorDialect.h"

#include "fusor/ir/FusorOps.h"
#include "fusor/ir/ShapeRules.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace mlir::fusor;

static_assert(::fusor::shape::kDynamic == ShapedType::kDynamic,
              "the shape rules and MLIR must agree on the dynamic extent");

#include "fusor/ir/FusorDialect.cpp.inc"

void FusorDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "fusor/ir/FusorOps.cpp.inc"
      >();
}

Operation *FusorDialect::materializeConstant(OpBuilder &builder, Attribute value, Type type,
                                             Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type) return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}
