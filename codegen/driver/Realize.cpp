#include "fusor/driver/Realize.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <future>
#include <iostream>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "fusor/Error.h"
#include "fusor/driver/Compiler.h"
#include "fusor/driver/Program.h"
#include "DynamicDims.h"
#include "ProgramStore.h"

namespace fusor::driver {
namespace {

constexpr size_t kCacheCapacity = 1024;  // compiled programs kept (least recently used go)
constexpr size_t kMaxHistories = 4 * kCacheCapacity;  // graph structures whose sizes are tracked

struct Entry {
  Compiled compiled;
  std::list<Signature>::iterator lru;
};

// Inputs last compiled for a structure, to say what changed when it compiles again.
using InputsSeen = std::vector<std::pair<DType, std::vector<int64_t>>>;

struct Cache {
  std::mutex mutex;
  std::unordered_map<Signature, Entry, SignatureHash> entries;
  // Programs being compiled (or loaded) now: other threads asking for one wait for it.
  std::unordered_map<Signature, std::shared_future<Compiled>, SignatureHash> inFlight;
  std::list<Signature> lru;  // most recent first
  // Only while FUSOR_LOG asks for recompile reasons.
  std::unordered_map<Signature, InputsSeen, SignatureHash> structures;
  // Per graph structure: the input sizes first seen, and which input dims have taken other
  // values since (then compiled as `?`), with the first few values each took.
  struct History {
    InputsSeen first;
    std::map<std::pair<int, int>, std::vector<int64_t>> dynamic;
  };
  std::unordered_map<Signature, History, SignatureHash> histories;
  // Programs with `?` sizes that failed to compile (a fusor bug): their captures compile for
  // their own sizes instead.
  std::unordered_set<Signature, SignatureHash> failedPlans;
  CacheStats stats;
};

// Thrown to the threads that asked for a program with `?` sizes that failed to compile.
struct DynamicPlanFailed {};

// A program with `?` sizes for a capture: its sizes, signature and why it is dynamic.
struct DynamicPlan {
  SizePattern pattern;
  Signature signature;
  std::string why;
};

Cache &cache() {
  static Cache *c = new Cache();
  return *c;
}

// Read on every miss (misses are rare and slow anyway), so it can be switched at run time.
bool logRecompiles() {
  const char *v = std::getenv("FUSOR_LOG");
  return v && std::strstr(v, "recompiles");
}

InputsSeen inputsOf(const ir::Program &program) {
  InputsSeen seen;
  for (ir::Node *in : program.inputs) seen.push_back({in->dtype, in->shape});
  return seen;
}

// Why `captured` compiles: the inputs that changed since its structure last compiled, or that
// the structure is new.
std::string explain(const CapturedProgram &captured, const InputsSeen *before) {
  size_t ops = captured.program.nodes.size();
  if (!before) return "new graph structure (" + std::to_string(ops) + " ops)";
  std::string why;
  const auto &inputs = captured.program.inputs;
  for (size_t i = 0; i < inputs.size() && i < before->size(); ++i) {
    ir::Node old;
    old.dtype = (*before)[i].first;
    old.shape = (*before)[i].second;
    if (old.dtype == inputs[i]->dtype && old.shape == inputs[i]->shape) continue;
    why += (why.empty() ? "" : "; ") + std::string("input ") + std::to_string(i) + " changed from " +
           ir::describe(old) + " to " + ir::describe(*inputs[i]);
  }
  return why.empty() ? "same inputs, other sizes inside the graph" : why;
}

// A placeholder (a traced function's argument) has no data: reading values through it means
// the traced code depends on data.
[[noreturn]] void throwTracingRead(const ir::Node &placeholder) {
  throwError("fusor: a tensor's values were asked for while fusor::jit traces the function; "
             "traced code cannot depend on data (use fusor::where instead of branching)",
             placeholder.location);
}

// Which input dims of `captured` are dynamic: those that differ from the sizes its structure
// was first seen with (unless marked static, or FUSOR_DYNAMIC_DIMS=0), and those marked
// dynamic. A host program only: the CUDA backend does not lower `?` sizes yet.
std::optional<DynamicPlan> planDynamic(const CapturedProgram &captured) {
  const ir::Program &program = captured.program;
  if (program.device != ir::Node::kHost) return std::nullopt;
  Signature structure = structureOf(captured);
  const char *automaticSetting = std::getenv("FUSOR_DYNAMIC_DIMS");  // read per miss, as FUSOR_LOG
  bool automatic = !(automaticSetting && std::strcmp(automaticSetting, "0") == 0);
  std::vector<std::pair<int, int>> dims;
  std::vector<std::vector<int64_t>> seen;  // the sizes each of `dims` took
  Cache &c = cache();
  // Dims an earlier process saw change are dynamic from the start (read without the lock,
  // which every cache hit takes).
  bool known;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    known = c.histories.count(structure) != 0;
  }
  std::vector<std::pair<int, int>> remembered;
  if (!known && programStoreEnabled() && !dumpRequested()) remembered = loadDynamicDims(structure);
  std::vector<std::pair<int, int>> toRemember;  // all of them, where some are new
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.histories.size() >= kMaxHistories && !c.histories.count(structure)) c.histories.clear();  // start over
    auto [it, isNew] = c.histories.try_emplace(structure);
    Cache::History &h = it->second;
    if (isNew) {
      h.first = inputsOf(program);
      for (std::pair<int, int> dim : remembered) h.dynamic[dim];
    }
    size_t before = h.dynamic.size();
    for (size_t i = 0; i < program.inputs.size() && i < h.first.size(); ++i) {
      const ir::Node &in = *program.inputs[i];
      const std::vector<int64_t> &first = h.first[i].second;
      for (size_t d = 0; d < in.shape.size() && d < 64; ++d) {
        bool marked = in.markedDynamic >> d & 1, pinned = in.markedStatic >> d & 1;
        bool differs = automatic && first.size() == in.shape.size() && first[d] != in.shape[d];
        if (pinned || (!marked && !differs && !h.dynamic.count({int(i), int(d)}))) continue;
        std::vector<int64_t> &values = h.dynamic[{int(i), int(d)}];
        if (values.empty() && differs) values.push_back(first[d]);
        if (values.size() < 4 && std::find(values.begin(), values.end(), in.shape[d]) == values.end())
          values.push_back(in.shape[d]);
      }
    }
    if (h.dynamic.size() != before)
      for (const auto &entry : h.dynamic) toRemember.push_back(entry.first);
    for (const auto &[dim, values] : h.dynamic) {
      if (static_cast<size_t>(dim.first) >= program.inputs.size() ||
          static_cast<size_t>(dim.second) >= program.inputs[dim.first]->shape.size())
        continue;
      const ir::Node &in = *program.inputs[dim.first];
      if ((in.markedStatic >> dim.second & 1) || (!automatic && !(in.markedDynamic >> dim.second & 1))) continue;
      dims.push_back(dim);
      seen.push_back(values);
    }
  }
  // (Two threads adding dims at once may write in either order: the later process then finds
  // the other dim again by itself.)
  if (!toRemember.empty() && programStoreEnabled()) storeDynamicDims(structure, toRemember);
  if (dims.empty()) return std::nullopt;
  const std::vector<std::pair<int, int>> allDims = dims;
  std::string why;
  std::optional<SizePattern> pattern = propagateDynamicSizes(captured, dims, why);
  // Where several dims went dynamic and they cannot all be `?`, perhaps all but one can (the
  // one that stretches here, say).
  for (size_t drop = 0; !pattern && dims.size() > 1 && drop < dims.size(); ++drop) {
    std::vector<std::pair<int, int>> fewer = dims;
    fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(drop));
    std::string ignored;
    if ((pattern = propagateDynamicSizes(captured, fewer, ignored))) {
      if (logRecompiles())
        std::cerr << "fusor: dim " << dims[drop].second << " of input " << dims[drop].first << " kept static: " << why
                  << "\n";
      dims = std::move(fewer);
    }
  }
  if (!pattern) {
    if (logRecompiles()) std::cerr << "fusor: sizes kept static: " << why << "\n";
    return std::nullopt;
  }
  std::string seenText;
  for (size_t i = 0; i < allDims.size(); ++i) {
    if (std::find(dims.begin(), dims.end(), allDims[i]) == dims.end()) continue;
    if (!seenText.empty()) seenText += "; ";
    seenText += "dim " + std::to_string(allDims[i].second) + " of input " + std::to_string(allDims[i].first) +
                " (sizes seen:";
    for (int64_t v : seen[i]) seenText.append(" ").append(std::to_string(v));
    if (seen[i].empty()) seenText += " in an earlier process";
    seenText += ")";
  }
  Signature signature = patternSignature(captured, *pattern);
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.failedPlans.count(signature)) return std::nullopt;
  }
  return DynamicPlan{std::move(*pattern), std::move(signature), "dynamic " + seenText};
}

