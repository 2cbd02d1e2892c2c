#include "fusor/Jit.h"

#include <algorithm>

#include "Trace.h"
#include "fusor/driver/Program.h"
#include "fusor/driver/Realize.h"

namespace fusor {

CacheStats cache_stats() {
  driver::CacheStats s = driver::cacheStats();
  return {s.hits, s.misses, s.compiles, s.compileMs, s.entries};
}

void clear_cache() { driver::clearCache(); }

namespace detail {

namespace {

std::vector<int64_t> signatureOf(const std::vector<Tensor> &args) {
  std::vector<int64_t> key;
  for (const Tensor &t : args) {
    key.push_back(static_cast<int64_t>(t.dtype()));
    key.push_back(t.node()->device);
    key.push_back(t.dim());
    key.insert(key.end(), t.sizes().begin(), t.sizes().end());
  }
  return key;
}

}  // namespace

// Where each program input and each result comes from.
struct TracedFunction::Trace {
  std::optional<driver::Compiled> program;
  int device = ir::Node::kHost;
  // Per program input: the argument index, or -1 for a constant the function captured.
  std::vector<int> inputArgs;
  std::vector<ir::NodePtr> constants;  // kept alive; parallel to inputArgs where it is -1
  // Per result: a computed output (index into program outputs), else an argument or constant.
  struct Result {
    int output = -1;
    int arg = -1;
    ir::NodePtr constant;
  };
  std::vector<Result> results;
  std::vector<ir::NodePtr> outputShapes;  // dtype and shape of each program output
};

TracedFunction::TracedFunction(Body body) : body_(std::move(body)) {}
TracedFunction::~TracedFunction() = default;

std::vector<Tensor> TracedFunction::operator()(const std::vector<Tensor> &args, const Where &where) {
  for (const Tensor &a : args) trace::check(a, "jit", where);
  std::vector<int64_t> key = signatureOf(args);
  std::shared_ptr<Trace> trace;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto &[k, t] : traces_)
      if (k == key) trace = t;
  }
  if (trace) {
    driver::noteHit();
  } else {
    trace = std::make_shared<Trace>();
    std::vector<ir::NodePtr> holders;
    std::vector<Tensor> params;
    for (const Tensor &a : args) {
      holders.push_back(trace::placeholder(a, where));
      params.push_back(Tensor(holders.back()));
    }
    std::vector<Tensor> outs = body_(params);
    std::vector<ir::Node *> roots;
    for (const Tensor &o : outs) {
      Trace::Result r;
      const ir::NodePtr &n = trace::check(o, "jit", where).node();
      auto held = std::find(holders.begin(), holders.end(), n);
      if (held != holders.end()) {
        r.arg = static_cast<int>(held - holders.begin());
      } else if (n->realized()) {
        r.constant = n;
      } else if (n->numel() == 0) {  // nothing to compute (and no empty memref at the boundary)
        auto empty = std::make_shared<ir::Node>();
        empty->op = ir::OpKind::Buffer;
        empty->dtype = n->dtype;
        empty->shape = n->shape;
        empty->device = n->device;
        empty->buffer = runtime::Buffer::allocate(0, n->device);
        r.constant = empty;
      } else {
        auto seen = std::find(roots.begin(), roots.end(), n.get());
        r.output = static_cast<int>(seen - roots.begin());
        if (seen == roots.end()) {
          roots.push_back(n.get());
          trace->outputShapes.push_back(n);
        }
      }
      trace->results.push_back(r);
    }
    if (!roots.empty()) {
      std::lock_guard<std::mutex> lock(driver::realizeMutex());
      driver::CapturedProgram captured = driver::capture(roots);
      for (ir::Node *in : captured.program.inputs) {
        auto held = std::find_if(holders.begin(), holders.end(), [&](auto &h) { return h.get() == in; });
        if (held != holders.end()) {
          trace->inputArgs.push_back(static_cast<int>(held - holders.begin()));
          trace->constants.push_back(nullptr);
        } else {
          trace->inputArgs.push_back(-1);
          trace->constants.push_back(in->shared_from_this());
        }
      }
      trace->program = driver::lookupOrCompile(captured);
      trace->device = captured.program.device;
    }
    // Output nodes must not keep the traced graph alive: keep just their types.
    for (ir::NodePtr &n : trace->outputShapes) {
      auto copy = std::make_shared<ir::Node>();
      copy->op = n->op;
      copy->dtype = n->dtype;
      copy->shape = n->shape;
      n = copy;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    traces_.push_back({key, trace});
  }

  // Replay: arguments still pending are computed first.
  std::vector<ir::Node *> pending;
  for (const Tensor &a : args)
    if (!a.node()->realized()) pending.push_back(a.node().get());
  driver::realize(pending);
  std::vector<std::shared_ptr<runtime::Buffer>> outputs;
  if (trace->program) {
    std::vector<runtime::Buffer *> inputs;
    for (size_t i = 0; i < trace->inputArgs.size(); ++i)
      inputs.push_back(trace->inputArgs[i] >= 0 ? args[trace->inputArgs[i]].node()->buffer.get()
                                                : trace->constants[i]->buffer.get());
    std::vector<const ir::Node *> shapes;
    for (const ir::NodePtr &n : trace->outputShapes) shapes.push_back(n.get());
    outputs = driver::run(*trace->program, inputs, shapes, trace->device);
  }
  std::vector<Tensor> results;
  for (const Trace::Result &r : trace->results) {
    if (r.arg >= 0) {
      results.push_back(args[r.arg]);
    } else if (r.constant) {
      results.push_back(Tensor(r.constant));
    } else {
      auto node = std::make_shared<ir::Node>();
      node->op = ir::OpKind::Buffer;
      node->dtype = trace->outputShapes[r.output]->dtype;
      node->shape = trace->outputShapes[r.output]->shape;
      node->location = where;
      node->device = trace->device;
      node->buffer = outputs[r.output];
      results.push_back(Tensor(std::move(node)));
    }
  }
  return results;
}

}  // namespace detail
}  // namespace fusor
