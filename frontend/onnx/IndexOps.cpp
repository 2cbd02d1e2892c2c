// ONNX ops built from index arithmetic and reshapes: Tile, DepthToSpace, SpaceToDepth, EyeLike,
// OneHot.
#include "Node.h"
#include "TensorProto.h"
#include "fusor/Functions.h"

namespace fusor::onnx {
namespace {

// [N, C, H, W] with H and W divisible by `block` (SpaceToDepth) or C by block^2 (DepthToSpace).
void checkBlocks(const Node &n, const Tensor &x, int64_t block) {
  if (x.dim() != 4) n.fail("needs a 4-D input [N, C, H, W]");
  if (block < 1) n.fail("blocksize must be positive");
}

}  // namespace

void addIndexHandlers(std::unordered_map<std::string, Handler> &h) {
  // Each dim d repeated r times, whole: a new dim of r before it, broadcast, then merged.
  h["Tile"] = [](const Node &n) {
    Tensor x = n.in(0);
    std::vector<int64_t> repeats = n.values(1);
    if (static_cast<int64_t>(repeats.size()) != x.dim()) n.fail("needs one repeat per input dim");
    for (int64_t d = 0; d < x.dim(); ++d) {
      if (repeats[d] < 0) n.fail("repeats must not be negative");
      if (repeats[d] == 1) continue;
      std::vector<int64_t> expanded = sizesOf(x), merged = sizesOf(x);
      expanded.insert(expanded.begin() + d, repeats[d]);
      merged[d] *= repeats[d];
      x = x.unsqueeze(d).expand(expanded).reshape(merged);
    }
    return one(x);
  };
  h["DepthToSpace"] = [](const Node &n) {
    Tensor x = n.in(0);
    int64_t b = n.i("blocksize", 0);
    checkBlocks(n, x, b);
    int64_t N = x.sizes()[0], C = x.sizes()[1], H = x.sizes()[2], W = x.sizes()[3];
    if (C % (b * b)) n.fail("channels are not divisible by blocksize^2");
    int64_t c = C / (b * b);
    bool crd = n.s("mode", "DCR") == "CRD";
    Tensor blocks = crd ? x.reshape({N, c, b, b, H, W}).permute({0, 1, 4, 2, 5, 3})
                        : x.reshape({N, b, b, c, H, W}).permute({0, 3, 4, 1, 5, 2});
    return one(blocks.reshape({N, c, H * b, W * b}));
  };
  h["SpaceToDepth"] = [](const Node &n) {
    Tensor x = n.in(0);
    int64_t b = n.i("blocksize", 0);
    checkBlocks(n, x, b);
    int64_t N = x.sizes()[0], C = x.sizes()[1], H = x.sizes()[2], W = x.sizes()[3];
    if (H % b || W % b) n.fail("height and width are not divisible by blocksize");
    Tensor blocks = x.reshape({N, C, H / b, b, W / b, b}).permute({0, 3, 5, 1, 2, 4});
    return one(blocks.reshape({N, C * b * b, H / b, W / b}));
  };
  // Ones on the diagonal k of a 2-D tensor shaped like the input.
  h["EyeLike"] = [](const Node &n) {
    Tensor x = n.in(0);
    if (x.dim() != 2) n.fail("needs a 2-D input");
    DType type = n.attr("dtype") ? dtypeOf(static_cast<int>(n.i("dtype", 1)), "EyeLike") : x.dtype();
    int64_t rows = x.sizes()[0], cols = x.sizes()[1];
    Tensor offset = arange(cols, TensorOptions(kInt64)).reshape({1, cols}) -
                    arange(rows, TensorOptions(kInt64)).reshape({rows, 1});
    return one((offset == n.i("k", 0)).to(type));
  };
  // values[1] where the index along the new `axis` equals the (wrapped) index, else values[0].
  h["OneHot"] = [](const Node &n) {
    Tensor indices = n.in(0).to(kInt64), values = n.in(2);
    std::vector<int64_t> depthValue = n.values(1);
    if (depthValue.size() != 1 || depthValue[0] < 1) n.fail("depth must be one positive value");
    if (values.numel() != 2) n.fail("values must hold [off, on]");
    int64_t depth = depthValue[0], rank = indices.dim() + 1, axis = n.axis(n.i("axis", -1), rank);
    indices = where(indices < 0, indices + depth, indices);
    std::vector<int64_t> along(rank, 1);
    along[axis] = depth;
    Tensor hot = arange(depth, TensorOptions(kInt64)).reshape(along) == indices.unsqueeze(axis);
    Tensor flat = values.reshape({2});
    return one(where(hot, flat.narrow(0, 1, 1).reshape({}), flat.narrow(0, 0, 1).reshape({})));
  };
}

}  // namespace fusor::onnx
