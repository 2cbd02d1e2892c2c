// The backward pass: walks the autograd graph from the outputs in dependency order, calling
// each node's gradient rule (which traces more ops) and summing gradients where paths meet.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "GradGraph.h"
#include "../Pending.h"
#include "../Trace.h"
#include "../jit/Recorder.h"
#include "../Views.h"
#include "fusor/Autograd.h"
#include "fusor/Functions.h"

namespace fusor::autograd {
namespace {

std::string sizesOf(const Tensor &t) { return trace::sizesString(t.sizes()); }

// Gradient added into an accumulated gradient: in place when the graph is not differentiated
// further (the grad() tensor keeps its identity, as in torch), else as a new tensor.
void accumulate(Tensor &into, const Tensor &grad, bool createGraph) {
  if (!into.defined()) {
    into = createGraph ? grad : Tensor(grad.node());  // its own handle: in-place ops stay local
  } else if (createGraph) {
    into = add(into, grad);
  } else {
    Tensor sum = add(into, grad);
    jitrec::valueReplaced(into.impl()->node.get());
    into.impl()->node = sum.node();
    ++into.impl()->version;
    pending::note(into);
  }
}

struct Pass {
  bool keepGraph = false, createGraph = false;
  std::unordered_set<GradNode *> targets;  // autograd::grad: capture here, run no accumulators
  std::unordered_map<GradNode *, Tensor> captured;
  std::unordered_map<GradNode *, int> dependencies;
  std::unordered_map<GradNode *, bool> needed;
  std::unordered_map<GradNode *, Tensor> incoming;
  std::vector<GradNode *> ready;  // dependencies all done

  bool isNeeded(GradNode *n) {
    if (targets.empty()) return true;
    auto it = needed.find(n);
    if (it != needed.end()) return it->second;
    // Iterative post-order (graphs can be deep).
    std::vector<std::pair<GradNode *, size_t>> stack{{n, 0}};
    needed[n] = false;
    while (!stack.empty()) {
      auto &[node, i] = stack.back();
      if (i < node->next.size()) {
        GradNode *child = node->next[i++].get();
        if (child && !needed.count(child)) {
          needed[child] = false;
          stack.push_back({child, 0});
        }
        continue;
      }
      bool any = targets.count(node) > 0;
      for (const Edge &e : node->next) any |= e && needed[e.get()];
      needed[node] = any;
      stack.pop_back();
    }
    return needed[n];
  }

  void countDependencies(const std::vector<Edge> &roots) {
    std::vector<GradNode *> stack;
    std::unordered_set<GradNode *> seen;
    for (const Edge &r : roots)
      if (seen.insert(r.get()).second) stack.push_back(r.get());
    while (!stack.empty()) {
      GradNode *n = stack.back();
      stack.pop_back();
      for (const Edge &e : n->next) {
        if (!e) continue;
        ++dependencies[e.get()];
        if (seen.insert(e.get()).second) stack.push_back(e.get());
      }
    }
  }

  void execute(GradNode *node) {
    Tensor grad = incoming[node];
    incoming.erase(node);
    if (targets.count(node) && grad.defined()) accumulate(captured[node], grad, true);
    std::vector<Tensor> outs;
    if (grad.defined() && isNeeded(node)) {
      for (auto &weak : node->retainers)
        if (auto impl = weak.lock(); impl && impl->autograd && impl->autograd->gradFn.get() == node) {
          jitrec::touchedGrad(impl, true);
          accumulate(impl->autograd->grad, grad, createGraph);
        }
      if (auto *acc = dynamic_cast<AccumulateGrad *>(node)) {
        if (targets.empty())
          if (auto leaf = acc->leaf.lock()) {
            jitrec::touchedGrad(leaf, true);
            accumulate(leaf->autograd->grad, grad, createGraph);
          }
      } else {
        AutoGradMode mode(createGraph);
        outs = node->apply(grad);
        if (!keepGraph) node->release();
      }
    }
    for (size_t i = 0; i < node->next.size(); ++i) {
      GradNode *child = node->next[i].get();
      if (!child) continue;
      if (i < outs.size() && outs[i].defined()) {
        AutoGradMode mode(createGraph);
        Tensor &in = incoming[child];
        in = in.defined() ? add(in, outs[i]) : outs[i];
      }
      if (--dependencies[child] == 0) ready.push_back(child);
    }
  }

