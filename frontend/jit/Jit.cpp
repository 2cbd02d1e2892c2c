#include "fusor/Jit.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <unordered_map>
#include <unordered_set>

#include "../Pending.h"
#include "../Trace.h"
#include "../autograd/GradGraph.h"
#include "Recorder.h"
#include "fusor/Autograd.h"
#include "fusor/driver/Program.h"
#include "fusor/driver/Realize.h"

namespace fusor {

CacheStats cache_stats() {
  driver::CacheStats s = driver::cacheStats();
  return {s.hits, s.misses, s.diskHits, s.diskMisses, s.compiles, driver::mlirPassesRun(), s.compileMs, s.entries};
}

void clear_cache() { driver::clearCache(); }

namespace {
void mark(const Tensor &t, int64_t dim, bool dynamic, const char *name, const Where &where) {
  ir::Node &node = *trace::check(t, name, where).node();
  int64_t rank = static_cast<int64_t>(node.shape.size());
  if (dim < -rank || dim >= rank || rank == 0)
    trace::fail(name, "dim " + std::to_string(dim) + " is out of range for a tensor of rank " + std::to_string(rank),
                {&t}, where);
  if (dim < 0) dim += rank;
  if (dim >= 64) trace::fail(name, "only the first 64 dims can be marked", {&t}, where);
  uint64_t bit = uint64_t(1) << dim;
  (dynamic ? node.markedDynamic : node.markedStatic) |= bit;
  (dynamic ? node.markedStatic : node.markedDynamic) &= ~bit;
}
}  // namespace

void mark_dynamic(const Tensor &t, int64_t dim, Where where) { mark(t, dim, true, "mark_dynamic", where); }
void mark_static(const Tensor &t, int64_t dim, Where where) { mark(t, dim, false, "mark_static", where); }

namespace detail {

namespace {

std::vector<int64_t> signatureOf(const std::vector<Tensor> &args) {
  std::vector<int64_t> key{GradMode::is_enabled()};
  for (const Tensor &t : args) {
    key.push_back(static_cast<int64_t>(t.dtype()));
    key.push_back(t.node()->device);
    key.push_back(t.dim());
    key.insert(key.end(), t.sizes().begin(), t.sizes().end());
  }
  return key;
}

bool logRecompiles() {
  const char *v = std::getenv("FUSOR_LOG");
  return v && std::strstr(v, "recompiles");
}

// Whether a node's value depends on a placeholder (an argument of the function being traced).
class PlaceholderReach {
 public:
  bool operator()(ir::Node *root) {
    std::vector<std::pair<ir::Node *, size_t>> stack{{root, 0}};
    while (!stack.empty()) {
      ir::Node *n = stack.back().first;
      if (memo_.count(n)) {
        stack.pop_back();
        continue;
      }
      size_t next = stack.back().second++;
      if (next < n->inputs.size()) {
        if (!memo_.count(n->inputs[next].get())) stack.push_back({n->inputs[next].get(), 0});
        continue;
      }
      bool reaches = n->op == ir::OpKind::Buffer && !n->buffer;
      for (const ir::NodePtr &in : n->inputs) reaches = reaches || memo_.at(in.get());
      memo_[n] = reaches;
      stack.pop_back();
    }
    return memo_.at(root);
  }

 private:
  std::unordered_map<ir::Node *, bool> memo_;
};

// Puts back what a trace changed: its values are placeholders' functions, not values.
void undo(const jitrec::Recording &rec) {
  // Versions move on (never back), so views of these tensors take their restored values.
  for (const auto &w : rec.writes) {
    w.impl->node = w.before;
    ++w.impl->version;
  }
  for (const auto &g : rec.grads) {
    if (g.owner->autograd) g.owner->autograd->grad = g.before;
    if (g.before.defined()) {
      g.before.impl()->node = g.beforeValue;
      ++g.before.impl()->version;
    }
  }
}

}  // namespace

// Where a value comes from when a trace is replayed.
struct Source {
  enum Kind { Arg, Constant, Output, Fresh, State, Grad } kind = Constant;
  int index = -1;                     // Arg, Output, Fresh
  ir::NodePtr node;                   // Constant; Output and Fresh: its dtype and shape
  std::shared_ptr<TensorImpl> impl;   // State: the tensor; Grad: the gradient's owner
};

// One traced call: the compiled program and how to wire it to the tensors of a later call.
struct TracedFunction::Trace {
  std::optional<driver::Compiled> program;
  std::vector<int64_t> sizes;  // the values of its `?` sizes, for these argument shapes
  int device = ir::Node::kHost;
  std::vector<Source> inputs;   // per program input
  std::vector<Source> results;  // per result of the function
  // Tensors the function changes in place: each takes its new value.
  std::vector<std::pair<std::shared_ptr<TensorImpl>, Source>> states;
  // Arguments the function changes in place (as eager calls would change the caller's tensors).
  std::vector<std::pair<int, Source>> argUpdates;
  // Gradients the function sets: in place (the same tensor), anew, or to undefined.
  struct GradUpdate {
    std::shared_ptr<TensorImpl> owner;
    bool sameTensor = false;
    bool cleared = false;
    Source value;
  };
  std::vector<GradUpdate> grads;
  std::vector<jitrec::Remake> remakes;  // per Fresh input
  // The traced call's own fresh values (random numbers already drawn), used by its first run.
  std::vector<std::shared_ptr<runtime::Buffer>> tracedFresh;
  std::vector<ir::NodePtr> outputShapes;  // dtype and shape of each program output
  std::vector<jitrec::Recording::Guard> guards;
  // Set when a tensor whose value the trace captured as a constant changed in place.
  std::shared_ptr<std::atomic<bool>> stale = std::make_shared<std::atomic<bool>>(false);

