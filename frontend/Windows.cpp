// Convolution, pooling and batch normalization over NCHW tensors.
#include "Trace.h"
#include "fusor/Functions.h"

namespace fusor {

using trace::check;
using trace::fail;

namespace {

std::vector<int64_t> pairOf(std::vector<int64_t> v, std::string_view what, std::string_view op,
                            const Where &where) {
  if (v.size() == 1) v.push_back(v[0]);
  if (v.size() != 2)
    fail(op, std::string(what) + " needs 1 or 2 values, got " + std::to_string(v.size()), {}, where);
  return v;
}

// 2 values (symmetric) or 4 (top, left, bottom, right) -> 4.
std::vector<int64_t> padsOf(std::vector<int64_t> padding, std::string_view op, const Where &where) {
  if (padding.size() == 4) return padding;
  std::vector<int64_t> p = pairOf(std::move(padding), "padding", op, where);
  return {p[0], p[1], p[0], p[1]};
}

void requireFloat(const Tensor &x, std::string_view op, const Where &where) {
  if (!isFloatingType(x.dtype())) fail(op, "needs a floating-point input", {&x}, where);
}

Tensor window(ir::OpKind kind, std::string_view op, const Tensor &input, std::vector<Tensor> operands,
              ir::Attrs attrs, const shape::ShapeOr &shape, std::initializer_list<const Tensor *> named,
              const Where &where) {
  Tensor t = trace::make(kind, input.dtype(), trace::unwrap(shape, op, named, where), std::move(operands), where);
  t.node()->attrs = std::move(attrs);
  return t;
}

}  // namespace

Tensor conv2d(const Tensor &input, const Tensor &weight, const Tensor &bias, std::vector<int64_t> stride,
              std::vector<int64_t> padding, std::vector<int64_t> dilation, int64_t groups, Where where) {
  check(input, "conv2d", where);
  check(weight, "conv2d", where);
  requireFloat(input, "conv2d", where);
  if (weight.dtype() != input.dtype())
    fail("conv2d", "input and weight must have the same dtype", {&input, &weight}, where);
  stride = pairOf(std::move(stride), "stride", "conv2d", where);
  dilation = pairOf(std::move(dilation), "dilation", "conv2d", where);
  std::vector<int64_t> pads = padsOf(std::move(padding), "conv2d", where);
  int64_t kernel[2] = {weight.dim() == 4 ? weight.sizes()[2] : 1, weight.dim() == 4 ? weight.sizes()[3] : 1};
  shape::Window2d w{kernel, stride, pads, dilation};
  Tensor y = window(ir::OpKind::Conv2d, "conv2d", input, {input, weight}, ir::Conv2dAttrs{stride, pads, dilation, groups},
                    shape::conv2d(input.sizes(), weight.sizes(), w, groups), {&input, &weight}, where);
  if (bias.defined()) {
    check(bias, "conv2d", where);
    if (bias.dim() != 1 || bias.sizes()[0] != weight.sizes()[0])
      fail("conv2d", "the bias must be 1-D with one value per output channel", {&bias, &weight}, where);
    y = add(y, bias.reshape({1, bias.sizes()[0], 1, 1}, where), where);
  }
  return y;
}

Tensor max_pool2d(const Tensor &input, std::vector<int64_t> kernel_size, std::vector<int64_t> stride,
                  std::vector<int64_t> padding, std::vector<int64_t> dilation, bool ceil_mode, Where where) {
  check(input, "max_pool2d", where);
  requireFloat(input, "max_pool2d", where);
  std::vector<int64_t> kernel = pairOf(std::move(kernel_size), "kernel_size", "max_pool2d", where);
  stride = stride.empty() ? kernel : pairOf(std::move(stride), "stride", "max_pool2d", where);
  dilation = pairOf(std::move(dilation), "dilation", "max_pool2d", where);
  std::vector<int64_t> pads = padsOf(std::move(padding), "max_pool2d", where);
  shape::Window2d w{kernel, stride, pads, dilation, ceil_mode};
  return window(ir::OpKind::MaxPool2d, "max_pool2d", input, {input},
                ir::Pool2dAttrs{kernel, stride, pads, dilation, ceil_mode, false}, shape::pool2d(input.sizes(), w),
                {&input}, where);
}

Tensor avg_pool2d(const Tensor &input, std::vector<int64_t> kernel_size, std::vector<int64_t> stride,
                  std::vector<int64_t> padding, bool ceil_mode, bool count_include_pad, Where where) {
  check(input, "avg_pool2d", where);
  requireFloat(input, "avg_pool2d", where);
  std::vector<int64_t> kernel = pairOf(std::move(kernel_size), "kernel_size", "avg_pool2d", where);
  stride = stride.empty() ? kernel : pairOf(std::move(stride), "stride", "avg_pool2d", where);
  std::vector<int64_t> pads = padsOf(std::move(padding), "avg_pool2d", where);
  std::vector<int64_t> ones = {1, 1};
  shape::Window2d w{kernel, stride, pads, ones, ceil_mode};
  return window(ir::OpKind::AvgPool2d, "avg_pool2d", input, {input},
                ir::Pool2dAttrs{kernel, stride, pads, {}, ceil_mode, count_include_pad},
                shape::pool2d(input.sizes(), w), {&input}, where);
}

Tensor batch_norm(const Tensor &input, const Tensor &running_mean, const Tensor &running_var,
                  const Tensor &weight, const Tensor &bias, double eps, Where where) {
  check(input, "batch_norm", where);
  requireFloat(input, "batch_norm", where);
  if (input.dim() < 2) fail("batch_norm", "needs an input of rank 2 or more", {&input}, where);
  int64_t channels = input.sizes()[1];
  // Per-channel vectors broadcast along dim 1: [C] -> [C, 1, ..., 1].
  std::vector<int64_t> shape(input.dim() - 1, 1);
  shape[0] = channels;
  auto perChannel = [&](const Tensor &v, const char *what) {
    check(v, "batch_norm", where);
    if (v.dim() != 1 || v.sizes()[0] != channels)
      fail("batch_norm", std::string(what) + " must be 1-D with one value per channel", {&v, &input}, where);
    return v.reshape(shape, where);
  };
  Tensor scale = rsqrt(add(perChannel(running_var, "running_var"), trace::scalar(eps, running_var.dtype(), where), where), where);
  if (weight.defined()) scale = mul(scale, perChannel(weight, "weight"), where);
  Tensor y = mul(sub(input, perChannel(running_mean, "running_mean"), where), scale, where);
  if (bias.defined()) y = add(y, perChannel(bias, "bias"), where);
  return y;
}

}  // namespace fusor
