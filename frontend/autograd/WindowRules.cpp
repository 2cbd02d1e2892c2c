// Gradients of convolution and pooling, written as convolutions, strided slices and pads.
#include <cmath>

#include "RuleFamilies.h"
#include "../Trace.h"
#include "fusor/Functions.h"

namespace fusor::autograd {
namespace {

// Pads (positive) or crops (negative) dim `dim` by `low` before and `high` after.
Tensor padOrCrop(Tensor t, int64_t dim, int64_t low, int64_t high, const Where &w) {
  if (low < 0) t = t.slice(dim, -low, t.sizes()[dim], 1, w), low = 0;
  if (high < 0) t = t.slice(dim, 0, t.sizes()[dim] + high, 1, w), high = 0;
  if (low == 0 && high == 0) return t;
  std::vector<int64_t> lo(t.dim(), 0), hi(t.dim(), 0);
  lo[dim] = low;
  hi[dim] = high;
  return trace::padConstant(t, lo, hi, 0, w);
}

Tensor flip(const Tensor &t, int64_t dim, const Where &w) {
  int64_t n = t.sizes()[dim];
  if (n <= 1) return t;
  std::vector<int64_t> reversed(n);
  for (int64_t i = 0; i < n; ++i) reversed[i] = n - 1 - i;
  return index_select(t, dim, from_vector(reversed, {n}, w).to(t.device(), w), w);
}

struct Window {
  int64_t kh, kw;
  std::vector<int64_t> strides, pads, dilations;
};

// The gradient of conv2d(x, weight) with respect to x of `inputSizes` (a transposed
// convolution: the gradient, spread by the strides, convolved with the flipped kernel).
Tensor convInputGradient(const Tensor &grad, const Tensor &weight, std::span<const int64_t> inputSizes,
                         const Window &win, int64_t groups, const Where &w) {
  int64_t outC = weight.sizes()[0], inPerGroup = weight.sizes()[1];
  Tensor g = zeroInsert(zeroInsert(grad, 2, win.strides[0], w), 3, win.strides[1], w);
  int64_t k[2] = {win.kh, win.kw};
  for (int d = 0; d < 2; ++d) {
    int64_t span = win.dilations[d] * (k[d] - 1);
    int64_t low = span - win.pads[d];
    int64_t high = inputSizes[2 + d] - (grad.sizes()[2 + d] - 1) * win.strides[d] - 1 + win.pads[d];
    g = padOrCrop(g, 2 + d, low, high, w);
  }
  Tensor wt = weight.reshape({groups, outC / groups, inPerGroup, win.kh, win.kw}, w)
                  .permute({0, 2, 1, 3, 4}, w)
                  .reshape({groups * inPerGroup, outC / groups, win.kh, win.kw}, w);
  wt = flip(flip(wt, 2, w), 3, w);
  return conv2d(g, wt, {}, {1, 1}, {0, 0}, win.dilations, groups, w);
}

// The gradient of conv2d(x, weight) with respect to weight: a convolution of the input (its
// channels as the batch) with the output gradient as the kernel.
Tensor convWeightGradient(const Tensor &grad, const Tensor &x, const Tensor &weight, const Window &win,
                          int64_t groups, const Where &w) {
  int64_t n = x.sizes()[0], c = x.sizes()[1], h = x.sizes()[2], wd = x.sizes()[3];
  Tensor xs = x.reshape({n, groups, c / groups, h, wd}, w)
                  .permute({2, 1, 0, 3, 4}, w)
                  .reshape({c / groups, groups * n, h, wd}, w);
  Tensor k = grad.permute({1, 0, 2, 3}, w);
  Tensor gw = conv2d(xs, k, {}, win.dilations, win.pads, win.strides, groups, w);
  return gw.slice(2, 0, win.kh, 1, w).slice(3, 0, win.kw, 1, w).permute({1, 0, 2, 3}, w);
}

std::vector<Tensor> convGradients(const RuleArgs &a) {
  const auto &attrs = a.attrs<ir::Conv2dAttrs>();
  const Tensor &x = a.inputs[0], &weight = a.inputs[1];
  Window win{weight.sizes()[2], weight.sizes()[3], attrs.strides, attrs.pads, attrs.dilations};
  return {a.needs(0) ? convInputGradient(a.grad, weight, x.sizes(), win, attrs.groups, a.where) : Tensor(),
          a.needs(1) ? convWeightGradient(a.grad, x, weight, win, attrs.groups, a.where) : Tensor()};
}

// Average pooling is a sum over the window (a depthwise convolution with ones) divided per
// output position by torch's divisor, which is sum-of-ones / average-of-ones.
Tensor avgPoolGradient(const RuleArgs &a) {
  const auto &p = a.attrs<ir::Pool2dAttrs>();
  const Tensor &x = a.inputs[0];
  const Where &w = a.where;
  int64_t c = x.sizes()[1], oh = a.grad.sizes()[2], ow = a.grad.sizes()[3];
  std::vector<int64_t> pads = p.pads;
  // Ceil mode's last windows may reach past the bottom/right padding.
  pads[2] += std::max<int64_t>(0, (oh - 1) * p.strides[0] + p.kernel[0] - (x.sizes()[2] + p.pads[0] + p.pads[2]));
  pads[3] += std::max<int64_t>(0, (ow - 1) * p.strides[1] + p.kernel[1] - (x.sizes()[3] + p.pads[1] + p.pads[3]));
  TensorOptions like = TensorOptions(x.dtype()).device(x.device());
  Tensor plane = ones({1, 1, x.sizes()[2], x.sizes()[3]}, like, w);
  Tensor counted = conv2d(plane, ones({1, 1, p.kernel[0], p.kernel[1]}, like, w), {}, p.strides, pads, {1, 1}, 1, w);
  Tensor averaged = avg_pool2d(plane, p.kernel, p.strides, p.pads, p.ceilMode, p.countIncludePad, w);
  Tensor scaled = mul(a.grad, div(averaged, counted, w), w);
  Window win{p.kernel[0], p.kernel[1], p.strides, pads, {1, 1}};
  return convInputGradient(scaled, ones({c, 1, p.kernel[0], p.kernel[1]}, like, w), x.sizes(), win, c, w);
}

// Each output's gradient goes to the first maximum of its window (row-major), as in torch.
Tensor maxPoolGradient(const RuleArgs &a) {
  const auto &p = a.attrs<ir::Pool2dAttrs>();
  const Tensor &x = a.inputs[0], &y = a.output, &g = a.grad;
  const Where &w = a.where;
  int64_t oh = g.sizes()[2], ow = g.sizes()[3];
  int64_t reach[2] = {(oh - 1) * p.strides[0] + p.dilations[0] * (p.kernel[0] - 1) + 1,
                      (ow - 1) * p.strides[1] + p.dilations[1] * (p.kernel[1] - 1) + 1};
  std::vector<int64_t> low = {0, 0, p.pads[0], p.pads[1]}, high = {0, 0, 0, 0};
  for (int d = 0; d < 2; ++d)
    high[2 + d] = std::max<int64_t>(p.pads[2 + d], reach[d] - x.sizes()[2 + d] - p.pads[d]);
  Tensor padded = trace::padConstant(x, low, high, -INFINITY, w);
  int64_t ph = padded.sizes()[2], pw = padded.sizes()[3];
  Tensor taken = zeros(sizesOf(y), TensorOptions(kBool).device(y.device()), w);
  Tensor zero = zeros_like(g, w);
  Tensor total;
  for (int64_t i = 0; i < p.kernel[0]; ++i) {
    for (int64_t j = 0; j < p.kernel[1]; ++j) {
      int64_t top = i * p.dilations[0], left = j * p.dilations[1];
      Tensor seen = padded.slice(2, top, top + (oh - 1) * p.strides[0] + 1, p.strides[0], w)
                        .slice(3, left, left + (ow - 1) * p.strides[1] + 1, p.strides[1], w);
      Tensor hit = logical_and(eq(seen, y, w), logical_not(taken, w), w);
      taken = logical_or(taken, hit, w);
      Tensor spread = zeroInsert(zeroInsert(where(hit, g, zero, w), 2, p.strides[0], w), 3, p.strides[1], w);
      Tensor placed = trace::padConstant(spread, {0, 0, top, left},
                                         {0, 0, ph - top - spread.sizes()[2], pw - left - spread.sizes()[3]}, 0, w);
      total = total.defined() ? add(total, placed, w) : placed;
    }
  }
  return total.slice(2, p.pads[0], p.pads[0] + x.sizes()[2], 1, w).slice(3, p.pads[1], p.pads[1] + x.sizes()[3], 1, w);
}

}  // namespace

std::vector<Tensor> windowGradients(const RuleArgs &a) {
  switch (a.node.op) {
    case ir::OpKind::Conv2d: return convGradients(a);
    case ir::OpKind::AvgPool2d: return {avgPoolGradient(a)};
    case ir::OpKind::MaxPool2d: return {maxPoolGradient(a)};
    default: break;
  }
  throwInternalError(std::string("no gradient rule for ") + ir::opName(a.node.op));
}

}  // namespace fusor::autograd
