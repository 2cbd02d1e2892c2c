#include "fusor/ir/Graph.h"

namespace fusor::ir {

const char *opName(OpKind op) {
  switch (op) {
    case OpKind::Buffer: return "";
    case OpKind::Scalar: return "fusor.constant";
    case OpKind::Neg: return "fusor.neg";
    case OpKind::Abs: return "fusor.abs";
    case OpKind::Relu: return "fusor.relu";
    case OpKind::Exp: return "fusor.exp";
    case OpKind::Log: return "fusor.log";
    case OpKind::Sqrt: return "fusor.sqrt";
    case OpKind::Rsqrt: return "fusor.rsqrt";
    case OpKind::Tanh: return "fusor.tanh";
    case OpKind::Sigmoid: return "fusor.sigmoid";
    case OpKind::Silu: return "fusor.silu";
    case OpKind::Gelu: return "fusor.gelu";
    case OpKind::Sin: return "fusor.sin";
    case OpKind::Cos: return "fusor.cos";
    case OpKind::Erf: return "fusor.erf";
    case OpKind::Floor: return "fusor.floor";
    case OpKind::Ceil: return "fusor.ceil";
    case OpKind::LogicalNot: return "fusor.logical_not";
    case OpKind::Add: return "fusor.add";
    case OpKind::Sub: return "fusor.sub";
    case OpKind::Mul: return "fusor.mul";
    case OpKind::Div: return "fusor.div";
    case OpKind::Pow: return "fusor.pow";
    case OpKind::Max: return "fusor.max";
    case OpKind::Min: return "fusor.min";
    case OpKind::Eq: return "fusor.eq";
    case OpKind::Ne: return "fusor.ne";
    case OpKind::Lt: return "fusor.lt";
    case OpKind::Le: return "fusor.le";
    case OpKind::Gt: return "fusor.gt";
    case OpKind::Ge: return "fusor.ge";
    case OpKind::LogicalAnd: return "fusor.logical_and";
    case OpKind::LogicalOr: return "fusor.logical_or";
    case OpKind::Select: return "fusor.select";
    case OpKind::Cast: return "fusor.cast";
    case OpKind::ReduceSum: return "fusor.reduce_sum";
    case OpKind::ReduceMean: return "fusor.reduce_mean";
    case OpKind::ReduceMax: return "fusor.reduce_max";
    case OpKind::ReduceMin: return "fusor.reduce_min";
    case OpKind::ReduceProd: return "fusor.reduce_prod";
    case OpKind::Argmax: return "fusor.argmax";
    case OpKind::Matmul: return "fusor.matmul";
    case OpKind::Reshape: return "fusor.reshape";
    case OpKind::Transpose: return "fusor.transpose";
    case OpKind::BroadcastTo: return "fusor.broadcast_to";
    case OpKind::Slice: return "fusor.slice";
    case OpKind::Concat: return "fusor.concat";
    case OpKind::Pad: return "fusor.pad";
    case OpKind::IndexSelect: return "fusor.index_select";
    case OpKind::Gather: return "fusor.gather";
    case OpKind::Conv2d: return "fusor.conv2d";
    case OpKind::MaxPool2d: return "fusor.max_pool2d";
    case OpKind::AvgPool2d: return "fusor.avg_pool2d";
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
