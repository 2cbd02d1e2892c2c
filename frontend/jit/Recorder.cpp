#include "Recorder.h"

#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "../HostConvert.h"
#include "../autograd/GradGraph.h"

namespace fusor::jitrec {
namespace {
thread_local Recording *current = nullptr;
}  // namespace

Recording *active() { return current; }

Scope::Scope(Recording &r) : previous_(current) { current = &r; }
Scope::~Scope() { current = previous_; }

void wroteInPlace(const std::shared_ptr<TensorImpl> &impl, const ir::NodePtr &before) {
  if (!current || current->writeIndex.count(impl.get())) return;
  current->writeIndex[impl.get()] = current->writes.size();
  current->writes.push_back({impl, before});
}

void touchedGrad(const std::shared_ptr<TensorImpl> &owner, bool reads) {
  if (!current || !owner || current->gradIndex.count(owner.get())) return;
  current->gradIndex[owner.get()] = current->grads.size();
  Tensor before = owner->autograd ? owner->autograd->grad : Tensor();
  current->grads.push_back({owner, before, before.defined() ? before.node() : nullptr, reads});
}

void created(const std::shared_ptr<TensorImpl> &impl) {
  if (current) current->created.push_back(impl);
}

void guard(std::string what, std::function<bool()> holds, const void *key) {
  if (!current || (key && !current->guardKeys.insert(key).second)) return;
  current->guards.push_back({std::move(what), std::move(holds)});
}

void remakeAtReplay(const ir::NodePtr &node, Remake remake) {
  if (current) current->remakes.push_back({node, std::move(remake)});
}

namespace {
struct ConstantWatch {
  std::mutex mutex;
  std::atomic<size_t> size{0};  // read without the lock: most programs watch nothing
  std::unordered_map<const ir::Node *, std::vector<std::weak_ptr<std::atomic<bool>>>> watchers;
  size_t sweepAt = 1024;  // entries of traces since destroyed are dropped when it grows past this
};
ConstantWatch &constantWatch() {
  static ConstantWatch *w = new ConstantWatch();
  return *w;
}
}  // namespace

void watchConstant(const ir::Node *node, const std::shared_ptr<std::atomic<bool>> &stale) {
  ConstantWatch &w = constantWatch();
  std::lock_guard<std::mutex> lock(w.mutex);
  auto &list = w.watchers[node];
  // Drop watchers of traces that are gone (a node's address may also be reused: a stale mark
  // then only costs a retrace).
  std::erase_if(list, [](const auto &weak) { return weak.expired(); });
  list.push_back(stale);
  if (w.watchers.size() > w.sweepAt) {
    for (auto it = w.watchers.begin(); it != w.watchers.end();) {
      std::erase_if(it->second, [](const auto &weak) { return weak.expired(); });
      it = it->second.empty() ? w.watchers.erase(it) : std::next(it);
    }
    w.sweepAt = std::max<size_t>(1024, 2 * w.watchers.size());
  }
  w.size = w.watchers.size();
}

void valueReplaced(const ir::Node *old) {
  ConstantWatch &w = constantWatch();
  if (w.size.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard<std::mutex> lock(w.mutex);
  auto it = w.watchers.find(old);
  if (it == w.watchers.end()) return;
  for (const auto &weak : it->second)
    if (auto stale = weak.lock()) stale->store(true);
  w.watchers.erase(it);
  w.size = w.watchers.size();
}

Tensor hostNumber(std::function<double()> value, const Tensor &like) {
  DType dtype = like.dtype();
  int device = like.node()->device;
  auto make = [value, dtype, device] {
    double v = value();
    auto host = runtime::Buffer::allocate(elementSize(dtype));
    host::convert(&v, kFloat64, host->data(), dtype, 1);
    if (device == ir::Node::kHost) return host;
    auto there = runtime::Buffer::allocate(elementSize(dtype), device);
    runtime::Buffer::copy(*host, *there);
    return there;
  };
  auto node = std::make_shared<ir::Node>();
  node->op = ir::OpKind::Buffer;
  node->dtype = dtype;
  node->device = device;
  node->location = Where::current();
  node->buffer = make();
  remakeAtReplay(node, make);
  return Tensor(std::move(node));
}

}  // namespace fusor::jitrec
