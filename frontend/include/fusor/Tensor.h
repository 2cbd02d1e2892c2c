// fusor::Tensor: eager-looking tensors whose ops are recorded and compiled when needed.
#pragma once

#include <concepts>
#include <cstdint>
#include <iosfwd>
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
};

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

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(ir::NodePtr node) : node_(std::move(node)) {}

  bool defined() const { return node_ != nullptr; }
  std::span<const int64_t> sizes() const;
  int64_t size(int64_t dim, Where where = Where::current()) const;
  int64_t dim() const;
  int64_t numel() const;
  DType dtype() const;
  Device device() const { return Device(kCPU); }
  bool is_cuda() const { return device().type == kCUDA; }

  // Each realizes the tensor (compiling and running what it depends on) first.
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
  Tensor contiguous() const { return *this; }  // fusor tensors are always dense
  Tensor to(DType dtype, Where where = Where::current()) const;
  // To another device. CUDA is an error for now: without a driver, it says so; with one, it
  // says that CUDA execution is not built yet.
  Tensor to(Device device, Where where = Where::current()) const;

  const ir::NodePtr &node() const { return node_; }

 private:
  const void *realizedData(DType expected, bool exact, Where where) const;
  ir::NodePtr node_;
};

// Realizes several tensors with one compile.
void realize(std::initializer_list<Tensor> tensors, Where where = Where::current());
void realize(std::span<const Tensor> tensors, Where where = Where::current());

std::ostream &operator<<(std::ostream &os, const Tensor &t);

}  // namespace fusor
