// The dynamic graph IR: what a traced tensor op records. Plain C++, no MLIR: tracing must
// stay cheap. A node's type is inferred when it is made (by the shared shape rules); a
// realized node becomes a Buffer and lets go of its inputs, so finished graphs are freed.
#pragma once

#include <memory>
#include <source_location>
#include <string>
#include <variant>
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

using NodePtr = std::shared_ptr<Node>;

// A node's attributes, one struct per op family, named as the dialect op's attributes; which
// one a node holds follows from its op.
struct NoAttrs {};
struct LiteralAttrs {  // Scalar: the value, as a float and as an integer (the dtype picks one)
  double real = 0.0;
  int64_t integer = 0;
};
struct GeluAttrs {
  bool tanh = false;  // approximate = tanh
};
struct ReduceAttrs {  // reduce_sum, _mean, _max, _min, _prod
  std::vector<int64_t> dims;
  bool keepdim = false;
};
struct ArgmaxAttrs {
  int64_t dim = 0;
  bool keepdim = false;
};
struct TransposeAttrs {
  std::vector<int64_t> perm;
};
struct SliceAttrs {
  std::vector<int64_t> starts, stops, steps;
};
struct PadAttrs {
  std::vector<int64_t> low, high;
  LiteralAttrs value;
};
struct DimAttrs {  // concat, index_select, gather
  int64_t dim = 0;
};
struct Conv2dAttrs {  // pads: top, left, bottom, right
  std::vector<int64_t> strides, pads, dilations;
  int64_t groups = 1;
};
struct Pool2dAttrs {  // max_pool2d (dilations) and avg_pool2d (count_include_pad)
  std::vector<int64_t> kernel, strides, pads, dilations;
  bool ceilMode = false, countIncludePad = false;
};
using Attrs = std::variant<NoAttrs, LiteralAttrs, GeluAttrs, ReduceAttrs, ArgmaxAttrs, TransposeAttrs, SliceAttrs,
                           PadAttrs, DimAttrs, Conv2dAttrs, Pool2dAttrs>;

struct Node : std::enable_shared_from_this<Node> {
  OpKind op;
  DType dtype;
  std::vector<int64_t> shape;
  std::vector<NodePtr> inputs;
  Attrs attrs;
  // The user's call that made the node, for error messages and IR locations.
  std::source_location location;
  // The data, once realized (op == Buffer).
  std::shared_ptr<runtime::Buffer> buffer;
  // Where the data is or will be computed: a CUDA device index, or kHost. Scalar literals are
  // compiled into kernels and fit any device.
  static constexpr int kHost = runtime::Buffer::kHost;
  int device = kHost;
  // Dims the user marked (bit d: dim d) for the compile cache: always dynamic, or never
  // (fusor::mark_dynamic / mark_static); they matter where the node is a program's input.
  uint64_t markedDynamic = 0, markedStatic = 0;
  // Scratch for graph walks (driver::capture): a node is visited in the walk whose
  // epoch it carries, with that id. Cheaper than a hash map on the cache-hit path.
  uint64_t walkEpoch = 0;
  int64_t walkId = -1;

  int64_t numel() const;
  bool realized() const { return op == OpKind::Buffer; }
};

}  // namespace fusor::ir
