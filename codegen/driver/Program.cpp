#include "fusor/driver/Program.h"

#include "DynamicDims.h"
#include "fusor/ir/ShapeRules.h"

#include <atomic>
#include <bit>
#include <type_traits>
#include <variant>

namespace fusor::driver {
namespace {

void appendList(std::vector<int64_t> &w, const std::vector<int64_t> &list) {
  w.push_back(static_cast<int64_t>(list.size()));
  w.insert(w.end(), list.begin(), list.end());
}

size_t hashWords(const std::vector<int64_t> &words) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a over 64-bit words, then mixed
  for (int64_t w : words) {
    h ^= static_cast<uint64_t>(w);
    h *= 1099511628211ull;
    h ^= h >> 29;
  }
  return static_cast<size_t>(h);
}

// The node's attributes, after their kind. Without sizes (the structure): slice and pad bounds
// follow the input sizes, and literal values are compiled in, so they are left out (reshape
// and broadcast targets are the node's own shape, which the structure leaves out too).
void appendAttributes(std::vector<int64_t> &w, const ir::Node &n, const ir::Attrs &attrs, bool withSizes) {
  w.push_back(static_cast<int64_t>(attrs.index()));
  auto literal = [&](const ir::LiteralAttrs &l) {
    if (withSizes) w.push_back(std::bit_cast<int64_t>(l.real)), w.push_back(l.integer);
  };
  auto sizes = [&](const std::vector<int64_t> &v) {
    if (withSizes) appendList(w, v);
  };
  std::visit(
      [&]<typename A>(const A &a) {
        if constexpr (std::is_same_v<A, ir::LiteralAttrs>) {
          literal(a);
        } else if constexpr (std::is_same_v<A, ir::GeluAttrs>) {
          w.push_back(a.tanh);
        } else if constexpr (std::is_same_v<A, ir::ReduceAttrs>) {
          appendList(w, a.dims), w.push_back(a.keepdim);
        } else if constexpr (std::is_same_v<A, ir::ArgmaxAttrs>) {
          w.push_back(a.dim), w.push_back(a.keepdim);
        } else if constexpr (std::is_same_v<A, ir::TransposeAttrs>) {
          appendList(w, a.perm);
        } else if constexpr (std::is_same_v<A, ir::SliceAttrs>) {
          sizes(a.starts), sizes(a.stops), sizes(a.steps);
        } else if constexpr (std::is_same_v<A, ir::PadAttrs>) {
          sizes(a.low), sizes(a.high), literal(a.value);
        } else if constexpr (std::is_same_v<A, ir::DimAttrs>) {
          w.push_back(a.dim);
        } else if constexpr (std::is_same_v<A, ir::Conv2dAttrs>) {
          appendList(w, a.strides), appendList(w, a.pads), appendList(w, a.dilations), w.push_back(a.groups);
        } else if constexpr (std::is_same_v<A, ir::Pool2dAttrs>) {
          appendList(w, a.kernel), appendList(w, a.strides), appendList(w, a.pads), appendList(w, a.dilations);
          w.push_back(a.ceilMode), w.push_back(a.countIncludePad);
        } else {
          static_assert(std::is_same_v<A, ir::NoAttrs>, "an attribute kind the signature leaves out");
        }
      },
      attrs);
}

// `sizes`: the node's shape, or null for the structure (no sizes, no dtypes).
// `inputSizes`: with `?` sizes, the first input's (a slice of a `?` dim takes all of it, so its
// stop there is "to the end", whatever the size).
void appendNode(std::vector<int64_t> &w, const CapturedProgram &captured, const ir::Node &n,
                const std::vector<int64_t> *sizes, const std::vector<int64_t> *inputSizes = nullptr) {
  w.push_back(static_cast<int64_t>(n.op));
  w.push_back(static_cast<int64_t>(n.inputs.size()));
  for (const ir::NodePtr &in : n.inputs) w.push_back(captured.idOf(in.get()));
  if (n.op == ir::OpKind::Slice && inputSizes) {
    ir::SliceAttrs slice = std::get<ir::SliceAttrs>(n.attrs);
    slice.stops = shape::stopsToEndOfDynamicDims(std::move(slice.stops), *inputSizes);
    appendAttributes(w, n, ir::Attrs(slice), sizes != nullptr);
  } else {
    appendAttributes(w, n, n.attrs, sizes != nullptr);
  }
  if (sizes) {
    w.push_back(static_cast<int64_t>(n.dtype));
    appendList(w, *sizes);
  }
}

// Starts the words of a program with `?` sizes; a capture's start with a device (>= -1).
constexpr int64_t kPatternMark = -1000003;

// The words of a program: device, inputs, nodes, outputs, each with `sizeOf` its shape
// (`pattern`: sizes with `?`, rather than a capture's own).
template <typename SizeOf>
void appendProgram(std::vector<int64_t> &w, const CapturedProgram &captured, SizeOf sizeOf, bool pattern) {
  const ir::Program &program = captured.program;
  w.reserve(8 * (program.inputs.size() + program.nodes.size()) + program.outputs.size() + 1);
  w.push_back(program.device);
  for (ir::Node *in : program.inputs) {
    w.push_back(static_cast<int64_t>(in->dtype));
    appendList(w, sizeOf(in));
  }
  for (ir::Node *n : program.nodes)
    appendNode(w, captured, *n, &sizeOf(n), pattern && !n->inputs.empty() ? &sizeOf(n->inputs[0].get()) : nullptr);
  for (ir::Node *root : program.outputs) w.push_back(captured.idOf(root));
}

void appendDonations(std::vector<int64_t> &w, const std::vector<std::pair<int, int>> &pairs) {
  w.push_back(-static_cast<int64_t>(pairs.size()) - 1);  // after every program's own words
  for (auto [in, out] : pairs) {
    w.push_back(in);
    w.push_back(out);
  }
}

}  // namespace

