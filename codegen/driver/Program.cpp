#include "fusor/driver/Program.h"

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
void appendAttributes(std::vector<int64_t> &w, const ir::Node &n, bool withSizes) {
  w.push_back(static_cast<int64_t>(n.attrs.index()));
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
      n.attrs);
}

// Ids in program order: inputs first, then computed nodes (valid during one walk).
int64_t idOf(const ir::Node *n) { return n->walkId; }

void appendNode(std::vector<int64_t> &w, const ir::Node &n, bool withSizes) {
  w.push_back(static_cast<int64_t>(n.op));
  w.push_back(static_cast<int64_t>(n.inputs.size()));
  for (const ir::NodePtr &in : n.inputs) w.push_back(idOf(in.get()));
  appendAttributes(w, n, withSizes);
  if (withSizes) {
    w.push_back(static_cast<int64_t>(n.dtype));
    appendList(w, n.shape);
  }
}

}  // namespace

CapturedProgram capture(std::span<ir::Node *const> roots) {
  static uint64_t epoch = 0;
  ++epoch;
  CapturedProgram out;
  auto visited = [](const ir::Node *n) { return n->walkEpoch == epoch; };
  // Iterative post-order DFS: graphs can be deeper than the stack.
  std::vector<std::pair<ir::Node *, size_t>> stack;
  std::vector<ir::Node *> &order = out.program.nodes;
  for (ir::Node *root : roots) {
    if (visited(root)) continue;
    root->walkEpoch = epoch;
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
        if (!visited(in)) {
          in->walkEpoch = epoch;
          stack.push_back({in, 0});
        }
        continue;
      }
      order.push_back(node);
      stack.pop_back();
    }
  }
  int64_t id = 0;
  for (ir::Node *in : out.program.inputs) in->walkId = id++;
  for (ir::Node *n : order) n->walkId = id++;
  out.program.outputs.assign(roots.begin(), roots.end());
  out.program.device = roots.empty() ? ir::Node::kHost : roots[0]->device;

  std::vector<int64_t> &w = out.signature.words;
  w.reserve(8 * (out.program.inputs.size() + order.size()) + roots.size() + 1);
  w.push_back(out.program.device);
  for (ir::Node *in : out.program.inputs) {
    w.push_back(static_cast<int64_t>(in->dtype));
    appendList(w, in->shape);
  }
  for (ir::Node *n : order) appendNode(w, *n, /*withSizes=*/true);
  for (ir::Node *root : roots) w.push_back(idOf(root));
  out.signature.hash = hashWords(w);
  return out;
}

void requestDonations(CapturedProgram &captured, std::vector<std::pair<int, int>> pairs) {
  std::vector<int64_t> &w = captured.signature.words;
  w.push_back(-static_cast<int64_t>(pairs.size()) - 1);  // after every program's own words
  for (auto [in, out] : pairs) {
    w.push_back(in);
    w.push_back(out);
  }
  captured.signature.hash = hashWords(w);
  captured.program.donate = std::move(pairs);
}

Signature structureOf(const ir::Program &program) {
  Signature s;
  s.words.push_back(static_cast<int64_t>(program.inputs.size()));
  for (ir::Node *n : program.nodes) appendNode(s.words, *n, /*withSizes=*/false);
  for (ir::Node *root : program.outputs) s.words.push_back(idOf(root));
  s.hash = hashWords(s.words);
  return s;
}

}  // namespace fusor::driver