  void run(const std::vector<Edge> &roots, const std::vector<Tensor> &grads) {
    countDependencies(roots);
    for (size_t i = 0; i < roots.size(); ++i) {
      Tensor &in = incoming[roots[i].get()];
      AutoGradMode mode(createGraph);
      in = in.defined() ? add(in, grads[i]) : grads[i];
    }
    for (const Edge &r : roots)
      if (dependencies[r.get()] == 0 && std::find(ready.begin(), ready.end(), r.get()) == ready.end())
        ready.push_back(r.get());
    while (!ready.empty()) {
      GradNode *n = ready.back();
      ready.pop_back();
      execute(n);
    }
  }
};

// The roots' edges and gradients, checked as torch checks them.
void prepareRoots(const std::vector<Tensor> &outputs, const std::vector<Tensor> &gradOutputs,
                  std::vector<Edge> &edges, std::vector<Tensor> &grads, std::string_view op,
                  const Where &where) {
  if (!gradOutputs.empty() && gradOutputs.size() != outputs.size())
    trace::fail(op, "got " + std::to_string(gradOutputs.size()) + " gradients for " +
                        std::to_string(outputs.size()) + " outputs",
                {}, where);
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor &out = trace::check(outputs[i], op, where);
    Edge e = edgeOf(out);
    if (!e)
      trace::fail(op, "element " + std::to_string(i) +
                          " of tensors does not require grad and does not have a grad_fn",
                  {&out}, where);
    Tensor g = gradOutputs.empty() ? Tensor() : gradOutputs[i];
    if (!g.defined()) {
      if (out.numel() != 1)
        trace::fail(op, "grad can be implicitly created only for scalar outputs; pass a gradient "
                        "for output " + std::to_string(i) + " of shape " + sizesOf(out),
                    {&out}, where);
      g = ones_like(out, where);
    } else {
      std::vector<int64_t> a(g.sizes().begin(), g.sizes().end()), b(out.sizes().begin(), out.sizes().end());
      if (a != b)
        trace::fail(op, "mismatch in shape: grad_outputs[" + std::to_string(i) + "] has a shape of " +
                            sizesOf(g) + " and outputs[" + std::to_string(i) + "] has a shape of " +
                            sizesOf(out),
                    {&g, &out}, where);
      if (g.dtype() != out.dtype()) g = g.to(out.dtype(), where);
      if (g.device() != out.device()) g = g.to(out.device(), where);
    }
    edges.push_back(e);
    grads.push_back(g);
  }
}

}  // namespace

void backward(const std::vector<Tensor> &tensors, const std::vector<Tensor> &grad_tensors,
              std::optional<bool> retain_graph, bool create_graph, Where where) {
  Pass pass;
  pass.createGraph = create_graph;
  pass.keepGraph = retain_graph.value_or(create_graph);
  std::vector<Edge> edges;
  std::vector<Tensor> grads;
  prepareRoots(tensors, grad_tensors, edges, grads, "backward", where);
  pass.run(edges, grads);
}

