// Views, functionalized: a view's value is a function of its root tensor's value, and an
// in-place change of a view writes the root through the inverse ("scatter"), as torch's
// functionalization pass does. Values stay immutable graph nodes; only handles change.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "fusor/Tensor.h"

namespace fusor {

struct ViewLink {
  std::shared_ptr<TensorImpl> root;                          // never itself a view
  std::function<Tensor(const Tensor &)> apply;               // root value -> view value
  std::function<Tensor(const Tensor &, const Tensor &)> scatter;  // (root, view value) -> root; null: not writable
  std::string unwritable;                                    // why, when scatter is null
  uint64_t rootVersion = 0;                                  // the root's version the view's value is of
  bool detached = false;                                     // made through detach(): no autograd across
  bool contiguous = true;  // as torch's strides would be: else contiguous() and reshape() copy
};

namespace views {

using Apply = std::function<Tensor(const Tensor &)>;
using Scatter = std::function<Tensor(const Tensor &, const Tensor &)>;

// Makes `view` (just computed from `base`) a view of base's root. A null `scatter` makes
// in-place changes of the view an error saying `unwritable`.
void link(const Tensor &view, const Tensor &base, Apply apply, Scatter scatter, std::string unwritable = {},
          bool detached = false, bool contiguous = true);

// Whether `t` is a view whose elements torch would not hold contiguously (a transpose, a slice
// of an inner dim, an expansion).
bool nonContiguousView(const Tensor &t);

// The root's value once `view` (which just took a new value in place) is written into it.
Tensor rootValueAfter(const Tensor &view);

}  // namespace views
}  // namespace fusor
