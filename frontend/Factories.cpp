// Tensor factories: host data is copied into a realized buffer; constants stay lazy.
#include <cmath>
#include <mutex>
#include <random>

#include "HostConvert.h"
#include "jit/Recorder.h"
#include "Trace.h"
#include "fusor/Functions.h"

namespace fusor {

namespace {

void checkShape(const std::vector<int64_t> &shape, std::string_view name, const Where &where) {
  for (int64_t s : shape)
    if (s < 0) trace::fail(name, "sizes must be non-negative, got " + std::to_string(s), {}, where);
}

int64_t countOf(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

// A realized tensor holding a copy of `count` elements of `from` at `data`, as `dtype`.
Tensor fromHost(const void *data, DType from, std::vector<int64_t> shape, DType dtype,
                const Where &where) {
  auto node = std::make_shared<ir::Node>();
  node->op = ir::OpKind::Buffer;
  node->dtype = dtype;
  node->shape = std::move(shape);
  node->location = where;
  node->buffer = runtime::Buffer::allocate(node->numel() * elementSize(dtype));
  host::convert(data, from, node->buffer->data(), dtype, node->numel());
  return Tensor(std::move(node));
}

// One generator for the process, as torch's default CPU generator; a tensor's values are
// drawn under its lock, in one piece of the stream.
std::mt19937_64 &generator() {
  static std::mt19937_64 g(0);
  return g;
}
std::mutex &generatorMutex() {
  static std::mutex *m = new std::mutex();
  return *m;
}

template <typename Dist>
Tensor sample(std::vector<int64_t> shape, DType dtype, Dist dist, std::string_view name,
              const Where &where) {
  checkShape(shape, name, where);
  if (!isFloatingType(dtype)) trace::fail(name, "needs a floating-point dtype", {}, where);
  std::vector<double> values(countOf(shape));
  {
    std::lock_guard<std::mutex> lock(generatorMutex());
    for (double &v : values) v = dist(generator());
  }
  return fromHost(values.data(), kFloat64, std::move(shape), dtype, where);
}

}  // namespace

template <typename T>
Tensor from_vector(const std::vector<T> &values, std::vector<int64_t> shape, Where where) {
  checkShape(shape, "from_vector", where);
  if (static_cast<int64_t>(values.size()) != countOf(shape))
    trace::fail("from_vector", std::to_string(values.size()) + " values do not fill shape " +
                                   shape::toString(shape),
                {}, where);
  Tensor t;
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<uint8_t> bytes(values.begin(), values.end());
    t = fromHost(bytes.data(), kBool, std::move(shape), kBool, where);
  } else {
    t = fromHost(values.data(), host::dtypeOf<T>(), std::move(shape), host::dtypeOf<T>(), where);
  }
  return trace::place(t, get_default_device(), "from_vector", where);  // as torch.tensor
}

template <typename T>
Tensor from_blob(const T *data, std::vector<int64_t> shape, Where where) {
  checkShape(shape, "from_blob", where);
  if (!data && countOf(shape)) trace::fail("from_blob", "data is null", {}, where);
  return fromHost(data, host::dtypeOf<T>(), std::move(shape), host::dtypeOf<T>(), where);
}

#define FUSOR_INSTANTIATE(T)                                                              \
  template Tensor from_vector<T>(const std::vector<T> &, std::vector<int64_t>, Where);   \
  template Tensor from_blob<T>(const T *, std::vector<int64_t>, Where);
FUSOR_INSTANTIATE(float)
FUSOR_INSTANTIATE(double)
FUSOR_INSTANTIATE(int8_t)
FUSOR_INSTANTIATE(int32_t)
FUSOR_INSTANTIATE(int64_t)
#undef FUSOR_INSTANTIATE
template Tensor from_vector<bool>(const std::vector<bool> &, std::vector<int64_t>, Where);

Tensor full(std::vector<int64_t> shape, Scalar value, TensorOptions options, Where where) {
  checkShape(shape, "full", where);
  trace::checkDevice(trace::deviceOf(options), "full", where);
  Tensor s = trace::scalar(value, options.dtype_or(kFloat32), where);
  if (shape.empty()) {  // a literal has no device: a tensor on one holds it
    if (trace::deviceOf(options).is_cpu()) return trace::finish(s, options, where);
    s = trace::make(ir::OpKind::Reshape, s.dtype(), {}, {s}, where);
  } else {
    s = s.expand(shape, where);
    s.impl()->view.reset();  // a new tensor of its own, not a view of the literal
  }
  return trace::finish(trace::place(s, trace::deviceOf(options), "full", where), options, where);
}
Tensor zeros(std::vector<int64_t> shape, TensorOptions options, Where where) { return full(std::move(shape), 0, options, where); }
Tensor ones(std::vector<int64_t> shape, TensorOptions options, Where where) { return full(std::move(shape), 1, options, where); }

Tensor arange(Scalar end, TensorOptions options, Where where) { return arange(0, end, 1, options, where); }
Tensor arange(Scalar start, Scalar end, Scalar step, TensorOptions options, Where where) {
  trace::checkDevice(trace::deviceOf(options), "arange", where);
  DType dtype = options.dtype_or(kInt64);
  double a = start.toDouble(), b = end.toDouble(), s = step.toDouble();
  if (s == 0 || std::isnan(a) || std::isnan(b) || std::isnan(s) || (b - a) / s < 0)
    trace::fail("arange", "the range is empty or infinite", {}, where);
  int64_t n = static_cast<int64_t>(std::ceil((b - a) / s));
  std::vector<double> values(n);
  for (int64_t i = 0; i < n; ++i) values[i] = a + i * s;
  return trace::finish(trace::place(fromHost(values.data(), kFloat64, {n}, dtype, where), trace::deviceOf(options), "arange", where),
                       options, where);
}

void manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(generatorMutex());
  generator().seed(seed);
}

