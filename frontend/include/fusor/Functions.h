// Tensor ops as free functions and operators (libtorch names and semantics).
#pragma once

#include <optional>
#include <string_view>

#include "fusor/Tensor.h"

namespace fusor {

// Factories. Data from the host is copied; values come out in row-major order. from_vector
// and the factories below put the tensor on the default device (as torch.tensor does);
// from_blob always makes a CPU tensor.
template <typename T>
Tensor from_vector(const std::vector<T> &values, std::vector<int64_t> shape,
                   Where where = Where::current());
template <typename T>
Tensor from_blob(const T *data, std::vector<int64_t> shape, Where where = Where::current());
Tensor zeros(std::vector<int64_t> shape, TensorOptions options = {}, Where where = Where::current());
Tensor ones(std::vector<int64_t> shape, TensorOptions options = {}, Where where = Where::current());
Tensor full(std::vector<int64_t> shape, Scalar value, TensorOptions options = {},
            Where where = Where::current());
Tensor arange(Scalar end, TensorOptions options = {}, Where where = Where::current());
Tensor arange(Scalar start, Scalar end, Scalar step = 1, TensorOptions options = {},
              Where where = Where::current());
// Uniform in [0, 1) and standard normal, from the generator seeded by manual_seed.
Tensor rand(std::vector<int64_t> shape, TensorOptions options = {}, Where where = Where::current());
Tensor randn(std::vector<int64_t> shape, TensorOptions options = {}, Where where = Where::current());
void manual_seed(uint64_t seed);
Tensor zeros_like(const Tensor &t, Where where = Where::current());
Tensor ones_like(const Tensor &t, Where where = Where::current());
Tensor full_like(const Tensor &t, Scalar value, Where where = Where::current());
Tensor rand_like(const Tensor &t, Where where = Where::current());
Tensor randn_like(const Tensor &t, Where where = Where::current());

// Elementwise, unary.
Tensor neg(const Tensor &x, Where where = Where::current());
Tensor abs(const Tensor &x, Where where = Where::current());
Tensor relu(const Tensor &x, Where where = Where::current());
Tensor exp(const Tensor &x, Where where = Where::current());
Tensor log(const Tensor &x, Where where = Where::current());
Tensor sqrt(const Tensor &x, Where where = Where::current());
Tensor rsqrt(const Tensor &x, Where where = Where::current());
Tensor tanh(const Tensor &x, Where where = Where::current());
Tensor sigmoid(const Tensor &x, Where where = Where::current());
Tensor silu(const Tensor &x, Where where = Where::current());
// approximate: "none" (erf) or "tanh", as torch.nn.functional.gelu.
Tensor gelu(const Tensor &x, std::string_view approximate = "none", Where where = Where::current());
Tensor sin(const Tensor &x, Where where = Where::current());
Tensor cos(const Tensor &x, Where where = Where::current());
Tensor erf(const Tensor &x, Where where = Where::current());
Tensor floor(const Tensor &x, Where where = Where::current());
Tensor ceil(const Tensor &x, Where where = Where::current());
Tensor logical_not(const Tensor &x, Where where = Where::current());

// Elementwise, binary: NumPy broadcasting and torch type promotion.
Tensor add(const Tensor &a, const Tensor &b, Where where = Where::current());
Tensor sub(const Tensor &a, const Tensor &b, Where where = Where::current());
Tensor mul(const Tensor &a, const Tensor &b, Where where = Where::current());
Tensor div(const Tensor &a, const Tensor &b, Where where = Where::current());  // true division
Tensor pow(const Tensor &a, const Tensor &b, Where where = Where::current());
Tensor pow(const Tensor &a, Scalar exponent, Where where = Where::current());
// With a number operand (torch::add(tensor, 2)): typed as the operators are.
Tensor add(const Tensor &a, Scalar b, Where where = Where::current());
Tensor sub(const Tensor &a, Scalar b, Where where = Where::current());
Tensor mul(const Tensor &a, Scalar b, Where where = Where::current());
Tensor div(const Tensor &a, Scalar b, Where where = Where::current());
Tensor maximum(const Tensor &a, const Tensor &b, Where where = Where::current());
Tensor minimum(const Tensor &a, const Tensor &b, Where where = Where::current());
Tensor eq(const Tensor &a, const Tensor &b, Where where = Where::current());
Tensor ne(const Tensor &a, const Tensor &b, Where where = Where::current());
Tensor lt(const Tensor &a, const Tensor &b, Where where = Where::current());
Tensor le(const Tensor &a, const Tensor &b, Where where = Where::current());
Tensor gt(const Tensor &a, const Tensor &b, Where where = Where::current());
Tensor ge(const Tensor &a, const Tensor &b, Where where = Where::current());
Tensor logical_and(const Tensor &a, const Tensor &b, Where where = Where::current());
Tensor logical_or(const Tensor &a, const Tensor &b, Where where = Where::current());
Tensor where(const Tensor &condition, const Tensor &a, const Tensor &b,
             Where where = Where::current());

// Values below min become min, above max become max (either bound may be left out).
Tensor clamp(const Tensor &x, std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt,
             Where where = Where::current());

// A rank-0 tensor holding `value` (as torch.tensor(value)).
Tensor scalar_tensor(Scalar value, DType dtype, Where where = Where::current());

#define FUSOR_DECLARE_OPERATOR(op)                   \
  Tensor operator op(const Tensor &a, TensorArg b);  \
  Tensor operator op(const Tensor &a, Scalar b);     \
  Tensor operator op(Scalar a, TensorArg b);
FUSOR_DECLARE_OPERATOR(+)
FUSOR_DECLARE_OPERATOR(-)
FUSOR_DECLARE_OPERATOR(*)
FUSOR_DECLARE_OPERATOR(/)
FUSOR_DECLARE_OPERATOR(==)
FUSOR_DECLARE_OPERATOR(!=)
FUSOR_DECLARE_OPERATOR(<)
FUSOR_DECLARE_OPERATOR(<=)
FUSOR_DECLARE_OPERATOR(>)
FUSOR_DECLARE_OPERATOR(>=)
#undef FUSOR_DECLARE_OPERATOR
Tensor operator-(TensorArg x);

// Reductions (dims may be negative).
Tensor sum(const Tensor &x, std::vector<int64_t> dims, bool keepdim = false, Where where = Where::current());
Tensor mean(const Tensor &x, std::vector<int64_t> dims, bool keepdim = false, Where where = Where::current());
Tensor amax(const Tensor &x, std::vector<int64_t> dims, bool keepdim = false, Where where = Where::current());
Tensor amin(const Tensor &x, std::vector<int64_t> dims, bool keepdim = false, Where where = Where::current());
Tensor argmax(const Tensor &x, int64_t dim, bool keepdim = false, Where where = Where::current());
// Over all elements (torch.prod(x), torch.max(x), torch.min(x)).
Tensor prod(const Tensor &x, Where where = Where::current());
Tensor max(const Tensor &x, Where where = Where::current());
Tensor min(const Tensor &x, Where where = Where::current());

// Composites.
Tensor softmax(const Tensor &x, int64_t dim, Where where = Where::current());
Tensor log_softmax(const Tensor &x, int64_t dim, Where where = Where::current());
Tensor layer_norm(const Tensor &x, std::vector<int64_t> normalized_shape,
                  const Tensor &weight = {}, const Tensor &bias = {}, double eps = 1e-5,
                  Where where = Where::current());
Tensor matmul(const Tensor &a, const Tensor &b, Where where = Where::current());
// x @ weight^T + bias, as torch.nn.functional.linear.
Tensor linear(const Tensor &x, const Tensor &weight, const Tensor &bias = {},
              Where where = Where::current());

// Convolution and pooling over NCHW tensors, as torch.nn.functional. `padding` is 2 values
// (both sides of height, width) or 4 (top, left, bottom, right); an empty `stride` of a pool
// means the kernel size.
Tensor conv2d(const Tensor &input, const Tensor &weight, const Tensor &bias = {},
              std::vector<int64_t> stride = {1, 1}, std::vector<int64_t> padding = {0, 0},
              std::vector<int64_t> dilation = {1, 1}, int64_t groups = 1,
              Where where = Where::current());
Tensor max_pool2d(const Tensor &input, std::vector<int64_t> kernel_size,
                  std::vector<int64_t> stride = {}, std::vector<int64_t> padding = {0, 0},
                  std::vector<int64_t> dilation = {1, 1}, bool ceil_mode = false,
                  Where where = Where::current());
Tensor avg_pool2d(const Tensor &input, std::vector<int64_t> kernel_size,
                  std::vector<int64_t> stride = {}, std::vector<int64_t> padding = {0, 0},
                  bool ceil_mode = false, bool count_include_pad = true,
                  Where where = Where::current());
// Inference batch normalization over dim 1 with running statistics (weight, bias optional).
Tensor batch_norm(const Tensor &input, const Tensor &running_mean, const Tensor &running_var,
                  const Tensor &weight = {}, const Tensor &bias = {}, double eps = 1e-5,
                  Where where = Where::current());

// Shapes.
// Constant padding, as torch.nn.functional.pad: `pad` holds (before, after) pairs starting
// from the last dim; negative sizes crop.
Tensor pad(const Tensor &x, std::vector<int64_t> pad, Scalar value = 0, Where where = Where::current());
Tensor cat(const std::vector<Tensor> &tensors, int64_t dim = 0, Where where = Where::current());
Tensor index_select(const Tensor &x, int64_t dim, const Tensor &index, Where where = Where::current());
Tensor gather(const Tensor &x, int64_t dim, const Tensor &index, Where where = Where::current());

}  // namespace fusor
