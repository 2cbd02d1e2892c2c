// Tensors on devices: placement, and copies between the host and CUDA devices.
#include "Pending.h"
#include "Trace.h"
#include "autograd/GradGraph.h"
#include "fusor/runtime/cuda/Devices.h"

namespace fusor {

Device Tensor::device() const {
  int d = trace::check(*this, "device", Where::current()).node()->device;
  return d == ir::Node::kHost ? Device(kCPU) : Device(kCUDA, d);
}

namespace {
Device &defaultDevice() {
  static Device d(kCPU);
  return d;
}
}  // namespace

void set_default_device(Device device) {
  trace::checkDevice(device, "set_default_device", Where::current());
  defaultDevice() = device;
}
Device get_default_device() { return defaultDevice(); }

namespace trace {

Device deviceOf(const TensorOptions &options) {
  return options.device_ ? *options.device_ : defaultDevice();
}

void checkDevice(const Device &device, std::string_view op, const Where &where) {
  if (device.is_cpu()) return;
  if (!cuda::is_available())
    fail(op, "CUDA was asked for but is not available: " + cuda::unavailable_reason(), {}, where);
  if (device.index < 0 || device.index >= cuda::device_count())
    fail(op, "there is no CUDA device " + std::to_string(device.index) + " (found " +
                 std::to_string(cuda::device_count()) + ")",
         {}, where);
}

Tensor place(Tensor t, const Device &device, std::string_view op, const Where &where) {
  checkDevice(device, op, where);
  if (t.device() == device) return t;
  ir::Node &n = *t.node();
  // A lazy tensor made of literals only is simply computed there.
  if (literalsOnly(n)) {
    n.device = device.is_cuda() ? device.index : ir::Node::kHost;
    return t;
  }
  return t.to(device, where);
}

}  // namespace trace

Tensor Tensor::to(Device device, Where where) const {
  trace::check(*this, "to", where);
  trace::checkDevice(device, "to", where);
  if (this->device() == device) return *this;
  ir::Node *n = node().get();
  pending::realize({n});
  auto copy = std::make_shared<ir::Node>();
  copy->op = ir::OpKind::Buffer;
  copy->dtype = n->dtype;
  copy->shape = n->shape;
  copy->location = where;
  copy->device = device.is_cuda() ? device.index : ir::Node::kHost;
  copy->buffer = runtime::Buffer::allocate(n->buffer->bytes(), copy->device);
  runtime::Buffer::copy(*n->buffer, *copy->buffer);
  Tensor out(std::move(copy));
  Device from = this->device();
  autograd::attachFunction(out, {*this}, "to", {}, [from](const Tensor &g, const std::vector<Tensor> &) {
    return std::vector<Tensor>{g.to(from)};
  }, where);
  return out;
}

}  // namespace fusor
