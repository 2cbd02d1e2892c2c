// ONNX Pad (constant, edge, reflect and wrap modes; negative pads crop) on the tensor API.
#include <algorithm>

#include "Node.h"
#include "fusor/Functions.h"

namespace fusor::onnx {
namespace {

// The source index of each output position along a dim of `size` padded by `before` and
// `after` (either may be negative), and whether it lies inside (constant mode fills the rest).
struct AxisPlan {
  std::vector<int64_t> source;
  std::vector<bool> inside;
};

AxisPlan planAxis(const Node &n, const std::string &mode, int64_t size, int64_t before, int64_t after) {
  int64_t extent = size + before + after;
  if (extent < 0) n.fail("pads remove more than the dim's " + std::to_string(size) + " elements");
  if (before > (int64_t{1} << 32) || after > (int64_t{1} << 32)) n.fail("pads of over 2^32 elements");
  AxisPlan plan;
  for (int64_t i = 0; i < extent; ++i) {
    int64_t s = i - before;
    bool inside = s >= 0 && s < size;
    if (!inside && mode != "constant") {
      // Edge, wrap and reflect read the dim's own elements: it needs some (reflect two).
      if (size < (mode == "reflect" ? 2 : 1))
        n.fail(mode + " padding of a dim of size " + std::to_string(size));
      if (mode == "edge") {
        s = std::clamp<int64_t>(s, 0, size - 1);
      } else if (mode == "wrap") {
        s = ((s % size) + size) % size;
      } else {
        int64_t period = 2 * (size - 1);
        s = ((s % period) + period) % period;
        if (s >= size) s = period - s;
      }
    } else if (!inside) {
      s = 0;  // constant: any valid index, masked afterwards
    }
    plan.source.push_back(s);
    plan.inside.push_back(inside);
  }
  return plan;
}

}  // namespace

void addPadHandler(std::unordered_map<std::string, Handler> &h) {
  h["Pad"] = [](const Node &n) {
    Tensor x = n.in(0);
    int64_t rank = x.dim();
    std::string mode = n.s("mode", "constant");
    if (mode != "constant" && mode != "edge" && mode != "reflect" && mode != "wrap")
      n.fail("mode '" + mode + "' is not supported");
    std::vector<int64_t> pads;
    Tensor value = zeros({}, x.dtype());
    std::vector<int64_t> axes;
    if (n.opset() >= 11) {
      pads = n.values(1);
      if (n.has(2)) value = n.in(2).to(x.dtype()).reshape({});
      if (n.has(3)) axes = n.values(3);
    } else {
      pads = n.ints("pads").value_or(pads);
      value = scalar_tensor(n.f("value", 0.0f), x.dtype());
    }
    if (axes.empty())
      for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
    int64_t count = static_cast<int64_t>(axes.size());
    if (static_cast<int64_t>(pads.size()) != 2 * count)
      n.fail("has " + std::to_string(pads.size()) + " pads for " + std::to_string(count) + " axes");
    Tensor inside = ones({}, kBool);
    for (int64_t k = 0; k < count; ++k) {
      int64_t axis = n.axis(axes[k], rank);
      AxisPlan plan = planAxis(n, mode, x.sizes()[axis], pads[k], pads[k + count]);
      int64_t extent = static_cast<int64_t>(plan.source.size());
      if (x.sizes()[axis] == 0 && extent > 0) {  // nothing to read: a stand-in row, all masked
        std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
        shape[axis] = 1;
        x = zeros(shape, x.dtype());
      }
      x = index_select(x, axis, from_vector(plan.source, {extent}));
      if (mode == "constant") {
        std::vector<int64_t> along(rank, 1);
        along[axis] = extent;
        inside = logical_and(inside, from_vector(plan.inside, {extent}).reshape(along));
      }
    }
    return one(mode == "constant" ? where(inside, x, value) : x);
  };
}

}  // namespace fusor::onnx
