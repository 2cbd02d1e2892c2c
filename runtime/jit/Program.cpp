#include "fusor/jit/Program.h"

#include <bit>
#include <unordered_map>

namespace fusor::runtime::jit {
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

// Attributes that are not sizes: reshape and broadcast targets are the node's own shape and
// change with the input sizes, so the structure leaves them out.
void appendAttributes(std::vector<int64_t> &w, const ir::Node &n, bool withSizes) {
  bool sizeLike = n.op == ir::OpKind::Slice || n.op == ir::OpKind::Pad;
  if (withSizes || !sizeLike) {
    appendList(w, n.ints);
    appendList(w, n.ints2);
    appendList(w, n.ints3);
  }
  w.push_back(n.dim);
  w.push_back(n.flag);
  if (withSizes) {  // literal values are compiled in
    w.push_back(std::bit_cast<int64_t>(n.real));
    w.push_back(n.integer);
  }
}

}  // namespace

std::string describe(const ir::Node &node) {
  std::string s = "[";
  for (size_t i = 0; i < node.shape.size(); ++i) s += (i ? ", " : "") + std::to_string(node.shape[i]);
  return s + "] " + std::string(toString(node.dtype));
}

CapturedProgram capture(std::span<ir::Node *const> roots) {
  CapturedProgram out;
  std::unordered_map<const ir::Node *, int64_t> ids;  // inputs first, then nodes
  // Iterative post-order DFS: graphs can be deeper than the stack.
  std::vector<std::pair<ir::Node *, size_t>> stack;
  std::vector<ir::Node *> order;
  for (ir::Node *root : roots) {
    if (ids.count(root)) continue;
    stack.push_back({root, 0});
    ids[root] = -1;
    while (!stack.empty()) {
      auto &[node, next] = stack.back();
      if (node->realized()) {
        out.program.inputs.push_back(node);
        stack.pop_back();
        continue;
      }
      if (next < node->inputs.size()) {
        ir::Node *in = node->inputs[next++].get();
        if (!ids.count(in)) {
          ids[in] = -1;
          stack.push_back({in, 0});
        }
        continue;
      }
      order.push_back(node);
      stack.pop_back();
    }
  }
  int64_t id = 0;
  for (ir::Node *in : out.program.inputs) ids[in] = id++;
  for (ir::Node *n : order) ids[n] = id++;
  out.program.nodes = order;
  out.program.outputs.assign(roots.begin(), roots.end());

  std::vector<int64_t> &full = out.signature.words, &structure = out.structure.words;
  for (ir::Node *in : out.program.inputs) {
    full.push_back(static_cast<int64_t>(in->dtype));
    appendList(full, in->shape);
  }
  structure.push_back(static_cast<int64_t>(out.program.inputs.size()));
  for (ir::Node *n : order) {
    for (auto *w : {&full, &structure}) {
      w->push_back(static_cast<int64_t>(n->op));
      w->push_back(static_cast<int64_t>(n->inputs.size()));
      for (const ir::NodePtr &in : n->inputs) w->push_back(ids.at(in.get()));
      appendAttributes(*w, *n, w == &full);
    }
    full.push_back(static_cast<int64_t>(n->dtype));
    appendList(full, n->shape);
  }
  for (ir::Node *root : roots) {
    full.push_back(ids.at(root));
    structure.push_back(ids.at(root));
  }
  out.signature.hash = hashWords(full);
  out.structure.hash = hashWords(structure);
  return out;
}

}  // namespace fusor::runtime::jit
