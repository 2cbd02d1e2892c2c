// In-place ops: the tensor's value becomes a new node (recorded like any op); the handle, its
// copies and its version counter see the change, and so do its views and the tensor it views.
#include "Pending.h"
#include "Views.h"
#include "Trace.h"
#include "autograd/GradGraph.h"
#include "jit/Recorder.h"
#include "fusor/Autograd.h"
#include "fusor/Functions.h"

namespace fusor {
namespace {

bool canCast(DType from, DType to) {
  if (isFloatingType(from) && !isFloatingType(to)) return false;
  return from == kBool || to != kBool;
}

// Makes `result` the value of `self`, with torch's checks.
const Tensor &assign(const Tensor &self, Tensor result, std::string_view op, const Where &where) {
  std::vector<int64_t> want(self.sizes().begin(), self.sizes().end());
  std::vector<int64_t> got(result.sizes().begin(), result.sizes().end());
  if (want != got)
    trace::fail(op, "output with shape " + trace::sizesString(want) +
                        " doesn't match the broadcast shape " + trace::sizesString(got),
                {&self}, where);
  if (result.dtype() != self.dtype()) {
    if (!canCast(result.dtype(), self.dtype()))
      trace::fail(op, "result type " + std::string(toString(result.dtype())) +
                          " can't be cast to the desired output type " + std::string(toString(self.dtype())),
                  {&self}, where);
    result = result.to(self.dtype(), where);
  }
  if (result.device() != self.device()) result = result.to(self.device(), where);
  TensorImpl &impl = *self.impl();
  if (GradMode::is_enabled()) {
    // A value that no longer depends on what required grad still passes (zero) gradient back.
    if (self.requires_grad() && !result.requires_grad())
      autograd::attachFunction(result, {self}, std::string(op), {},
                               [](const Tensor &g, const std::vector<Tensor> &) {
                                 return std::vector<Tensor>{zeros_like(g)};
                               }, where);
    if (result.requires_grad()) autograd::metaOf(self).gradFn = autograd::metaOf(result).gradFn;
  }
  jitrec::wroteInPlace(self.impl(), impl.node);
  jitrec::valueReplaced(impl.node.get());
  impl.node = result.node();
  ++impl.version;
  pending::note(self);
  if (std::shared_ptr<ViewLink> view = impl.view) {
    // A view's root takes the change too; the view then holds the root's current version.
    Tensor root(view->root), rootValue = views::rootValueAfter(self);
    {
      std::optional<NoGradGuard> noGrad;
      if (view->detached) noGrad.emplace();
      assign(root, rootValue, op, where);
    }
    view->rootVersion = view->root->version;
  }
  return self;
}

void checkLeaf(const Tensor &self, std::string_view op, const Where &where) {
  trace::check(self, op, where);
  if (GradMode::is_enabled() && self.is_leaf() && self.requires_grad())
    trace::fail(op, "a leaf tensor that requires grad is being used in an in-place operation "
                    "(wrap it in fusor::NoGradGuard, as optimizers do)",
                {&self}, where);
  if (const std::shared_ptr<ViewLink> &view = self.impl()->view) {
    if (!view->scatter) trace::fail(op, view->unwritable, {&self}, where);
    Tensor root(view->root);
    if (!view->detached && GradMode::is_enabled() && root.is_leaf() && root.requires_grad())
      trace::fail(op, "a view of a leaf tensor that requires grad is being used in an in-place operation "
                      "(wrap it in fusor::NoGradGuard)",
                  {&self}, where);
  }
}

// The tensor's current value under a handle of its own: the op reads this, so what it saves
// is not changed by the assignment that follows (values are immutable nodes).
Tensor before(const Tensor &self) {
  Tensor s(self.node());
  if (self.requires_grad()) autograd::metaOf(s).gradFn = autograd::edgeOf(self);
  return s;
}

Tensor scaled(const Tensor &other, const Scalar &alpha, const Where &where) {
  bool one = alpha.isFloatingPoint() ? alpha.toDouble() == 1.0 : alpha.toLong() == 1;
  return one ? other : mul(other, alpha, where);
}

// Checks `self`, computes its new value from its current one, and assigns it.
template <typename Compute>
const Tensor &update(const Tensor &self, std::string_view op, const Where &where, Compute compute) {
  checkLeaf(self, op, where);
  return assign(self, compute(before(self)), op, where);
}

}  // namespace

const Tensor &Tensor::add_(const Tensor &other, Scalar alpha, Where where) const {
  trace::check(other, "add_", where);
  return update(*this, "add_", where, [&](const Tensor &v) { return add(v, scaled(other, alpha, where), where); });
}
const Tensor &Tensor::add_(Scalar other, Where where) const {
  return update(*this, "add_", where, [&](const Tensor &v) { return add(v, other, where); });
}
const Tensor &Tensor::sub_(const Tensor &other, Scalar alpha, Where where) const {
  trace::check(other, "sub_", where);
  return update(*this, "sub_", where, [&](const Tensor &v) { return sub(v, scaled(other, alpha, where), where); });
}
const Tensor &Tensor::sub_(Scalar other, Where where) const {
  return update(*this, "sub_", where, [&](const Tensor &v) { return sub(v, other, where); });
}
const Tensor &Tensor::mul_(const Tensor &other, Where where) const {
  return update(*this, "mul_", where, [&](const Tensor &v) { return mul(v, other, where); });
}
const Tensor &Tensor::mul_(Scalar other, Where where) const {
  return update(*this, "mul_", where, [&](const Tensor &v) { return mul(v, other, where); });
}
const Tensor &Tensor::div_(const Tensor &other, Where where) const {
  return update(*this, "div_", where, [&](const Tensor &v) { return div(v, other, where); });
}
const Tensor &Tensor::div_(Scalar other, Where where) const {
  return update(*this, "div_", where, [&](const Tensor &v) { return div(v, other, where); });
}
const Tensor &Tensor::zero_(Where where) const { return fill_(0, where); }
const Tensor &Tensor::fill_(Scalar value, Where where) const {
  checkLeaf(*this, "fill_", where);
  if (value.isFloatingPoint() && !isFloatingType(dtype()))
    trace::fail("fill_", "cannot fill an integer tensor with a floating-point value", {this}, where);
  return assign(*this, full(std::vector<int64_t>(sizes().begin(), sizes().end()), value,
                            TensorOptions(dtype()).device(device()), where),
                "fill_", where);
}
const Tensor &Tensor::copy_(const Tensor &src, Where where) const {
  checkLeaf(*this, "copy_", where);
  trace::check(src, "copy_", where);
  // copy_ converts any dtype, as torch's does.
  Tensor value = src.to(dtype(), where).expand(std::vector<int64_t>(sizes().begin(), sizes().end()), where);
  return assign(*this, value, "copy_", where);
}
const Tensor &Tensor::clamp_(std::optional<Scalar> min, std::optional<Scalar> max, Where where) const {
  return update(*this, "clamp_", where, [&](const Tensor &v) { return clamp(v, min, max, where); });
}

}  // namespace fusor
