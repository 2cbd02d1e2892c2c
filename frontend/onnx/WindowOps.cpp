// ONNX sliding-window ops (1-D and 2-D) and BatchNormalization, on the tensor API.
#include "Node.h"
#include "fusor/Functions.h"

namespace fusor::onnx {
namespace {

// Spatial geometry of one node, 2-D (a 1-D node gets a leading spatial dim of size 1).
struct Geometry {
  std::vector<int64_t> kernel, strides, pads, dilations;  // pads: top, left, bottom, right
  bool oneD = false;
};

std::vector<int64_t> spatialSizes(const Tensor &x) { return {x.sizes().begin() + 2, x.sizes().end()}; }

Geometry geometryOf(const Node &n, const Tensor &x, std::vector<int64_t> kernel) {
  int64_t spatial = x.dim() - 2;
  if (spatial != 1 && spatial != 2)
    n.fail("only 1-D and 2-D inputs ([N, C, L] or [N, C, H, W]) are supported, got rank " +
           std::to_string(x.dim()));
  if (static_cast<int64_t>(kernel.size()) != spatial) n.fail("kernel_shape does not match the input rank");
  auto list = [&](const char *name, int64_t fallback, size_t count) {
    std::vector<int64_t> v = n.ints(name).value_or(std::vector<int64_t>(count, fallback));
    if (v.size() != count) n.fail(std::string(name) + " needs " + std::to_string(count) + " values");
    return v;
  };
  std::vector<int64_t> strides = list("strides", 1, spatial), dilations = list("dilations", 1, spatial);
  std::vector<int64_t> pads = list("pads", 0, 2 * spatial);
  std::string autoPad = n.s("auto_pad", "NOTSET");
  std::vector<int64_t> in = spatialSizes(x);
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t out = (in[i] + strides[i] - 1) / strides[i];
      int64_t total = std::max<int64_t>(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in[i]);
      int64_t small = total / 2, large = total - small;
      pads[i] = autoPad == "SAME_UPPER" ? small : large;
      pads[spatial + i] = autoPad == "SAME_UPPER" ? large : small;
    }
  } else if (autoPad == "VALID") {
    std::fill(pads.begin(), pads.end(), 0);
  } else if (autoPad != "NOTSET") {
    n.fail("auto_pad '" + autoPad + "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
  }
  Geometry g;
  g.oneD = spatial == 1;
  if (g.oneD) {
    g.kernel = {1, kernel[0]};
    g.strides = {1, strides[0]};
    g.pads = {0, pads[0], 0, pads[1]};
    g.dilations = {1, dilations[0]};
  } else {
    g.kernel = kernel;
    g.strides = strides;
    g.pads = pads;
    g.dilations = dilations;
  }
  return g;
}

// [N, C, L] -> [N, C, 1, L] for 1-D nodes, and back.
Tensor to2d(const Tensor &x, const Geometry &g) { return g.oneD ? x.unsqueeze(2) : x; }
Tensor from2d(const Tensor &y, const Geometry &g) { return g.oneD ? y.squeeze(2) : y; }

std::vector<int64_t> kernelOf(const Node &n, const Tensor *weight) {
  if (std::optional<std::vector<int64_t>> k = n.ints("kernel_shape")) return *k;
  if (!weight) n.fail("kernel_shape is required");
  return {weight->sizes().begin() + 2, weight->sizes().end()};
}

std::vector<Tensor> conv(const Node &n) {
  Tensor x = n.in(0), w = n.in(1);
  if (!isFloatingType(x.dtype())) n.fail("only floating-point inputs are supported");
  Geometry g = geometryOf(n, x, kernelOf(n, &w));
  Tensor y = conv2d(to2d(x, g), to2d(w, g), n.has(2) ? n.in(2) : Tensor(), g.strides, g.pads, g.dilations,
                    n.i("group", 1));
  return one(from2d(y, g));
}

std::vector<Tensor> maxPool(const Node &n) {
  if (n.wantsOutput(1)) n.fail("the Indices output is not supported");
  if (n.i("storage_order", 0) != 0) n.fail("storage_order 1 is not supported");
  Tensor x = n.in(0);
  if (!isFloatingType(x.dtype())) n.fail("only floating-point inputs are supported");
  Geometry g = geometryOf(n, x, kernelOf(n, nullptr));
  return one(from2d(max_pool2d(to2d(x, g), g.kernel, g.strides, g.pads, g.dilations, n.i("ceil_mode", 0) != 0), g));
}

std::vector<Tensor> averagePool(const Node &n) {
  Tensor x = n.in(0);
  if (!isFloatingType(x.dtype())) n.fail("only floating-point inputs are supported");
  Geometry g = geometryOf(n, x, kernelOf(n, nullptr));
  for (int64_t d : g.dilations)
    if (d != 1) n.fail("dilations other than 1 are not supported");
  return one(from2d(avg_pool2d(to2d(x, g), g.kernel, g.strides, g.pads, n.i("ceil_mode", 0) != 0,
                               n.i("count_include_pad", 0) != 0),
                    g));
}

std::vector<int64_t> spatialDims(const Node &n, const Tensor &x) {
  if (x.dim() < 3) n.fail("needs an input of rank 3 or more");
  std::vector<int64_t> dims;
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  return dims;
}

std::vector<Tensor> batchNormalization(const Node &n) {
  if (n.i("training_mode", 0) != 0) n.fail("training_mode is not supported (inference only)");
  if (n.wantsOutput(1) || n.wantsOutput(2)) n.fail("running mean/var outputs are training-only");
  Tensor x = n.in(0);
  if (!isFloatingType(x.dtype())) n.fail("only floating-point inputs are supported");
  DType t = x.dtype();
  Tensor y = batch_norm(x, n.in(3).to(t), n.in(4).to(t), n.in(1).to(t), n.in(2).to(t), n.f("epsilon", 1e-5f));
  return one(y);
}

}  // namespace

void addWindowHandlers(std::unordered_map<std::string, Handler> &h) {
  h["Conv"] = conv;
  h["MaxPool"] = maxPool;
  h["AveragePool"] = averagePool;
  h["GlobalAveragePool"] = [](const Node &n) {
    Tensor x = n.in(0);
    return one(x.mean(spatialDims(n, x), true));
  };
  h["GlobalMaxPool"] = [](const Node &n) {
    Tensor x = n.in(0);
    return one(x.amax(spatialDims(n, x), true));
  };
  h["BatchNormalization"] = batchNormalization;
}

}  // namespace fusor::onnx