  // The first guard that no longer holds, or empty.
  std::string failedGuard() const {
    for (const auto &g : guards)
      if (!g.holds()) return g.what;
    return {};
  }
};

TracedFunction::TracedFunction(Body body) : body_(std::move(body)) {}
TracedFunction::~TracedFunction() = default;

std::vector<Tensor> TracedFunction::operator()(const std::vector<Tensor> &args, const Where &where) {
  std::vector<ir::Node *> argNodes;
  for (const Tensor &a : args) argNodes.push_back(trace::check(a, "jit", where).node().get());
  // Arguments and tensors changed eagerly (pending) get their values first.
  pending::realize(argNodes);
  std::vector<int64_t> key = signatureOf(args);
  std::shared_ptr<Trace> trace;
  std::string why = "no trace yet";
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // A trace whose captured values changed is of no further use.
    std::erase_if(traces_, [&](const auto &entry) {
      if (!entry.second->stale->load()) return false;
      if (entry.first == key) why = "a tensor it captured changed in place";
      return true;
    });
    for (auto &[k, t] : traces_) {
      if (k != key) {
        why = "other argument shapes, dtypes or grad mode";
        continue;
      }
      std::string failed = t->failedGuard();
      if (failed.empty()) {
        trace = t;
        break;
      }
      why = failed + " changed";
    }
  }
  if (trace) {
    driver::noteHit();
    return replay(*trace, args, where);
  }
  if (logRecompiles()) std::cerr << "fusor::jit: tracing the function: " << why << "\n";
  std::vector<Tensor> ranOnce;
  trace = record(args, where, ranOnce);
  if (!trace) return ranOnce;
  std::vector<Tensor> results = replay(*trace, args, where);
  std::lock_guard<std::mutex> lock(mutex_);
  traces_.push_back({key, trace});
  return results;
}

std::shared_ptr<TracedFunction::Trace> TracedFunction::record(const std::vector<Tensor> &args,
                                                              const Where &where,
                                                              std::vector<Tensor> &ranOnce) {
  std::vector<ir::NodePtr> holders;
  std::vector<Tensor> params;
  for (const Tensor &a : args) {
    holders.push_back(trace::placeholder(a, where));
    params.push_back(Tensor(holders.back()));
  }
  jitrec::Recording rec;
  std::vector<Tensor> outs;
  try {
    jitrec::Scope scope(rec);
    outs = body_(params);
    for (const Tensor &o : outs) trace::check(o, "jit", where);
  } catch (...) {
    undo(rec);
    throw;
  }

  PlaceholderReach reaches;
  std::unordered_set<const TensorImpl *> created, gradTensors;
  for (const auto &weak : rec.created)
    if (auto impl = weak.lock()) created.insert(impl.get());
  for (const auto &g : rec.grads) {
    if (g.before.defined()) gradTensors.insert(g.before.impl().get());
    if (g.owner->autograd && g.owner->autograd->grad.defined())
      gradTensors.insert(g.owner->autograd->grad.impl().get());
  }
  // Tensors whose values the function read and then replaced: its state.
  std::vector<const jitrec::Recording::Write *> stateWrites;
  std::vector<const jitrec::Recording::GradTouch *> gradTouches;
  std::vector<ir::Node *> beforeToCompute;
  for (const auto &w : rec.writes) {
    // Unchanged, a gradient (below), a temporary only the recording holds, or a value of this trace.
    if (w.impl->node == w.before || gradTensors.count(w.impl.get()) || w.impl.use_count() == 1 ||
        reaches(w.before.get()))
      continue;
    stateWrites.push_back(&w);
    if (!w.before->realized()) beforeToCompute.push_back(w.before.get());
  }
  for (const auto &g : rec.grads) {
    if (created.count(g.owner.get())) continue;  // a non-leaf of this trace retaining its grad
    gradTouches.push_back(&g);
    if (g.readFirst && g.before.defined() && !g.beforeValue->realized())
      beforeToCompute.push_back(g.beforeValue.get());
  }

  auto trace = std::make_shared<Trace>();
  trace->guards = rec.guards;
  std::vector<ir::Node *> roots;  // program outputs
  std::vector<ir::NodePtr> rootShapes;
  try {
    // Values from before the call that were still lazy become inputs.
    driver::realize(beforeToCompute);

    std::unordered_map<const ir::Node *, Source> known;  // placeholders, fresh inputs, prior values
    for (size_t i = 0; i < holders.size(); ++i) known[holders[i].get()] = {Source::Arg, static_cast<int>(i)};
    for (const auto &[node, remake] : rec.remakes) {
      known[node.get()] = {Source::Fresh, static_cast<int>(trace->remakes.size()), node};
      trace->remakes.push_back(remake);
      trace->tracedFresh.push_back(node->buffer);
    }
    for (const auto *w : stateWrites) known.insert({w->before.get(), {Source::State, -1, nullptr, w->impl}});
    for (const auto *g : gradTouches)
      if (g->readFirst && g->before.defined())
        known.insert({g->beforeValue.get(), {Source::Grad, -1, nullptr, g->owner}});

    auto sourceOf = [&](const ir::NodePtr &n) -> Source {
      if (auto it = known.find(n.get()); it != known.end()) return it->second;
      if (n->realized()) {
        if (!n->buffer) throwError("fusor::jit: a result comes from another trace's argument", where);
        return {Source::Constant, -1, n};
      }
      if (n->numel() == 0) {  // nothing to compute (and no empty memref at the boundary)
        auto empty = std::make_shared<ir::Node>();
        empty->op = ir::OpKind::Buffer;
        empty->dtype = n->dtype;
        empty->shape = n->shape;
        empty->device = n->device;
        empty->buffer = runtime::Buffer::allocate(0, n->device);
        return {Source::Constant, -1, empty};
      }
      auto index = static_cast<int>(std::find(roots.begin(), roots.end(), n.get()) - roots.begin());
      if (index == static_cast<int>(roots.size())) {
        roots.push_back(n.get());
        rootShapes.push_back(n);
      }
      return {Source::Output, index, n};
    };

    std::unordered_set<ir::Node *> kept;
    for (const Tensor &o : outs) {
      trace->results.push_back(sourceOf(o.node()));
      kept.insert(o.node().get());
    }
    for (const auto *w : stateWrites) {
      trace->states.push_back({w->impl, sourceOf(w->impl->node)});
      kept.insert(w->impl->node.get());
    }
    for (size_t i = 0; i < params.size(); ++i) {
      const ir::NodePtr &now = params[i].node();
      if (now == holders[i]) continue;
      trace->argUpdates.push_back({static_cast<int>(i), sourceOf(now)});
      kept.insert(now.get());
    }
    for (const auto *g : gradTouches) {
      const Tensor &now = g->owner->autograd ? g->owner->autograd->grad : Tensor();
      bool defined = g->before.defined();
      if (g->readFirst)
        trace->guards.push_back({"whether a gradient is defined", [owner = g->owner, defined] {
                                   return (owner->autograd && owner->autograd->grad.defined()) == defined;
                                 }});
      if (now.impl() == g->before.impl() && (!now.defined() || now.node() == g->beforeValue)) continue;
      Trace::GradUpdate u{g->owner, now.defined() && now.impl() == g->before.impl(), !now.defined(), {}};
      if (now.defined()) {
        u.value = sourceOf(now.node());
        kept.insert(now.node().get());
      }
      trace->grads.push_back(std::move(u));
    }

    // A tensor computed from the arguments that outlives the call but is neither a result nor
    // changed state (a buffer made on the first call, say): replaying would leave it stale.
    // This call then runs as traced, and the next call traces again.
    for (const auto &weak : rec.created) {
      auto impl = weak.lock();
      if (!impl || impl->node->realized() || kept.count(impl->node.get()) || !reaches(impl->node.get())) continue;
      if (logRecompiles())
        std::cerr << "fusor::jit: not cached: the function keeps a tensor computed from its arguments "
                     "that it neither returns nor changes in place (made at "
                  << impl->node->location.file_name() << ":" << impl->node->location.line() << ")\n";
      for (size_t i = 0; i < holders.size(); ++i) holders[i]->buffer = args[i].node()->buffer;
      std::unordered_set<ir::Node *> all(kept.begin(), kept.end());
      for (const auto &w : rec.created)
        if (auto alive = w.lock()) all.insert(alive->node.get());
      std::vector<ir::Node *> todo;
      for (ir::Node *n : all)
        if (!n->realized()) todo.push_back(n);
      pending::realize(todo);
      ranOnce = outs;
      return nullptr;
    }

    if (!roots.empty()) {
      for (ir::Node *r : roots)
        if (r->device != roots.front()->device)
          throwError("fusor::jit: the function computes results on more than one device; jit "
                     "one function per device",
                     where);
      driver::CapturedProgram captured = driver::capture(roots);
      for (ir::Node *in : captured.program.inputs) trace->inputs.push_back(sourceOf(in->shared_from_this()));
      // Parameters and optimizer state are updated in their own buffers where the program
      // allows it (no new buffers per step).
      // Not those whose old value the call also hands out (a result that is the value before).
      std::unordered_set<const TensorImpl *> oldValueKept;
      auto keeps = [&](const Source &v) {
        if (v.kind == Source::State) oldValueKept.insert(v.impl.get());
      };
      for (const Source &v : trace->results) keeps(v);
      for (const auto &[impl, v] : trace->states) keeps(v);
      for (const auto &[arg, v] : trace->argUpdates) keeps(v);
      for (const auto &g : trace->grads) keeps(g.value);
      std::vector<std::pair<int, int>> inPlace;
      for (size_t i = 0; i < trace->inputs.size(); ++i)
        for (const auto &[impl, value] : trace->states)
          if (trace->inputs[i].kind == Source::State && trace->inputs[i].impl == impl &&
              value.kind == Source::Output && !oldValueKept.count(impl.get()))
            inPlace.push_back({static_cast<int>(i), value.index});
      driver::requestDonations(captured, std::move(inPlace));
      trace->program = driver::lookupOrCompile(captured);
      trace->sizes = driver::dynamicSizes(*trace->program, captured.program);
      trace->device = captured.program.device;
    }
  } catch (...) {
    undo(rec);
    throw;
  }
  undo(rec);
  for (const std::vector<Source> *sources : {&trace->inputs, &trace->results})
    for (const Source &s : *sources)
      if (s.kind == Source::Constant) jitrec::watchConstant(s.node.get(), trace->stale);
  // Sources must not keep the traced graph alive: keep just dtypes and shapes.
  auto shapeOf = [](const ir::NodePtr &n) {
    auto copy = std::make_shared<ir::Node>();
    copy->op = ir::OpKind::Buffer;
    copy->dtype = n->dtype;
    copy->shape = n->shape;
    return copy;
  };
  auto shapeOnly = [&](Source &s) {
    if (s.kind == Source::Output || s.kind == Source::Fresh) s.node = shapeOf(s.node);
  };
  for (const ir::NodePtr &n : rootShapes) trace->outputShapes.push_back(shapeOf(n));
  for (Source &s : trace->inputs) shapeOnly(s);
  for (Source &s : trace->results) shapeOnly(s);
  for (auto &[impl, s] : trace->states) shapeOnly(s);
  for (auto &[arg, s] : trace->argUpdates) shapeOnly(s);
  for (auto &g : trace->grads) shapeOnly(g.value);
  return trace;
}

namespace {

// The buffers the program computes state in place in (its donations): each state tensor's
// own, when nothing else holds its old value; else a copy, so the old value stays intact.
std::vector<std::shared_ptr<runtime::Buffer>> donated(const TracedFunction::Trace &trace,
                                                      std::vector<runtime::Buffer *> &inputs) {
  std::vector<std::shared_ptr<runtime::Buffer>> into;
  for (auto [in, out] : trace.program->donations) {
    const ir::NodePtr &old = trace.inputs[in].impl->node;
    bool sole = old.use_count() == 1 && old->buffer.use_count() == 1;
    std::shared_ptr<runtime::Buffer> buffer = old->buffer;
    if (!sole) {
      buffer = runtime::Buffer::allocate(old->buffer->bytes(), old->buffer->cudaDevice());
      runtime::Buffer::copy(*old->buffer, *buffer);
    }
    inputs[in] = buffer.get();
    if (into.size() <= static_cast<size_t>(out)) into.resize(out + 1);
    into[out] = std::move(buffer);
  }
  return into;
}

}  // namespace

std::vector<Tensor> TracedFunction::replay(Trace &trace, const std::vector<Tensor> &args,
                                           const Where &where) {
  auto current = [](const Source &s) -> const ir::NodePtr & {
    return s.kind == Source::State ? s.impl->node : s.impl->autograd->grad.node();
  };
  // State changed eagerly since the last call (a gradient, say) is computed first.
  std::vector<ir::Node *> lazy;
  for (const Source &s : trace.inputs)
    if ((s.kind == Source::State || s.kind == Source::Grad) && !current(s)->realized())
      lazy.push_back(current(s).get());
  pending::realize(lazy);

  std::vector<std::shared_ptr<runtime::Buffer>> fresh;
  if (!trace.tracedFresh.empty()) std::swap(fresh, trace.tracedFresh);
  else
    for (const jitrec::Remake &remake : trace.remakes) fresh.push_back(remake());
  std::vector<std::shared_ptr<runtime::Buffer>> outputs;
  if (trace.program) {
    std::vector<runtime::Buffer *> inputs;
    for (const Source &s : trace.inputs) {
      switch (s.kind) {
        case Source::Arg: inputs.push_back(args[s.index].node()->buffer.get()); break;
        case Source::Fresh: inputs.push_back(fresh[s.index].get()); break;
        case Source::Constant: inputs.push_back(s.node->buffer.get()); break;
        default: inputs.push_back(current(s)->buffer.get()); break;
      }
    }
    std::vector<const ir::Node *> shapes;
    for (const ir::NodePtr &n : trace.outputShapes) shapes.push_back(n.get());
    std::vector<std::shared_ptr<runtime::Buffer>> into = donated(trace, inputs);
    outputs = driver::run(*trace.program, inputs, shapes, trace.device, into, trace.sizes);
  }
  // Every new value is found before any tensor takes one (a state may read another's old value).
  auto valueOf = [&](const Source &s) -> ir::NodePtr {
    switch (s.kind) {
      case Source::Arg: return args[s.index].node();
      case Source::Constant: return s.node;
      case Source::State:
      case Source::Grad: return current(s);
      default: break;
    }
    auto node = std::make_shared<ir::Node>();
    node->op = ir::OpKind::Buffer;
    node->dtype = s.node->dtype;
    node->shape = s.node->shape;
    node->location = where;
    node->device = s.kind == Source::Fresh ? fresh[s.index]->cudaDevice() : trace.device;
    node->buffer = s.kind == Source::Fresh ? fresh[s.index] : outputs[s.index];
    return node;
  };
  std::vector<Tensor> results;
  for (size_t i = 0; i < trace.results.size(); ++i) {
    const Source &s = trace.results[i];
    results.push_back(s.kind == Source::Arg ? args[s.index] : Tensor(valueOf(s)));
  }
  std::vector<ir::NodePtr> states, grads, argValues;
  for (const auto &[impl, s] : trace.states) states.push_back(valueOf(s));
  for (const auto &[arg, s] : trace.argUpdates) argValues.push_back(valueOf(s));
  for (const auto &g : trace.grads) grads.push_back(g.cleared ? nullptr : valueOf(g.value));
  for (size_t i = 0; i < states.size(); ++i) {
    TensorImpl &impl = *trace.states[i].first;
    jitrec::valueReplaced(impl.node.get());
    impl.node = states[i];
    ++impl.version;
  }
  for (size_t i = 0; i < argValues.size(); ++i) {
    TensorImpl &impl = *args[trace.argUpdates[i].first].impl();
    jitrec::valueReplaced(impl.node.get());
    impl.node = argValues[i];
    ++impl.version;
  }
  for (size_t i = 0; i < grads.size(); ++i) {
    const Trace::GradUpdate &g = trace.grads[i];
    if (!g.owner->autograd) g.owner->autograd = std::make_unique<autograd::Meta>();
    Tensor &grad = g.owner->autograd->grad;
    if (g.cleared) {
      grad = Tensor();
    } else if (g.sameTensor && grad.defined()) {
      jitrec::valueReplaced(grad.impl()->node.get());
      grad.impl()->node = grads[i];
      ++grad.impl()->version;
    } else {
      grad = Tensor(grads[i]);
    }
  }
  return results;
}

}  // namespace detail
}  // namespace fusor
