#include "Trace.h"

#include "autograd/GradGraph.h"

#include <algorithm>
#include <optional>

namespace fusor::trace {

std::string describe(const Tensor &t) { return t.defined() ? ir::describe(*t.node()) : "undefined"; }

std::string sizesString(std::span<const int64_t> sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

void fail(std::string_view op, const std::string &reason,
          std::initializer_list<const Tensor *> operands, const Where &where) {
  std::string message = "fusor::" + std::string(op) + ": " + reason;
  if (operands.size()) {
    message += " (operands: ";
    bool first = true;
    for (const Tensor *t : operands) {
      message += (first ? "" : ", ") + describe(*t);
      first = false;
    }
    message += ")";
  }
  throwError(message, where);
}

const Tensor &check(const Tensor &t, std::string_view op, const Where &where) {
  if (!t.defined()) fail(op, "an operand is an undefined tensor", {}, where);
  return t;
}

bool literalsOnly(const ir::Node &n) {
  if (n.realized()) return false;
  for (const ir::NodePtr &in : n.inputs)
    if (in->op != ir::OpKind::Scalar) return false;
  return true;
}

namespace {

// Operands that go wherever the others are: literal-only lazy nodes (computed there), and, as
// in torch, rank-0 host tensors (copied there).
bool followsOthers(const ir::Node &n) {
  return n.op == ir::OpKind::Scalar || literalsOnly(n) || (n.shape.empty() && n.device == ir::Node::kHost);
}

}  // namespace

Tensor make(ir::OpKind op, DType dtype, shape::Shape shape, std::vector<Tensor> inputs,
            const Where &where) {
  auto node = std::make_shared<ir::Node>();
  node->op = op;
  node->dtype = dtype;
  node->shape = std::move(shape);
  node->location = where;
  const ir::Node *placed = nullptr;  // the first operand with a device of its own
  for (Tensor &in : inputs) {
    const ir::Node &n = *in.node();
    if (followsOthers(n)) continue;
    if (placed && n.device != placed->device)
      throwError(std::string("fusor::") + (*ir::opName(op) ? ir::opName(op) + 6 : "op") +
                     ": expected all tensors on the same device, but found " + ir::describe(*placed) +
                     " and " + ir::describe(n) + " (move one with .to(device))",
                 where);
    if (!placed) placed = &n;
  }
  // Only followers: the first non-literal decides, as before.
  for (Tensor &in : inputs)
    if (!placed && in.node()->op != ir::OpKind::Scalar) placed = in.node().get();
  int device = placed ? placed->device : ir::Node::kHost;
  for (Tensor &in : inputs) {
    ir::Node &n = *in.node();
    if (n.op == ir::OpKind::Scalar || n.device == device) {
    } else if (literalsOnly(n)) {
      // A copy computed there: other users of the node keep it where it was.
      auto copy = std::make_shared<ir::Node>(n);
      copy->device = device;
      in = Tensor(std::move(copy));
    } else {
      in = in.to(device == ir::Node::kHost ? Device(kCPU) : Device(kCUDA, device), where);
    }
    node->inputs.push_back(in.node());
  }
  node->device = device;
  Tensor out(std::move(node));
  autograd::recordOp(out, inputs, where);
  return out;
}

shape::Shape unwrap(const shape::ShapeOr &r, std::string_view op,
                    std::initializer_list<const Tensor *> operands, const Where &where) {
  if (!r.ok()) fail(op, r.error, operands, where);
  return r.shape;
}

int64_t normalizeDim(int64_t dim, int64_t rank, std::string_view op, const Tensor &t,
                     const Where &where) {
  int64_t d = shape::normalizeDim(dim, rank);
  if (d < 0)
    fail(op, "dim " + std::to_string(dim) + " is out of range for rank " + std::to_string(rank),
         {&t}, where);
  return d;
}

Tensor cast(const Tensor &t, DType dtype, const Where &where) {
  if (t.dtype() == dtype) return t;
  return make(ir::OpKind::Cast, dtype, shape::Shape(t.sizes().begin(), t.sizes().end()), {t},
              where);
}

ir::NodePtr placeholder(const Tensor &like, const Where &where) {
  auto node = std::make_shared<ir::Node>();
  node->op = ir::OpKind::Buffer;
  node->dtype = like.dtype();
  node->shape.assign(like.sizes().begin(), like.sizes().end());
  node->location = where;
  node->device = like.node()->device;
  return node;
}

Tensor scalar(Scalar value, DType dtype, const Where &where) {
  Tensor t = make(ir::OpKind::Scalar, dtype, {}, {}, where);
  t.node()->attrs = literal(value);
  return t;
}

ir::LiteralAttrs literal(const Scalar &value) {
  double real = value.toDouble();
  return {real, value.isFloatingPoint() ? static_cast<int64_t>(real) : value.toLong()};
}

Tensor finish(Tensor t, const TensorOptions &options, const Where &where) {
  if (options.requires_grad_) t.requires_grad_(true, where);
  return t;
}

namespace {
int category(DType t) { return isFloatingType(t) ? 2 : t == DType::Bool ? 0 : 1; }
}  // namespace

DType resultType(std::initializer_list<const Tensor *> tensors,
                 std::initializer_list<const Scalar *> scalars) {
  // Per tier: the promoted dtype so far, or none.
  std::optional<DType> tiers[3];
  auto add = [&](int tier, DType t) { tiers[tier] = tiers[tier] ? promoteTypes(*tiers[tier], t) : t; };
  for (const Tensor *t : tensors) add(t->dim() == 0 ? 1 : 0, t->dtype());
  for (const Scalar *s : scalars)
    add(2, s->isFloatingPoint() ? kFloat32 : s->isBoolean() ? kBool : kInt64);
  DType result = tiers[0] ? *tiers[0] : tiers[1] ? *tiers[1] : *tiers[2];
  for (int tier = 1; tier < 3; ++tier)
    if (tiers[tier] && category(*tiers[tier]) > category(result))
      result = tier == 2 ? *tiers[tier] : promoteTypes(result, *tiers[tier]);
  return result;
}

Tensor binary(ir::OpKind op, const Tensor &a, const Tensor &b, DType operandType,
              DType resultType, std::string_view name, const Where &where) {
  check(a, name, where);
  check(b, name, where);
  shape::Shape shape = unwrap(shape::broadcast(a.sizes(), b.sizes()), name, {&a, &b}, where);
  return make(op, resultType, std::move(shape),
              {cast(a, operandType, where), cast(b, operandType, where)}, where);
}

}  // namespace fusor::trace
