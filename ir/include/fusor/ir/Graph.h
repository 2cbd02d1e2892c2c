// The dynamic graph IR: what a traced tensor op records. Plain C++, no MLIR: tracing must
// stay cheap. A node's type is inferred when it is made (by the shared shape rules); a
// realized node becomes a Buffer and lets go of its inputs, so finished graphs are freed.
#pragma once

#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include "fusor/ir/DType.h"
#include "fusor/runtime/Buffer.h"

namespace fusor::ir {

// Every op a node can record (listed, with its dialect op, in Ops.def).
enum class OpKind : uint8_t {
#define FUSOR_OP(Kind, mnemonic) Kind,
#include "fusor/ir/Ops.def"
};

// The fusor dialect op name ("fusor.add"), or "" for Buffer.
const char *opName(OpKind op);

struct Node;
// "[8, 16] float32": a node's sizes and dtype, as errors and logs show them.
std::string describe(const Node &node);

struct Node;
using NodePtr = std::shared_ptr<Node>;

struct Node : std::enable_shared_from_this<Node> {
  OpKind op;
  DType dtype;
  std::vector<int64_t> shape;
  std::vector<NodePtr> inputs;
  // Attributes, by op: dims (reductions), perm (transpose), starts/stops/steps (slice),
  // low/high (pad) live in ints/ints2/ints3; dim (argmax, concat, index ops); flag is keepdim
  // or gelu's tanh approximation; Scalar and Pad values are `real` for floats, `integer`
  // otherwise. Windows: strides (conv2d) or kernel + strides (pools) in ints, pads (top, left,
  // bottom, right) in ints2, dilations in ints3; groups (conv2d) or count_include_pad
  // (avg_pool2d) in integer; ceil_mode in flag.
  std::vector<int64_t> ints, ints2, ints3;
  int64_t dim = 0;
  bool flag = false;
  double real = 0.0;
  int64_t integer = 0;
  // The user's call that made the node, for error messages and IR locations.
  std::source_location location;
  // The data, once realized (op == Buffer).
  std::shared_ptr<runtime::Buffer> buffer;
  // Where the data is or will be computed: a CUDA device index, or kHost. Scalar literals are
  // compiled into kernels and fit any device.
  static constexpr int kHost = runtime::Buffer::kHost;
  int device = kHost;
  // Scratch for graph walks (driver::capture): a node is visited in the walk whose
  // epoch it carries, with that id. Cheaper than a hash map on the cache-hit path.
  uint64_t walkEpoch = 0;
  int64_t walkId = -1;

  int64_t numel() const;
  bool realized() const { return op == OpKind::Buffer; }
};

}  // namespace fusor::ir
