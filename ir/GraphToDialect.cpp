#include "fusor/ir/GraphToDialect.h"

#include <type_traits>
#include <unordered_map>
#include <variant>

#include "fusor/ir/FusorOps.h"
#include "fusor/ir/ShapeRules.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace fusor::ir {
namespace {

using namespace mlir;

Location locationOf(MLIRContext &ctx, const Node &node) {
  const std::source_location &l = node.location;
  if (!l.file_name() || !*l.file_name()) return UnknownLoc::get(&ctx);
  return FileLineColLoc::get(&ctx, l.file_name(), l.line(), l.column());
}

RankedTensorType tensorType(MLIRContext &ctx, const Node &node) {
  return RankedTensorType::get(node.shape, toMlirType(ctx, node.dtype));
}

// A scalar of `type` holding `literal` (real or integer, by type).
TypedAttr scalarAttr(Builder &b, Type type, const LiteralAttrs &literal) {
  if (isa<FloatType>(type)) return b.getFloatAttr(type, literal.real);
  if (type.isInteger(1)) return b.getIntegerAttr(type, literal.integer != 0);
  return b.getIntegerAttr(type, literal.integer);
}

// The node's attributes on `state`, as its dialect op names them; `element` is the result's
// element type (a literal's type).
void addAttributes(Builder &b, OperationState &state, const Node &node, Type element) {
  auto array = [&](ArrayRef<int64_t> values) { return b.getDenseI64ArrayAttr(values); };
  auto add = [&](StringRef name, Attribute value) { state.addAttribute(name, value); };
  std::visit(
      [&]<typename A>(const A &a) {
        if constexpr (std::is_same_v<A, LiteralAttrs>) {
          add("value", DenseElementsAttr::get(RankedTensorType::get({}, element),
                                              ArrayRef<Attribute>{scalarAttr(b, element, a)}));
        } else if constexpr (std::is_same_v<A, GeluAttrs>) {
          if (a.tanh)
            add("approximate", mlir::fusor::GeluApproximationAttr::get(b.getContext(),
                                                                       mlir::fusor::GeluApproximation::tanh));
        } else if constexpr (std::is_same_v<A, ReduceAttrs>) {
          add("dims", array(a.dims));
          if (a.keepdim) add("keepdim", b.getUnitAttr());
        } else if constexpr (std::is_same_v<A, ArgmaxAttrs>) {
          add("dim", b.getI64IntegerAttr(a.dim));
          if (a.keepdim) add("keepdim", b.getUnitAttr());
        } else if constexpr (std::is_same_v<A, TransposeAttrs>) {
          add("perm", array(a.perm));
        } else if constexpr (std::is_same_v<A, SliceAttrs>) {
          add("starts", array(a.starts)), add("stops", array(a.stops)), add("steps", array(a.steps));
        } else if constexpr (std::is_same_v<A, PadAttrs>) {
          add("low", array(a.low)), add("high", array(a.high)), add("value", scalarAttr(b, element, a.value));
        } else if constexpr (std::is_same_v<A, DimAttrs>) {
          add("dim", b.getI64IntegerAttr(a.dim));
        } else if constexpr (std::is_same_v<A, Conv2dAttrs>) {
          add("strides", array(a.strides)), add("pads", array(a.pads)), add("dilations", array(a.dilations));
          add("groups", b.getI64IntegerAttr(a.groups));
        } else if constexpr (std::is_same_v<A, Pool2dAttrs>) {
          add("kernel", array(a.kernel)), add("strides", array(a.strides)), add("pads", array(a.pads));
          add("ceil_mode", b.getBoolAttr(a.ceilMode));
          if (node.op == OpKind::MaxPool2d) add("dilations", array(a.dilations));
          else add("count_include_pad", b.getBoolAttr(a.countIncludePad));
        } else {
          static_assert(std::is_same_v<A, NoAttrs>, "an attribute kind the dialect conversion leaves out");
        }
      },
      node.attrs);
}

// A realized node's data as an attribute (bools are bytes here, bits in MLIR's raw form).
DenseElementsAttr dataOf(const Node &node, RankedTensorType type) {
  if (node.numel() == 0) return DenseElementsAttr::get(type, ArrayRef<Attribute>{});
  std::shared_ptr<runtime::Buffer> host = node.buffer;
  if (!host->onHost()) {  // device data is copied to the host first
    host = runtime::Buffer::allocate(node.buffer->bytes());
    runtime::Buffer::copy(*node.buffer, *host);
  }
  const char *data = static_cast<const char *>(host->data());
  if (node.dtype == DType::Bool) {
    llvm::SmallVector<bool> values(data, data + node.numel());
    return DenseElementsAttr::get(type, ArrayRef<bool>(values));
  }
  return DenseElementsAttr::getFromRawBuffer(type, ArrayRef<char>(data, node.numel() * elementSize(node.dtype)));
}

}  // namespace