// The program for a signature not in memory: from the disk cache, or compiled (and stored).
Compiled loadOrCompile(const CapturedProgram &captured, const DynamicPlan *plan) {
  Cache &c = cache();
  const Signature &signature = plan ? plan->signature : captured.signature;
  bool onDisk = captured.program.device == ir::Node::kHost && !cudaCheckRequested() && !dumpRequested() &&
                programStoreEnabled();
  std::optional<Compiled> stored = onDisk ? loadStoredProgram(signature) : std::nullopt;
  std::optional<Signature> structure;
  if (logRecompiles()) {
    structure = structureOf(captured);
    std::lock_guard<std::mutex> lock(c.mutex);
    auto seen = c.structures.find(*structure);
    std::cerr << (stored ? "fusor: loaded from the disk cache: " : "fusor: compiling: ")
              << explain(captured, seen == c.structures.end() ? nullptr : &seen->second)
              << (plan ? "; " + plan->why : std::string()) << "\n";
  }
  double ms = 0;
  Compiled compiled;
  if (stored) {
    compiled = std::move(*stored);
  } else {
    auto start = std::chrono::steady_clock::now();
    std::string object;
    if (plan) {
      ir::Program program = captured.program;
      program.shapes = plan->pattern;
      try {
        compiled = compileProgram(program, &object);
      } catch (const Error &e) {
        // fusor's bug, not the user's: said, and the capture compiles for its sizes instead.
        std::cerr << "fusor: a program with dynamic sizes failed to compile; compiling it for these sizes "
                     "instead:\n"
                  << e.what() << "\n";
        std::lock_guard<std::mutex> lock(c.mutex);
        c.failedPlans.insert(plan->signature);
        throw DynamicPlanFailed{};
      }
    } else {
      compiled = compileProgram(captured.program, &object);
    }
    ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (onDisk) storeProgram(signature, compiled, object);
  }
  std::lock_guard<std::mutex> lock(c.mutex);
  if (onDisk) ++(stored ? c.stats.diskHits : c.stats.diskMisses);
  if (!stored) ++c.stats.compiles;
  c.stats.compileMs += ms;
  if (structure) c.structures[*structure] = inputsOf(captured.program);
  return compiled;
}

