// Tensor accessors, realization and printing.
#include "fusor/Tensor.h"

#include <cmath>
#include <cstdio>
#include <ostream>

#include "HostConvert.h"
#include "Pending.h"
#include "Trace.h"

namespace fusor {

namespace {
const ir::Node &nodeOf(const Tensor &t, std::string_view what) {
  if (!t.defined()) throwError("fusor::Tensor::" + std::string(what) + ": the tensor is undefined",
                               Where::current());
  return *t.node();
}
}  // namespace

std::span<const int64_t> Tensor::sizes() const { return nodeOf(*this, "sizes").shape; }
int64_t Tensor::dim() const { return static_cast<int64_t>(nodeOf(*this, "dim").shape.size()); }
int64_t Tensor::numel() const { return nodeOf(*this, "numel").numel(); }
DType Tensor::dtype() const { return nodeOf(*this, "dtype").dtype; }

int64_t Tensor::size(int64_t d, Where where) const {
  trace::check(*this, "size", where);
  return sizes()[trace::normalizeDim(d, dim(), "size", *this, where)];
}

void realize(std::span<const Tensor> tensors, Where where) {
  std::vector<ir::Node *> roots;
  for (const Tensor &t : tensors) roots.push_back(trace::check(t, "realize", where).node().get());
  pending::realize(roots);
}

void realize(std::initializer_list<Tensor> tensors, Where where) {
  realize(std::span<const Tensor>(tensors.begin(), tensors.size()), where);
}

const void *Tensor::realizedData(DType expected, bool exact, Where where) const {
  trace::check(*this, "data", where);
  if (exact && dtype() != expected)
    trace::fail("data_ptr", "the tensor holds " + std::string(toString(dtype())) + ", not " +
                                std::string(toString(expected)),
                {this}, where);
  pending::realize({node().get()});
  return node()->buffer->data();
}

template <typename T>
std::vector<T> Tensor::to_vector(Where where) const {
  if (trace::check(*this, "to_vector", where).is_cuda()) return to(kCPU, where).to_vector<T>(where);
  const void *data = realizedData(host::dtypeOf<T>(), false, where);
  std::vector<T> out(numel());
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<uint8_t> bytes(numel());
    host::convert(data, dtype(), bytes.data(), kBool, numel());
    for (size_t i = 0; i < bytes.size(); ++i) out[i] = bytes[i];
  } else {
    host::convert(data, dtype(), out.data(), host::dtypeOf<T>(), numel());
  }
  return out;
}

template <typename T>
T Tensor::item(Where where) const {
  trace::check(*this, "item", where);
  if (numel() != 1)
    trace::fail("item", "needs exactly one element, the tensor has " + std::to_string(numel()),
                {this}, where);
  return to_vector<T>(where)[0];
}

template <typename T>
const T *Tensor::data_ptr(Where where) const {
  return static_cast<const T *>(realizedData(host::dtypeOf<T>(), true, where));
}

#define FUSOR_INSTANTIATE(T)                                            \
  template std::vector<T> Tensor::to_vector<T>(Where) const;           \
  template T Tensor::item<T>(Where) const;
FUSOR_INSTANTIATE(float)
FUSOR_INSTANTIATE(double)
FUSOR_INSTANTIATE(int8_t)
FUSOR_INSTANTIATE(int32_t)
FUSOR_INSTANTIATE(int64_t)
FUSOR_INSTANTIATE(bool)
#undef FUSOR_INSTANTIATE
template const float *Tensor::data_ptr<float>(Where) const;
template const double *Tensor::data_ptr<double>(Where) const;
template const int8_t *Tensor::data_ptr<int8_t>(Where) const;
template const int32_t *Tensor::data_ptr<int32_t>(Where) const;
template const int64_t *Tensor::data_ptr<int64_t>(Where) const;

namespace {

// torch-like: nested brackets, 4 decimals for floats, elided in the middle past 1000 elements.
void printNested(std::ostream &os, const std::vector<double> &v, std::span<const int64_t> sizes,
                 size_t dim, int64_t offset, bool floating, int indent) {
  int64_t n = sizes[dim];
  int64_t stride = 1;
  for (size_t d = dim + 1; d < sizes.size(); ++d) stride *= sizes[d];
  bool elide = v.size() > 1000 && n > 6;
  os << "[";
  for (int64_t i = 0; i < n; ++i) {
    if (elide && i == 3) {
      os << "...";
      i = n - 3;
      os << (dim + 1 == sizes.size() ? ", " : ",\n" + std::string(indent + 1, ' '));
    }
    if (dim + 1 == sizes.size()) {
      double x = v[offset + i];
      char buf[32];
      if (floating) std::snprintf(buf, sizeof buf, "%.4f", x);
      else std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(x));
      os << buf;
    } else {
      printNested(os, v, sizes, dim + 1, offset + i * stride, floating, indent + 1);
    }
    if (i + 1 < n) os << (dim + 1 == sizes.size() ? ", " : ",\n" + std::string(indent + 1, ' '));
  }
  os << "]";
}

}  // namespace

std::ostream &operator<<(std::ostream &os, const Tensor &t) {
  if (!t.defined()) return os << "tensor(undefined)";
  std::vector<double> values = t.to_vector<double>();
  bool floating = isFloatingType(t.dtype());
  os << "tensor(";
  if (t.dim() == 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, floating ? "%.4f" : "%.0f", values[0]);
    os << buf;
  } else {
    printNested(os, values, t.sizes(), 0, 0, floating, 7);
  }
  return os << ", dtype=" << toString(t.dtype()) << ")";
}

}  // namespace fusor
