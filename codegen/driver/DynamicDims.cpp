#include "DynamicDims.h"

#include <algorithm>

#include "fusor/ir/ShapeRules.h"

namespace fusor::driver {
namespace {

using ir::OpKind;

bool isElementwise(OpKind op) {
  switch (op) {
#define FUSOR_UNARY(Kind, mnemonic, function, Rule) case OpKind::Kind:
#define FUSOR_BINARY(Kind, mnemonic, function, Rule) case OpKind::Kind:
#include "fusor/ir/Ops.def"
    case OpKind::Select:
    case OpKind::Cast:
      return true;
    default:
      return false;
  }
}

bool hasDynamic(const std::vector<int64_t> &shape) {
  return std::any_of(shape.begin(), shape.end(), shape::isDynamic);
}

// Where `operand` (trailing-aligned to `result`) has a `?`, its size in this capture must be
// the result's: a `?` never stretches.
bool noStretch(const std::vector<int64_t> &pattern, const ir::Node &operand, const ir::Node &result) {
  size_t offset = result.shape.size() - operand.shape.size();
  for (size_t j = 0; j < pattern.size(); ++j)
    if (shape::isDynamic(pattern[j]) && operand.shape[j] != result.shape[offset + j]) return false;
  return true;
}

}  // namespace

std::optional<SizePattern> propagateDynamicSizes(const CapturedProgram &captured,
                                                 const std::vector<std::pair<int, int>> &dynamicInputs,
                                                 std::string &why) {
  const ir::Program &program = captured.program;
  SizePattern pattern(program.inputs.size() + program.nodes.size());
  for (size_t i = 0; i < program.inputs.size(); ++i) pattern[i] = program.inputs[i]->shape;
  for (auto [input, dim] : dynamicInputs) pattern.at(input).at(dim) = shape::kDynamic;
  auto fail = [&](const ir::Node &node, const std::string &reason) {
    why = std::string(ir::opName(node.op)) + " at " + node.location.file_name() + ":" +
          std::to_string(node.location.line()) + " " + reason;
    return std::nullopt;
  };
  for (ir::Node *node : program.nodes) {
    std::vector<int64_t> &out = pattern[captured.idOf(node)];
    std::vector<const std::vector<int64_t> *> operands;
    bool dynamic = false;
    for (const ir::NodePtr &in : node->inputs) {
      operands.push_back(&pattern[captured.idOf(in.get())]);
      dynamic = dynamic || hasDynamic(*operands.back());
    }
    if (!dynamic || node->realized()) {
      out = node->shape;
      continue;
    }
    shape::ShapeOr rule;
    if (isElementwise(node->op)) {
      std::vector<shape::ShapeRef> shapes;
      for (const std::vector<int64_t> *o : operands) shapes.push_back(*o);
      rule = shape::broadcast(shapes);
      for (size_t k = 0; k < operands.size(); ++k)
        if (!noStretch(*operands[k], *node->inputs[k], *node))
          return fail(*node, "stretches a dynamic size here");
    } else if (node->op == OpKind::BroadcastTo) {
      if (!noStretch(*operands[0], *node->inputs[0], *node)) return fail(*node, "stretches a dynamic size here");
      rule.shape = node->shape;
      size_t offset = node->shape.size() - operands[0]->size();
      for (size_t j = 0; j < operands[0]->size(); ++j)
        if (shape::isDynamic((*operands[0])[j])) rule.shape[offset + j] = shape::kDynamic;
    } else if (node->op == OpKind::ReduceSum || node->op == OpKind::ReduceMean || node->op == OpKind::ReduceMax ||
               node->op == OpKind::ReduceMin || node->op == OpKind::ReduceProd) {
      const auto &a = std::get<ir::ReduceAttrs>(node->attrs);
      rule = shape::reduce(*operands[0], a.dims, a.keepdim);
    } else if (node->op == OpKind::Argmax) {
      const auto &a = std::get<ir::ArgmaxAttrs>(node->attrs);
      int64_t dims[] = {a.dim};
      rule = shape::reduce(*operands[0], dims, a.keepdim);
    } else if (node->op == OpKind::Matmul) {
      rule = shape::matmul(*operands[0], *operands[1]);
      // Batch dims: a `?` on one side must be the result's size (no stretching).
      for (size_t k = 0; k < 2; ++k) {
        const std::vector<int64_t> &p = *operands[k];
        const ir::Node &in = *node->inputs[k];
        if (p.size() < 3) continue;
        size_t offset = node->shape.size() - p.size();
        for (size_t j = 0; j + 2 < p.size(); ++j)
          if (shape::isDynamic(p[j]) && in.shape[j] != node->shape[offset + j])
            return fail(*node, "stretches a dynamic batch size here");
      }
    } else if (node->op == OpKind::Slice) {
      // A `?` dim only sliced whole (a split along a static dim, as of q, k and v).
      const auto &a = std::get<ir::SliceAttrs>(node->attrs);
      const std::vector<int64_t> &in = *operands[0];
      for (size_t j = 0; j < in.size(); ++j)
        if (shape::isDynamic(in[j]) &&
            (a.starts[j] != 0 || a.steps[j] != 1 || a.stops[j] < node->inputs[0]->shape[j]))
          return fail(*node, "slices a dynamic size");
      rule.shape = node->shape;
      for (size_t j = 0; j < in.size(); ++j)
        if (shape::isDynamic(in[j])) rule.shape[j] = shape::kDynamic;
    } else if (node->op == OpKind::Transpose) {
      rule = shape::transpose(*operands[0], std::get<ir::TransposeAttrs>(node->attrs).perm);
    } else if (node->op == OpKind::Reshape) {
      // Only a reshape that keeps every `?` dim where it is: input and result agree up to the
      // last `?` (heads split off or merged behind batch and sequence dims).
      const std::vector<int64_t> &in = *operands[0];
      size_t last = 0;
      for (size_t j = 0; j < in.size(); ++j)
        if (shape::isDynamic(in[j])) last = j;
      const std::vector<int64_t> &concreteIn = node->inputs[0]->shape;
      if (node->shape.size() <= last ||
          !std::equal(concreteIn.begin(), concreteIn.begin() + last + 1, node->shape.begin()))
        return fail(*node, "moves a dynamic size to another dim");
      rule.shape = node->shape;
      std::copy(in.begin(), in.begin() + last + 1, rule.shape.begin());
    } else {
      return fail(*node, "does not take dynamic sizes yet");
    }
    if (!rule.ok()) return fail(*node, rule.error);
    if (rule.shape.size() != node->shape.size()) return fail(*node, "changes rank with dynamic sizes");
    for (size_t j = 0; j < rule.shape.size(); ++j)
      if (!shape::isDynamic(rule.shape[j]) && rule.shape[j] != node->shape[j])
        return fail(*node, "has sizes that do not follow from its inputs");
    out = std::move(rule.shape);
  }
  return pattern;
}

}  // namespace fusor::driver