namespace {
// Random numbers drawn on the host; a traced step (fusor::jit) draws new ones at each replay,
// from the same generator, as eager steps do.
template <typename Dist>
Tensor random(std::vector<int64_t> shape, const TensorOptions &options, Dist dist, std::string_view name,
              const Where &where) {
  Device device = trace::deviceOf(options);
  trace::checkDevice(device, name, where);
  DType dtype = options.dtype_or(kFloat32);
  Tensor t = trace::place(sample(shape, dtype, dist, name, where), device, name, where);
  if (jitrec::active())
    jitrec::remakeAtReplay(t.node(), [shape, dtype, dist, device, where, name = std::string(name)] {
      Tensor again = trace::place(sample(shape, dtype, dist, name, where), device, name, where);
      return again.node()->buffer;
    });
  return trace::finish(t, options, where);
}
}  // namespace

Tensor rand(std::vector<int64_t> shape, TensorOptions options, Where where) {
  return random(std::move(shape), options, std::uniform_real_distribution<double>(0.0, 1.0), "rand", where);
}
Tensor randn(std::vector<int64_t> shape, TensorOptions options, Where where) {
  return random(std::move(shape), options, std::normal_distribution<double>(0.0, 1.0), "randn", where);
}

namespace {
std::vector<int64_t> shapeOf(const Tensor &t, std::string_view name, const Where &where) {
  trace::check(t, name, where);
  return std::vector<int64_t>(t.sizes().begin(), t.sizes().end());
}
}  // namespace

namespace {
TensorOptions optionsOf(const Tensor &t) { return TensorOptions(t.dtype()).device(t.device()); }
}  // namespace

Tensor zeros_like(const Tensor &t, Where where) { return zeros(shapeOf(t, "zeros_like", where), optionsOf(t), where); }
Tensor ones_like(const Tensor &t, Where where) { return ones(shapeOf(t, "ones_like", where), optionsOf(t), where); }
Tensor full_like(const Tensor &t, Scalar value, Where where) {
  return full(shapeOf(t, "full_like", where), value, optionsOf(t), where);
}
Tensor rand_like(const Tensor &t, Where where) { return rand(shapeOf(t, "rand_like", where), optionsOf(t), where); }
Tensor randn_like(const Tensor &t, Where where) { return randn(shapeOf(t, "randn_like", where), optionsOf(t), where); }

}  // namespace fusor
