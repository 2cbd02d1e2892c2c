// fusor::Tensor: eager-looking tensors whose ops are recorded and compiled when needed.
#pragma once

#include <concepts>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <source_location>
#include <span>
#include <tuple>
#include <type_traits>
#include <vector>

#include "fusor/Error.h"
#include "fusor/ir/DType.h"
#include "fusor/ir/Graph.h"

namespace fusor {

enum class DeviceType : uint8_t { CPU, CUDA };
inline constexpr DeviceType kCPU = DeviceType::CPU;
inline constexpr DeviceType kCUDA = DeviceType::CUDA;

struct Device {
  DeviceType type = kCPU;
  int index = 0;
  Device(DeviceType t = kCPU, int i = 0) : type(t), index(i) {}
  bool operator==(const Device &) const = default;
  bool is_cuda() const { return type == kCUDA; }
  bool is_cpu() const { return type == kCPU; }
  std::string str() const { return is_cuda() ? "cuda:" + std::to_string(index) : "cpu"; }
};

// What a factory makes: torch::TensorOptions' dtype, device and requires_grad (either converts implicitly,
// so zeros({2, 3}, kCUDA) and zeros({2, 3}, kFloat64) both work). Without a device, the
// default device (set_default_device) is used.
struct TensorOptions {
  TensorOptions() = default;
  TensorOptions(DType d) : dtype_(d) {}
  TensorOptions(Device d) : device_(d) {}
  TensorOptions(DeviceType t) : device_(t) {}
  TensorOptions dtype(DType d) const { TensorOptions o = *this; o.dtype_ = d; return o; }
  TensorOptions device(Device d) const { TensorOptions o = *this; o.device_ = d; return o; }
  TensorOptions requires_grad(bool r) const { TensorOptions o = *this; o.requires_grad_ = r; return o; }
  DType dtype_or(DType fallback) const { return dtype_ ? *dtype_ : fallback; }
  std::optional<DType> dtype_;
  std::optional<Device> device_;
  bool requires_grad_ = false;
};

// Where factories put tensors when not told (torch.set_default_device); the CPU at first.
void set_default_device(Device device);
Device get_default_device();

// A number used as an operand (x + 2.5), remembering where it was written.
class Scalar {
 public:
  template <typename T>
    requires std::is_arithmetic_v<T>
  Scalar(T value, std::source_location where = std::source_location::current())
      : isFloat_(std::is_floating_point_v<T>), isBool_(std::is_same_v<T, bool>),
        real_(static_cast<double>(value)),
        integer_(std::is_floating_point_v<T> ? 0 : static_cast<int64_t>(value)), where_(where) {}

  bool isFloatingPoint() const { return isFloat_; }
  bool isBoolean() const { return isBool_; }
  double toDouble() const { return real_; }
  int64_t toLong() const { return isFloat_ ? static_cast<int64_t>(real_) : integer_; }
  const std::source_location &where() const { return where_; }

 private:
  bool isFloat_, isBool_;
  double real_;
  int64_t integer_;
  std::source_location where_;
};

class Tensor;

// A tensor operand of an operator; the conversion records where the operator was written
// (operators cannot take a defaulted std::source_location of their own).
struct TensorArg {
  TensorArg(const Tensor &t, std::source_location where = std::source_location::current())
      : tensor(t), where(where) {}
  const Tensor &tensor;
  std::source_location where;
};

using Where = std::source_location;

namespace autograd {
struct Meta;
}

// What a Tensor handle points at: the value (a graph node, replaced by in-place ops), a
// version counted up by each in-place change, and autograd state. Copies of a Tensor share it.
struct ViewLink;
struct TensorImpl {
  explicit TensorImpl(ir::NodePtr n);
  ~TensorImpl();
  ir::NodePtr node;
  uint64_t version = 0;
  std::unique_ptr<autograd::Meta> autograd;
  // A view (reshape, permute, slice, detach, ...) of another tensor: in-place changes of
  // either are seen by the other, as torch's views share storage (frontend/Views.cpp).
  std::shared_ptr<ViewLink> view;
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(ir::NodePtr node);
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  std::span<const int64_t> sizes() const;
  int64_t size(int64_t dim, Where where = Where::current()) const;
  int64_t dim() const;
  int64_t numel() const;
  DType dtype() const;
  Device device() const;
  bool is_cuda() const { return device().type == kCUDA; }

  // Each realizes the tensor (compiling and running what it depends on) first; values of a
  // CUDA tensor are copied to the host (data_ptr gives the device address, as in torch).
  template <typename T>
  std::vector<T> to_vector(Where where = Where::current()) const;
  template <typename T>
  T item(Where where = Where::current()) const;
  template <typename T>
  const T *data_ptr(Where where = Where::current()) const;

