#include "Pending.h"

#include "fusor/driver/Realize.h"
#include "jit/Recorder.h"

namespace fusor::pending {
namespace {

// Per thread: a thread's next realization computes the in-place changes it made, not another
// thread's (which that thread may still be recording).
struct Registry {
  std::vector<std::weak_ptr<TensorImpl>> tensors;
};

Registry &registry() {
  thread_local Registry r;
  return r;
}

}  // namespace

void note(const Tensor &t) {
  // A trace's changes are its own outputs (fusor::jit), computed when it runs.
  if (t.node()->realized() || jitrec::active()) return;
  registry().tensors.push_back(t.impl());
}

void realize(std::vector<ir::Node *> roots) {
  std::vector<ir::NodePtr> held;  // alive until realized, whatever their tensors do meanwhile
  {
    Registry &r = registry();
    for (const auto &weak : r.tensors)
      if (auto impl = weak.lock(); impl && !impl->node->realized()) held.push_back(impl->node);
    r.tensors.clear();
  }
  for (const ir::NodePtr &n : held) roots.push_back(n.get());
  driver::realize(roots);
}

}  // namespace fusor::pending