std::vector<Tensor> grad(const std::vector<Tensor> &outputs, const std::vector<Tensor> &inputs,
                         const std::vector<Tensor> &grad_outputs, std::optional<bool> retain_graph,
                         bool create_graph, bool allow_unused, Where where) {
  Pass pass;
  pass.createGraph = create_graph;
  pass.keepGraph = retain_graph.value_or(create_graph);
  std::vector<Edge> targets;
  for (const Tensor &in : inputs) {
    Edge e = edgeOf(trace::check(in, "autograd::grad", where));
    if (!e) trace::fail("autograd::grad", "one of the differentiated tensors does not require grad", {&in}, where);
    targets.push_back(e);
    pass.targets.insert(e.get());
  }
  std::vector<Edge> edges;
  std::vector<Tensor> grads;
  prepareRoots(outputs, grad_outputs, edges, grads, "autograd::grad", where);
  pass.run(edges, grads);
  std::vector<Tensor> results;
  for (size_t i = 0; i < inputs.size(); ++i) {
    Tensor g = pass.captured[targets[i].get()];
    if (!g.defined() && !allow_unused)
      trace::fail("autograd::grad", "one of the differentiated tensors (input " + std::to_string(i) +
                                        ") appears to not have been used in the graph; pass "
                                        "allow_unused=true if this is intended",
                  {&inputs[i]}, where);
    results.push_back(g.defined() && !create_graph ? Tensor(g.node()) : g);
  }
  return results;
}

void zeroGrads(const std::vector<Tensor> &params, bool setToNone) {
  for (const Tensor &p : params) {
    if (setToNone) {
      // A reset, not a read: a traced step that starts with it does not depend on the old one.
      jitrec::touchedGrad(p.impl(), false);
      if (p.impl() && p.impl()->autograd) p.impl()->autograd->grad = Tensor();
    } else if (p.grad().defined()) {
      p.grad().zero_();
    }
  }
}

}  // namespace fusor::autograd

namespace fusor {

using autograd::metaOf;

const Tensor &Tensor::requires_grad_(bool on, Where where) const {
  trace::check(*this, "requires_grad_", where);
  if (on && !isFloatingType(dtype()))
    trace::fail("requires_grad_", "only tensors of floating point dtype can require gradients", {this}, where);
  if (!is_leaf()) {
    if (!on)
      trace::fail("requires_grad_", "you can only change requires_grad flags of leaf tensors; use "
                                    "detach() to get a tensor that does not require grad",
                  {this}, where);
    return *this;
  }
  metaOf(*this).requiresGrad = on;
  return *this;
}

bool Tensor::requires_grad() const { return autograd::requiresGrad(*this); }

bool Tensor::is_leaf() const { return !impl_ || !impl_->autograd || !impl_->autograd->gradFn; }

const Tensor &Tensor::grad() const {
  static const Tensor undefined;
  if (jitrec::active()) jitrec::touchedGrad(impl_, true);
  return impl_ && impl_->autograd ? impl_->autograd->grad : undefined;
}

Tensor &Tensor::mutable_grad() const {
  trace::check(*this, "mutable_grad", Where::current());
  jitrec::touchedGrad(impl_, true);
  return metaOf(*this).grad;
}

void Tensor::retain_grad(Where where) const {
  trace::check(*this, "retain_grad", where);
  if (!requires_grad()) trace::fail("retain_grad", "called on a tensor that does not require grad", {this}, where);
  if (is_leaf()) return;  // leaves keep their gradient anyway
  autograd::Meta &m = metaOf(*this);
  if (m.retainsGrad) return;
  m.retainsGrad = true;
  m.gradFn->retainers.push_back(impl_);
}

void Tensor::backward(const Tensor &gradient, std::optional<bool> retain_graph, bool create_graph,
                      Where where) const {
  autograd::backward({*this}, gradient.defined() ? std::vector<Tensor>{gradient} : std::vector<Tensor>{},
                     retain_graph, create_graph, where);
}

Tensor Tensor::detach(Where where) const {
  Tensor out(trace::check(*this, "detach", where).node());
  // Shares the value both ways, as torch's detach shares storage, with no autograd across.
  views::link(out, *this, [](const Tensor &b) { return Tensor(b.node()); },
              [](const Tensor &, const Tensor &v) { return Tensor(v.node()); }, {}, true);
  return out;
}

std::string Tensor::grad_fn_name() const {
  return is_leaf() ? "" : impl_->autograd->gradFn->name;
}

}  // namespace fusor
