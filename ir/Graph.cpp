#include "fusor/ir/Graph.h"

namespace fusor::ir {

const char *opName(OpKind op) {
  switch (op) {
#define FUSOR_OP(Kind, mnemonic) \
  case OpKind::Kind: return *mnemonic ? "fusor." mnemonic : "";
#include "fusor/ir/Ops.def"
  }
  return "";
}

std::string describe(const Node &node) {
  std::string s = "[";
  for (size_t i = 0; i < node.shape.size(); ++i) s += (i ? ", " : "") + std::to_string(node.shape[i]);
  s += "] " + std::string(toString(node.dtype));
  return node.device == Node::kHost ? s : s + " on cuda:" + std::to_string(node.device);
}

int64_t Node::numel() const {
  int64_t n = 1;
  for (int64_t e : shape) n *= e;
  return n;
}

}  // namespace fusor::ir
