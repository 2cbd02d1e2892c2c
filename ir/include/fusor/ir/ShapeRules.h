// Shape rules of fusor ops, in plain C++ (no MLIR): the dialect's verifiers and the graph IR
// both infer result shapes through these functions, so the two can never disagree.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace fusor::shape {

// An unknown extent; equal to mlir::ShapedType::kDynamic (checked where the dialect is built).
inline constexpr int64_t kDynamic = std::numeric_limits<int64_t>::min();

using Shape = std::vector<int64_t>;
using ShapeRef = std::span<const int64_t>;

// A shape, or the reason none exists. The reason names dims and sizes but not the operands:
// the caller adds those in its own notation (MLIR types, or torch-style sizes).
struct ShapeOr {
  Shape shape;
  std::string error;

  bool ok() const { return error.empty(); }
  static ShapeOr fail(std::string why) { return {{}, std::move(why)}; }
};

bool isDynamic(int64_t extent);
// Number of elements, or kDynamic if any extent is dynamic.
int64_t numel(ShapeRef shape);
// "2x?x3", as MLIR prints tensor shapes ("" for rank 0).
std::string toString(ShapeRef shape);

// NumPy broadcasting of any number of shapes (trailing dims aligned; 1 stretches).
ShapeOr broadcast(std::span<const ShapeRef> shapes);
ShapeOr broadcast(ShapeRef a, ShapeRef b);
// Whether `from` broadcasts to exactly `to` (as torch.broadcast_to / expand).
ShapeOr broadcastTo(ShapeRef from, ShapeRef to);

// torch.matmul: 1-D and 2-D operands, batched with broadcast batch dims.
ShapeOr matmul(ShapeRef lhs, ShapeRef rhs);

// Reduction over `dims` (each in [0, rank), no repeats); kept dims become 1.
ShapeOr reduce(ShapeRef input, std::span<const int64_t> dims, bool keepdim);

// Permutation of dims: result[i] = input[perm[i]].
ShapeOr transpose(ShapeRef input, std::span<const int64_t> perm);

// Reshape to `target`, which may hold at most one dynamic extent where the input is static
// (and it is resolved then); where the input has `?` sizes, the target may have several.
ShapeOr reshape(ShapeRef input, ShapeRef target);

// Strided slice per dim: 0 <= start, start <= stop, step >= 1; stop is clamped to the extent
// (so INT64_MAX means "to the end"), as in Python slicing.
ShapeOr slice(ShapeRef input, std::span<const int64_t> starts, std::span<const int64_t> stops,
              std::span<const int64_t> steps);

// A slice's stops with each dim that is `?` in `input` taken to its end: a program with `?`
// sizes slices such a dim whole whatever its size (the driver allows no other slice of it).
std::vector<int64_t> stopsToEndOfDynamicDims(std::vector<int64_t> stops, ShapeRef input);

// Concatenation along `dim`; the other extents must agree.
ShapeOr concat(std::span<const ShapeRef> inputs, int64_t dim);

// Constant padding with `low`/`high` (non-negative) elements before/after each dim.
ShapeOr pad(ShapeRef input, std::span<const int64_t> low, std::span<const int64_t> high);

// numpy.take / ONNX Gather: input.shape[:dim] + indices.shape + input.shape[dim+1:].
ShapeOr indexSelect(ShapeRef input, ShapeRef indices, int64_t dim);

// torch.gather / ONNX GatherElements: the result has the shape of `indices`, which has the
// input's rank and is no larger than the input in every dim but `dim`.
ShapeOr gather(ShapeRef input, ShapeRef indices, int64_t dim);

// A 2-D sliding window over NCHW: kernel (kh, kw), strides, pads (top, left, bottom, right)
// and dilations. With ceilMode the output size rounds up, as long as the last window starts
// inside the input or its top/left padding (torch's rule).
struct Window2d {
  std::span<const int64_t> kernel, strides, pads, dilations;
  bool ceilMode = false;
};

// Output extent of a window along one spatial dim (kDynamic for a dynamic input), or an error.
ShapeOr windowExtent(int64_t input, int64_t kernel, int64_t stride, int64_t padLow,
                     int64_t padHigh, int64_t dilation, bool ceilMode);

// Convolution of `input` [N, C, H, W] with `weight` [O, C / groups, KH, KW] over `window`
// (its kernel is the weight's): [N, O, OH, OW].
ShapeOr conv2d(ShapeRef input, ShapeRef weight, const Window2d &window, int64_t groups);

// Max or average pooling of `input` [N, C, H, W]: [N, C, OH, OW].
ShapeOr pool2d(ShapeRef input, const Window2d &window);

// Maps a possibly negative dim (Python style) into [0, rank); returns -1 if out of range.
int64_t normalizeDim(int64_t dim, int64_t rank);

}  // namespace fusor::shape