// Keeps `compiled` under `signature` (the lock held).
void insert(Cache &c, const Signature &signature, const Compiled &compiled) {
  if (c.entries.count(signature)) return;
  c.lru.push_front(signature);
  c.entries[signature] = {compiled, c.lru.begin()};
  if (c.entries.size() > kCacheCapacity) {
    c.entries.erase(c.lru.back());
    c.lru.pop_back();
  }
}

}  // namespace

Compiled lookupOrCompile(const CapturedProgram &captured) {
  Cache &c = cache();
  {
    std::unique_lock<std::mutex> lock(c.mutex);
    auto it = c.entries.find(captured.signature);
    if (it != c.entries.end()) {
      ++c.stats.hits;
      c.lru.splice(c.lru.begin(), c.lru, it->second.lru);
      return it->second.compiled;
    }
  }
  // Not in memory under its own sizes: a program with `?` sizes may serve it.
  std::optional<DynamicPlan> plan = planDynamic(captured);
  const Signature &signature = plan ? plan->signature : captured.signature;
  std::promise<Compiled> promise;
  {
    std::unique_lock<std::mutex> lock(c.mutex);
    if (auto it = c.entries.find(signature); it != c.entries.end()) {
      ++c.stats.hits;
      Compiled compiled = it->second.compiled;
      insert(c, captured.signature, compiled);  // these sizes hit at once next time
      return compiled;
    }
    if (auto flying = c.inFlight.find(signature); flying != c.inFlight.end()) {
      std::shared_future<Compiled> ready = flying->second;
      ++c.stats.hits;  // compiled once, for the first thread that asked
      lock.unlock();
      try {
        return ready.get();  // or the error that compile threw
      } catch (const DynamicPlanFailed &) {
        return lookupOrCompile(captured);  // without `?` sizes now
      }
    }
    ++c.stats.misses;
    c.inFlight.emplace(signature, promise.get_future().share());
  }
  try {
    Compiled compiled = loadOrCompile(captured, plan ? &*plan : nullptr);
    {
      std::lock_guard<std::mutex> lock(c.mutex);
      c.inFlight.erase(signature);
      insert(c, signature, compiled);
      if (plan) insert(c, captured.signature, compiled);
    }
    promise.set_value(compiled);
    return compiled;
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(c.mutex);
      c.inFlight.erase(signature);
    }
    promise.set_exception(std::current_exception());
    try {
      throw;
    } catch (const DynamicPlanFailed &) {
      return lookupOrCompile(captured);  // without `?` sizes now
    }
  }
}

