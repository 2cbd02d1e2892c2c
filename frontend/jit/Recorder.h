// What a function does while fusor::jit traces it besides computing its results: tensors it
// changes in place (parameters, optimizer state), gradients it sets or reads, host state its
// tracing depended on (guards), and inputs made on the host that a replay must make afresh
// (random numbers, optimizer hyperparameters). Every hook is a no-op outside a trace.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "fusor/Tensor.h"

namespace fusor::jitrec {

// Makes a host input's buffer anew (on the node's device) at each replay.
using Remake = std::function<std::shared_ptr<runtime::Buffer>()>;

struct Recording {
  struct Write {
    std::shared_ptr<TensorImpl> impl;
    ir::NodePtr before;  // its value when the trace first changed it
  };
  struct GradTouch {
    std::shared_ptr<TensorImpl> owner;
    Tensor before;   // owner's grad() when first touched
    ir::NodePtr beforeValue;  // and its value then (in-place accumulation changes it)
    bool readFirst;  // the trace depended on it (else it was first set, ignoring it)
  };
  struct Guard {
    std::string what;  // for FUSOR_LOG=recompiles
    std::function<bool()> holds;
  };
  std::vector<Write> writes;
  std::vector<GradTouch> grads;
  std::vector<Guard> guards;
  std::vector<std::pair<ir::NodePtr, Remake>> remakes;
  std::vector<std::weak_ptr<TensorImpl>> created;
  std::unordered_map<const TensorImpl *, size_t> writeIndex, gradIndex;
  std::unordered_set<const void *> guardKeys;
};

// The recording of the trace running on this thread, or null.
Recording *active();

// Records into `r` while alive.
class Scope {
 public:
  explicit Scope(Recording &r);
  ~Scope();
  Scope(const Scope &) = delete;
  Scope &operator=(const Scope &) = delete;

 private:
  Recording *previous_;
};

void wroteInPlace(const std::shared_ptr<TensorImpl> &impl, const ir::NodePtr &before);
// `reads`: what happens next depends on the current gradient (all but a plain reset).
void touchedGrad(const std::shared_ptr<TensorImpl> &owner, bool reads);
void created(const std::shared_ptr<TensorImpl> &impl);
// `key`, when given, adds the guard once per trace (a module asked in every forward call).
void guard(std::string what, std::function<bool()> holds, const void *key = nullptr);
void remakeAtReplay(const ir::NodePtr &node, Remake remake);

// Values a trace captured as constants (weights of a jitted forward, say): when a tensor's
// value is replaced in place, traces that captured the old value are marked stale and traced
// again at their next call.
void watchConstant(const ir::Node *node, const std::shared_ptr<std::atomic<bool>> &stale);
void valueReplaced(const ir::Node *old);

// A rank-0 tensor holding `value()` (on `like`'s device, of its dtype) as a program input, not a
// literal: a new value needs no new program, and a replay reads it anew (a learning rate).
Tensor hostNumber(std::function<double()> value, const Tensor &like);

}  // namespace fusor::jitrec
