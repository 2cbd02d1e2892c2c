#include "Views.h"

#include "Trace.h"
#include "autograd/GradGraph.h"
#include "fusor/Autograd.h"

namespace fusor {
namespace {
// Set while view functions run for a view's own bookkeeping: what they make is not a view.
thread_local bool bookkeeping = false;

struct Bookkeeping {
  Bookkeeping() : was(bookkeeping) { bookkeeping = true; }
  ~Bookkeeping() { bookkeeping = was; }
  bool was;
};
}  // namespace

namespace views {

bool nonContiguousView(const Tensor &t) { return t.impl()->view && !t.impl()->view->contiguous; }

void link(const Tensor &view, const Tensor &base, Apply apply, Scatter scatter, std::string unwritable,
          bool detached, bool contiguous) {
  if (bookkeeping || !view.defined() || view.impl() == base.impl()) return;
  auto l = std::make_shared<ViewLink>();
  if (const std::shared_ptr<ViewLink> &parent = base.impl()->view) {
    l->root = parent->root;
    l->apply = [outer = parent->apply, apply](const Tensor &r) { return apply(outer(r)); };
    if (parent->scatter && scatter)
      l->scatter = [outer = parent->apply, outerScatter = parent->scatter, scatter](const Tensor &r, const Tensor &v) {
        return outerScatter(r, scatter(outer(r), v));
      };
    l->unwritable = parent->scatter ? unwritable : parent->unwritable;
    l->detached = parent->detached || detached;
    l->contiguous = parent->contiguous && contiguous;
  } else {
    l->root = base.impl();
    l->apply = std::move(apply);
    l->scatter = std::move(scatter);
    l->unwritable = std::move(unwritable);
    l->detached = detached;
    l->contiguous = contiguous;
  }
  l->rootVersion = l->root->version;
  view.impl()->view = std::move(l);
}

Tensor valueOf(const Tensor &view) {
  Tensor v(view.impl()->node);  // not node(): that would bring the view back to the old root
  if (view.impl()->autograd && view.impl()->autograd->gradFn) autograd::metaOf(v).gradFn = view.impl()->autograd->gradFn;
  return v;
}

Tensor rootValueAfter(const Tensor &view) {
  const ViewLink &l = *view.impl()->view;
  Bookkeeping b;
  std::optional<NoGradGuard> noGrad;
  if (l.detached) noGrad.emplace();
  return l.scatter(Tensor(l.root), valueOf(view));
}

}  // namespace views

// As torch's: a contiguous tensor is itself; a non-contiguous view becomes a tensor of its own.
Tensor Tensor::contiguous() const {
  if (!impl_ || !views::nonContiguousView(*this)) return *this;
  Tensor copy(node());
  if (requires_grad()) autograd::metaOf(copy).gradFn = autograd::edgeOf(*this);
  return copy;
}

void Tensor::syncView() const {
  ViewLink &l = *impl_->view;
  if (l.root->version == l.rootVersion || bookkeeping) return;
  Tensor value;
  {
    Bookkeeping b;
    AutoGradMode mode(!l.detached);
    value = l.apply(Tensor(l.root));
  }
  impl_->node = value.node();
  l.rootVersion = l.root->version;
  ++impl_->version;  // torch's views share the version counter with their base
  bool markedLeaf = impl_->autograd && impl_->autograd->requiresGrad;
  if (!l.detached && !markedLeaf && value.requires_grad()) autograd::metaOf(*this).gradFn = autograd::edgeOf(value);
}

}  // namespace fusor
