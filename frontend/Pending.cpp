#include "Pending.h"

#include <mutex>

#include "fusor/driver/Realize.h"
#include "jit/Recorder.h"

namespace fusor::pending {
namespace {

struct Registry {
  std::mutex mutex;
  std::vector<std::weak_ptr<TensorImpl>> tensors;
};

Registry &registry() {
  static Registry *r = new Registry();
  return *r;
}

}  // namespace

void note(const Tensor &t) {
  // A trace's changes are its own outputs (fusor::jit), computed when it runs.
  if (t.node()->realized() || jitrec::active()) return;
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.tensors.push_back(t.impl());
}

void realize(std::vector<ir::Node *> roots) {
  std::vector<ir::NodePtr> held;  // alive until realized, whatever their tensors do meanwhile
  {
    Registry &r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    for (const auto &weak : r.tensors)
      if (auto impl = weak.lock(); impl && !impl->node->realized()) held.push_back(impl->node);
    r.tensors.clear();
  }
  for (const ir::NodePtr &n : held) roots.push_back(n.get());
  driver::realize(roots);
}

}  // namespace fusor::pending