  // Reductions: over all dims, or over `dims` (negative counts from the end).
  Tensor sum(Where where = Where::current()) const;
  Tensor sum(std::vector<int64_t> dims, bool keepdim = false, Where where = Where::current()) const;
  Tensor mean(Where where = Where::current()) const;
  Tensor mean(std::vector<int64_t> dims, bool keepdim = false, Where where = Where::current()) const;
  Tensor prod(Where where = Where::current()) const;
  Tensor prod(int64_t dim, bool keepdim = false, Where where = Where::current()) const;
  Tensor max(Where where = Where::current()) const;
  Tensor min(Where where = Where::current()) const;
  // torch.max(x, dim): (values, indices).
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false, Where where = Where::current()) const;
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false, Where where = Where::current()) const;
  Tensor amax(std::vector<int64_t> dims, bool keepdim = false, Where where = Where::current()) const;
  Tensor amin(std::vector<int64_t> dims, bool keepdim = false, Where where = Where::current()) const;
  Tensor argmax(Where where = Where::current()) const;
  Tensor argmax(int64_t dim, bool keepdim = false, Where where = Where::current()) const;

  // Shapes (a -1 size in reshape/view is inferred; expand keeps a dim given as -1).
  Tensor reshape(std::vector<int64_t> shape, Where where = Where::current()) const;
  Tensor view(std::vector<int64_t> shape, Where where = Where::current()) const;
  Tensor permute(std::vector<int64_t> dims, Where where = Where::current()) const;
  Tensor transpose(int64_t dim0, int64_t dim1, Where where = Where::current()) const;
  Tensor t(Where where = Where::current()) const;
  Tensor unsqueeze(int64_t dim, Where where = Where::current()) const;
  Tensor squeeze(Where where = Where::current()) const;
  Tensor squeeze(int64_t dim, Where where = Where::current()) const;
  Tensor expand(std::vector<int64_t> sizes, Where where = Where::current()) const;
  Tensor flatten(int64_t startDim = 0, int64_t endDim = -1, Where where = Where::current()) const;
  // Python's x[start:end:step] along `dim` (negative start/end count from the end).
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1,
               Where where = Where::current()) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length, Where where = Where::current()) const;
  // Itself, or for a view torch would hold non-contiguously, a tensor of its own (in-place
  // changes then stay there).
  Tensor contiguous() const;
  Tensor to(DType dtype, Where where = Where::current()) const;
  // A copy on another device (the tensor itself if it is there already). Throws if the device
  // does not exist (fusor::cuda::is_available() says whether CUDA does).
  Tensor to(Device device, Where where = Where::current()) const;
  Tensor to(DeviceType device, Where where = Where::current()) const { return to(Device(device), where); }
  Tensor cuda(Where where = Where::current()) const { return to(Device(kCUDA), where); }
  Tensor cpu(Where where = Where::current()) const { return to(Device(kCPU), where); }

  // Autograd, as torch's. requires_grad_ marks a leaf; backward() accumulates into the grad()
  // of the leaves it reaches (scalar outputs only, unless `gradient` is given).
  const Tensor &requires_grad_(bool on = true, Where where = Where::current()) const;
  bool requires_grad() const;
  bool is_leaf() const;
  // The accumulated gradient (undefined until a backward reaches the tensor).
  const Tensor &grad() const;
  Tensor &mutable_grad() const;
  // Keeps the gradient of a non-leaf tensor in grad() too.
  void retain_grad(Where where = Where::current()) const;
  void backward(const Tensor &gradient = {}, std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false, Where where = Where::current()) const;
  // The same values, cut from the autograd graph.
  Tensor detach(Where where = Where::current()) const;
  // The name of the op whose gradient flows into this tensor ("" for leaves), as grad_fn.
  std::string grad_fn_name() const;
  // Counts in-place changes (torch's _version).
  uint64_t _version() const { return impl_ ? impl_->version : 0; }

  // In place (the tensor keeps its identity; torch's semantics and errors).
  const Tensor &add_(const Tensor &other, Scalar alpha = 1, Where where = Where::current()) const;
  const Tensor &add_(Scalar other, Where where = Where::current()) const;
  const Tensor &sub_(const Tensor &other, Scalar alpha = 1, Where where = Where::current()) const;
  const Tensor &sub_(Scalar other, Where where = Where::current()) const;
  const Tensor &mul_(const Tensor &other, Where where = Where::current()) const;
  const Tensor &mul_(Scalar other, Where where = Where::current()) const;
  const Tensor &div_(const Tensor &other, Where where = Where::current()) const;
  const Tensor &div_(Scalar other, Where where = Where::current()) const;
  const Tensor &zero_(Where where = Where::current()) const;
  const Tensor &fill_(Scalar value, Where where = Where::current()) const;
  const Tensor &copy_(const Tensor &src, Where where = Where::current()) const;
  const Tensor &clamp_(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt,
                 Where where = Where::current()) const;

  // The current value; a view whose base changed in place is brought up to date first.
  const ir::NodePtr &node() const {
    if (impl_->view) syncView();
    return impl_->node;
  }
  const std::shared_ptr<TensorImpl> &impl() const { return impl_; }

 private:
  const void *realizedData(DType expected, bool exact, Where where) const;
  void syncView() const;
  std::shared_ptr<TensorImpl> impl_;
};

// Realizes several tensors with one compile.
void realize(std::initializer_list<Tensor> tensors, Where where = Where::current());
void realize(std::span<const Tensor> tensors, Where where = Where::current());

std::ostream &operator<<(std::ostream &os, const Tensor &t);

}  // namespace fusor