Type toMlirType(MLIRContext &ctx, DType dtype) {
  switch (dtype) {
    case DType::Bool: return IntegerType::get(&ctx, 1);
    case DType::Int8: return IntegerType::get(&ctx, 8);
    case DType::Int32: return IntegerType::get(&ctx, 32);
    case DType::Int64: return IntegerType::get(&ctx, 64);
    case DType::Float16: return Float16Type::get(&ctx);
    case DType::BFloat16: return BFloat16Type::get(&ctx);
    case DType::Float32: return Float32Type::get(&ctx);
    case DType::Float64: return Float64Type::get(&ctx);
  }
  return {};
}

std::optional<DType> fromMlirType(Type type) {
  for (DType d : {DType::Bool, DType::Int8, DType::Int32, DType::Int64, DType::Float16, DType::BFloat16,
                  DType::Float32, DType::Float64})
    if (toMlirType(*type.getContext(), d) == type) return d;
  return std::nullopt;
}

OwningOpRef<ModuleOp> toDialect(MLIRContext &ctx, const Program &program, llvm::StringRef name) {
  OpBuilder b(&ctx);
  Location unknown = UnknownLoc::get(&ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(unknown);
  b.setInsertionPointToEnd(module->getBody());
  std::unordered_map<const Node *, size_t> position;  // into program.shapes
  if (!program.shapes.empty()) {
    for (Node *in : program.inputs) position.emplace(in, position.size());
    for (Node *n : program.nodes) position.emplace(n, position.size());
  }
  auto typeOf = [&](const Node &node) {
    if (program.shapes.empty()) return tensorType(ctx, node);
    return RankedTensorType::get(program.shapes.at(position.at(&node)), toMlirType(ctx, node.dtype));
  };
  SmallVector<Type> argTypes, resultTypes;
  for (Node *in : program.inputs) argTypes.push_back(typeOf(*in));
  for (Node *out : program.outputs) resultTypes.push_back(typeOf(*out));
  auto func = func::FuncOp::create(b, unknown, name, b.getFunctionType(argTypes, resultTypes));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToEnd(body);

  std::unordered_map<const Node *, Value> values;
  for (size_t i = 0; i < program.inputs.size(); ++i) values[program.inputs[i]] = body->getArgument(i);
  for (Node *node : program.nodes) {
    RankedTensorType type = typeOf(*node);
    if (node->realized()) {  // data compiled in: empty tensors, exported weights
      values[node] = mlir::fusor::ConstantOp::create(b, locationOf(ctx, *node), type, dataOf(*node, type));
      continue;
    }
    OperationState state(locationOf(ctx, *node), opName(node->op));
    for (const NodePtr &in : node->inputs) state.addOperands(values.at(in.get()));
    state.addTypes(type);
    // Pad's value has the element type; other ops take their attributes' types from the node.
    addAttributes(b, state, *node, type.getElementType());
    if (node->op == OpKind::Slice && !program.shapes.empty()) {
      const std::vector<int64_t> &input = program.shapes.at(position.at(node->inputs[0].get()));
      state.attributes.set("stops", b.getDenseI64ArrayAttr(shape::stopsToEndOfDynamicDims(
                                        std::get<SliceAttrs>(node->attrs).stops, input)));
    }
    values[node] = b.create(state)->getResult(0);
  }
  SmallVector<Value> results;
  for (Node *out : program.outputs) results.push_back(values.at(out));
  func::ReturnOp::create(b, unknown, results);
  return module;
}

}  // namespace fusor::ir