std::vector<int64_t> dynamicSizes(const Compiled &compiled, const ir::Program &program) {
  std::vector<int64_t> sizes;
  for (auto [arg, dim] : compiled.dynamicDims) {
    size_t a = static_cast<size_t>(arg);
    const ir::Node *n = a < program.inputs.size() ? program.inputs[a] : program.outputs.at(a - program.inputs.size());
    sizes.push_back(n->shape.at(dim));
  }
  return sizes;
}

std::vector<std::shared_ptr<runtime::Buffer>> run(const Compiled &compiled,
                                                  const std::vector<runtime::Buffer *> &inputs,
                                                  const std::vector<const ir::Node *> &outputs,
                                                  int device,
                                                  const std::vector<std::shared_ptr<runtime::Buffer>> &into,
                                                  const std::vector<int64_t> &sizes) {
  if (sizes.size() != compiled.dynamicDims.size())
    throwInternalError("a program with " + std::to_string(compiled.dynamicDims.size()) + " dynamic sizes was given " +
                       std::to_string(sizes.size()));
  std::vector<void *> buffers;
  for (runtime::Buffer *in : inputs) {
    if (in->cudaDevice() != device)
      throwInternalError("a program input is on device " + std::to_string(in->cudaDevice()) +
                         ", the program runs on " + std::to_string(device));
    buffers.push_back(in->data());
  }
  std::vector<std::shared_ptr<runtime::Buffer>> results;
  for (size_t j = 0; j < outputs.size(); ++j) {
    size_t bytes = outputs[j]->numel() * elementSize(outputs[j]->dtype);
    bool given = j < into.size() && into[j];
    results.push_back(given ? into[j] : runtime::Buffer::allocate(bytes, device));
    buffers.push_back(results.back()->data());
  }
  for (auto [in, out] : compiled.donations)  // the program writes these outputs into those inputs
    if (static_cast<size_t>(out) >= results.size() || static_cast<size_t>(in) >= inputs.size() ||
        results[out]->data() != inputs[in]->data())
      throwInternalError("a program computing output " + std::to_string(out) + " in input " + std::to_string(in) +
                         "'s buffer was not given that buffer");
  if (!sizes.empty()) buffers.push_back(const_cast<int64_t *>(sizes.data()));
  compiled.run(buffers.data());
  return results;
}

void noteHit() {
  Cache &c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  ++c.stats.hits;
}

namespace {

// Realizes `pending` (distinct, unrealized, non-empty, all on one device) in one program.
void realizeOnOneDevice(const std::vector<ir::Node *> &pending) {
  CapturedProgram captured = capture(pending);
  std::vector<runtime::Buffer *> inputs;
  for (ir::Node *in : captured.program.inputs) {
    if (!in->buffer) throwTracingRead(*in);
    inputs.push_back(in->buffer.get());
  }
  Compiled compiled = lookupOrCompile(captured);
  std::vector<std::shared_ptr<runtime::Buffer>> outputs =
      run(compiled, inputs, std::vector<const ir::Node *>(pending.begin(), pending.end()),
          captured.program.device, {}, dynamicSizes(compiled, captured.program));
  for (size_t i = 0; i < pending.size(); ++i) {
    ir::Node *n = pending[i];
    n->op = ir::OpKind::Buffer;
    n->buffer = std::move(outputs[i]);
    n->inputs.clear();  // frees the graph behind it
  }
}

}  // namespace

void realize(std::span<ir::Node *const> roots) {
  // Threads realize at once, each its own tensors (which may read shared realized ones).
  std::vector<ir::Node *> pending;
  for (ir::Node *n : roots) {
    if (n->realized() && !n->buffer) throwTracingRead(*n);
    if (n->realized() || std::find(pending.begin(), pending.end(), n) != pending.end()) continue;
    if (n->numel() == 0) {  // nothing to compute; and no zero-sized dims at the boundary
      n->op = ir::OpKind::Buffer;
      n->buffer = runtime::Buffer::allocate(0, n->device);
      n->inputs.clear();
      continue;
    }
    pending.push_back(n);
  }
  // One program per device the roots are on.
  while (!pending.empty()) {
    int device = pending.front()->device;
    auto rest = std::stable_partition(pending.begin(), pending.end(),
                                      [&](ir::Node *n) { return n->device == device; });
    realizeOnOneDevice(std::vector<ir::Node *>(pending.begin(), rest));
    pending.erase(pending.begin(), rest);
  }
}

CacheStats cacheStats() {
  Cache &c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  CacheStats s = c.stats;
  s.entries = c.entries.size();
  return s;
}

void clearCache() {
  Cache &c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.entries.clear();
  c.lru.clear();
  c.structures.clear();
}

}  // namespace fusor::driver