int64_t CapturedProgram::idOf(const ir::Node *n) const {
  if (!n->realized()) return n->walkId;
  auto it = realizedIds.find(n);
  return it == realizedIds.end() ? -1 : it->second;
}

CapturedProgram capture(std::span<ir::Node *const> roots) {
  static std::atomic<uint64_t> epochs{0};
  uint64_t epoch = epochs.fetch_add(1, std::memory_order_relaxed) + 1;  // unique across threads
  CapturedProgram out;
  // Realized nodes may be shared with other threads' graphs (weights): they are never
  // stamped, a map of this walk's own marks them.
  auto visit = [&](ir::Node *n) {  // false if visited before
    if (n->realized()) return out.realizedIds.try_emplace(n, -1).second;
    if (n->walkEpoch == epoch) return false;
    n->walkEpoch = epoch;
    return true;
  };
  // Iterative post-order DFS: graphs can be deeper than the stack.
  std::vector<std::pair<ir::Node *, size_t>> stack;
  std::vector<ir::Node *> &order = out.program.nodes;
  for (ir::Node *root : roots) {
    if (!visit(root)) continue;
    stack.push_back({root, 0});
    while (!stack.empty()) {
      auto &[node, next] = stack.back();
      if (node->realized()) {
        // Empty tensors carry no data: they become constants, since a function argument
        // with a zero-sized dim breaks the bare-pointer calling convention.
        if (node->numel() == 0)
          order.push_back(node);
        else
          out.program.inputs.push_back(node);
        stack.pop_back();
        continue;
      }
      if (next < node->inputs.size()) {
        ir::Node *in = node->inputs[next++].get();
        if (visit(in)) stack.push_back({in, 0});
        continue;
      }
      order.push_back(node);
      stack.pop_back();
    }
  }
  int64_t id = 0;
  for (ir::Node *in : out.program.inputs) out.realizedIds[in] = id++;
  for (ir::Node *n : order) (n->realized() ? out.realizedIds[n] : n->walkId) = id++;
  out.program.outputs.assign(roots.begin(), roots.end());
  out.program.device = roots.empty() ? ir::Node::kHost : roots[0]->device;

  appendProgram(out.signature.words, out, [](const ir::Node *n) -> const std::vector<int64_t> & { return n->shape; },
                /*pattern=*/false);
  out.signature.hash = hashWords(out.signature.words);
  return out;
}

Signature patternSignature(const CapturedProgram &captured, const SizePattern &pattern) {
  Signature s;
  s.words.push_back(kPatternMark);
  appendProgram(s.words, captured,
                [&](const ir::Node *n) -> const std::vector<int64_t> & { return pattern[captured.idOf(n)]; },
                /*pattern=*/true);
  if (!captured.program.donate.empty()) appendDonations(s.words, captured.program.donate);
  s.hash = hashWords(s.words);
  return s;
}

void requestDonations(CapturedProgram &captured, std::vector<std::pair<int, int>> pairs) {
  appendDonations(captured.signature.words, pairs);
  captured.signature.hash = hashWords(captured.signature.words);
  captured.program.donate = std::move(pairs);
}

Signature structureOf(const CapturedProgram &captured) {
  const ir::Program &program = captured.program;
  Signature s;
  s.words.push_back(static_cast<int64_t>(program.inputs.size()));
  for (ir::Node *n : program.nodes) appendNode(s.words, captured, *n, nullptr);
  for (ir::Node *root : program.outputs) s.words.push_back(captured.idOf(root));
  s.hash = hashWords(s.words);
  return s;
}

}  // namespace fusor::driver
