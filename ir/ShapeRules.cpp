#include "fusor/ir/ShapeRules.h"

#include <algorithm>
#include <optional>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace fusor::shape {
namespace {

std::string extent(int64_t e) { return isDynamic(e) ? "?" : std::to_string(e); }

// Checks each dim of an attribute list against the rank; returns the first problem.
std::string checkListSize(const char *what, size_t size, size_t rank) {
  if (size == rank) return {};
  return fmt::format("{} has {} {} but the input has rank {}", what, size,
                     size == 1 ? "entry" : "entries", rank);
}

// Merges extents that must be equal; kDynamic is compatible with anything.
bool mergeEqual(int64_t a, int64_t b, int64_t &out) {
  if (isDynamic(a)) return out = b, true;
  if (isDynamic(b)) return out = a, true;
  out = a;
  return a == b;
}

// a + b or a * b of non-negative extents, or nullopt when that does not fit in int64_t.
std::optional<int64_t> checkedAdd(int64_t a, int64_t b) {
  int64_t out;
  return __builtin_add_overflow(a, b, &out) ? std::nullopt : std::optional(out);
}
std::optional<int64_t> checkedMul(int64_t a, int64_t b) {
  int64_t out;
  return __builtin_mul_overflow(a, b, &out) ? std::nullopt : std::optional(out);
}

const char *kTooLarge = "the result has more than 2^63 elements along a dim or in all";

}  // namespace

bool isDynamic(int64_t extent) { return extent == kDynamic; }

int64_t numel(ShapeRef shape) {
  int64_t n = 1;
  for (int64_t e : shape) {
    if (isDynamic(e)) return kDynamic;
    // Saturates, so that an absurd shape never equals a real count.
    n = checkedMul(n, e).value_or(std::numeric_limits<int64_t>::max());
  }
  return n;
}

std::string toString(ShapeRef shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += 'x';
    s += extent(shape[i]);
  }
  return s;
}

int64_t normalizeDim(int64_t dim, int64_t rank) {
  if (dim < -rank || dim >= rank) return -1;
  return dim < 0 ? dim + rank : dim;
}

ShapeOr broadcast(std::span<const ShapeRef> shapes) {
  size_t rank = 0;
  for (ShapeRef s : shapes) rank = std::max(rank, s.size());
  Shape result(rank, 1);
  for (size_t i = 0; i < rank; ++i) {  // i counts from the last dim
    int64_t known = 1;                 // the non-1 static extent seen so far, else 1
    bool sawDynamic = false;
    for (ShapeRef s : shapes) {
      if (i >= s.size()) continue;
      int64_t e = s[s.size() - 1 - i];
      if (isDynamic(e)) {
        sawDynamic = true;
      } else if (e != 1) {
        if (known != 1 && known != e)
          return ShapeOr::fail(fmt::format(
              "shapes are not broadcastable: dim {} (from the right) has sizes {} and {}", i,
              known, e));
        known = e;
      }
    }
    result[rank - 1 - i] = (known == 1 && sawDynamic) ? kDynamic : known;
  }
  return {result, {}};
}

ShapeOr broadcast(ShapeRef a, ShapeRef b) {
  ShapeRef both[] = {a, b};
  return broadcast(both);
}

ShapeOr broadcastTo(ShapeRef from, ShapeRef to) {
  if (from.size() > to.size())
    return ShapeOr::fail(fmt::format("cannot broadcast rank {} down to rank {}", from.size(),
                                     to.size()));
  Shape result(to.begin(), to.end());
  size_t offset = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i) {
    int64_t f = from[i], &t = result[offset + i];
    if (f == 1 || isDynamic(f)) continue;
    if (isDynamic(t)) t = f;
    if (t != f)
      return ShapeOr::fail(fmt::format("dim {} of size {} cannot broadcast to size {}", i, f, t));
  }
  return {result, {}};
}

ShapeOr matmul(ShapeRef lhs, ShapeRef rhs) {
  if (lhs.empty() || rhs.empty())
    return ShapeOr::fail("both operands must have rank >= 1 (a rank-0 operand needs mul)");
  // Promote 1-D operands to matrices as torch.matmul does: [K] -> [1, K] on the left and
  // [K] -> [K, 1] on the right; the added dim is dropped from the result.
  Shape l(lhs.begin(), lhs.end()), r(rhs.begin(), rhs.end());
  if (l.size() == 1) l.insert(l.begin(), 1);
  if (r.size() == 1) r.push_back(1);
  int64_t kl = l.back(), kr = r[r.size() - 2], k;
  if (!mergeEqual(kl, kr, k))
    return ShapeOr::fail(fmt::format("inner dimensions differ: {} vs {}", kl, kr));
  ShapeRef batchL(l.data(), l.size() - 2), batchR(r.data(), r.size() - 2);
  ShapeOr batch = broadcast(batchL, batchR);
  if (!batch.ok()) return ShapeOr::fail("batch dims: " + batch.error);
  Shape result = std::move(batch.shape);
  if (lhs.size() > 1) result.push_back(l[l.size() - 2]);
  if (rhs.size() > 1) result.push_back(r.back());
  return {result, {}};
}

ShapeOr reduce(ShapeRef input, std::span<const int64_t> dims, bool keepdim) {
  std::vector<bool> reduced(input.size(), false);
  for (int64_t d : dims) {
    if (d < 0 || d >= static_cast<int64_t>(input.size()))
      return ShapeOr::fail(fmt::format("reduction dim {} is out of range for rank {}", d,
                                       input.size()));
    if (reduced[d]) return ShapeOr::fail(fmt::format("reduction dim {} is repeated", d));
    reduced[d] = true;
  }
  Shape result;
  for (size_t i = 0; i < input.size(); ++i) {
    if (!reduced[i])
      result.push_back(input[i]);
    else if (keepdim)
      result.push_back(1);
  }
  return {result, {}};
}

ShapeOr transpose(ShapeRef input, std::span<const int64_t> perm) {
  if (std::string e = checkListSize("permutation", perm.size(), input.size()); !e.empty())
    return ShapeOr::fail(e);
  std::vector<bool> seen(input.size(), false);
  Shape result;
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(input.size()) || seen[p])
      return ShapeOr::fail(fmt::format("[{}] is not a permutation of 0..{}",
                                       fmt::join(perm, ", "), input.size() - 1));
    seen[p] = true;
    result.push_back(input[p]);
  }
  return {result, {}};
}

ShapeOr reshape(ShapeRef input, ShapeRef target) {
  int64_t dynamicCount = 0, staticProduct = 1;
  for (int64_t e : target) {
    if (isDynamic(e))
      ++dynamicCount;
    else if (e < 0)
      return ShapeOr::fail(fmt::format("target size {} is negative", e));
    else if (auto product = checkedMul(staticProduct, e))
      staticProduct = *product;
    else
      return ShapeOr::fail(kTooLarge);
  }
  Shape result(target.begin(), target.end());
  int64_t count = numel(input);
  if (isDynamic(count)) return {result, {}};  // several `?` may each keep an input `?` dim
  if (dynamicCount > 1)
    return ShapeOr::fail("the target shape may have at most one dynamic ('?') size");
  if (dynamicCount == 0) {
    if (staticProduct != count)
      return ShapeOr::fail(fmt::format("element counts differ: {} vs {}", count, staticProduct));
    return {result, {}};
  }
  if (staticProduct == 0 || count % staticProduct != 0)
    return ShapeOr::fail(fmt::format("{} elements cannot be split into sizes {}", count,
                                     toString(target)));
  std::replace(result.begin(), result.end(), kDynamic, count / staticProduct);
  return {result, {}};
}

ShapeOr slice(ShapeRef input, std::span<const int64_t> starts, std::span<const int64_t> stops,
              std::span<const int64_t> steps) {
  for (auto [name, list] : {std::pair{"starts", starts}, {"stops", stops}, {"steps", steps}})
    if (std::string e = checkListSize(name, list.size(), input.size()); !e.empty())
      return ShapeOr::fail(e);
  Shape result;
  for (size_t i = 0; i < input.size(); ++i) {
    int64_t start = starts[i], stop = stops[i], step = steps[i];
    if (start < 0 || stop < start || step < 1)
      return ShapeOr::fail(fmt::format(
          "dim {}: need 0 <= start <= stop and step >= 1, got start {}, stop {}, step {}", i,
          start, stop, step));
    if (isDynamic(input[i])) {
      result.push_back(kDynamic);
      continue;
    }
    int64_t begin = std::min(start, input[i]), end = std::min(stop, input[i]);
    result.push_back(end > begin ? (end - begin - 1) / step + 1 : 0);
  }
  return {result, {}};
}

std::vector<int64_t> stopsToEndOfDynamicDims(std::vector<int64_t> stops, ShapeRef input) {
  for (size_t d = 0; d < stops.size() && d < input.size(); ++d)
    if (isDynamic(input[d])) stops[d] = std::numeric_limits<int64_t>::max();
  return stops;
}

ShapeOr concat(std::span<const ShapeRef> inputs, int64_t dim) {
  if (inputs.empty()) return ShapeOr::fail("needs at least one input");
  size_t rank = inputs[0].size();
  if (rank == 0) return ShapeOr::fail("cannot concatenate rank-0 tensors");
  if (dim < 0 || dim >= static_cast<int64_t>(rank))
    return ShapeOr::fail(fmt::format("dim {} is out of range for rank {}", dim, rank));
  Shape result(inputs[0].begin(), inputs[0].end());
  for (size_t n = 1; n < inputs.size(); ++n) {
    ShapeRef in = inputs[n];
    if (in.size() != rank)
      return ShapeOr::fail(
          fmt::format("input {} has rank {} but input 0 has rank {}", n, in.size(), rank));
    for (size_t i = 0; i < rank; ++i) {
      if (static_cast<int64_t>(i) == dim) {
        if (isDynamic(result[i]) || isDynamic(in[i])) {
          result[i] = kDynamic;
        } else if (auto sum = checkedAdd(result[i], in[i])) {
          result[i] = *sum;
        } else {
          return ShapeOr::fail(kTooLarge);
        }
      } else if (!mergeEqual(result[i], in[i], result[i])) {
        return ShapeOr::fail(fmt::format("input {} has size {} in dim {} where earlier inputs "
                                         "have {}",
                                         n, in[i], i, extent(result[i])));
      }
    }
  }
  return {result, {}};
}

ShapeOr pad(ShapeRef input, std::span<const int64_t> low, std::span<const int64_t> high) {
  for (auto [name, list] : {std::pair{"low", low}, {"high", high}})
    if (std::string e = checkListSize(name, list.size(), input.size()); !e.empty())
      return ShapeOr::fail(e);
  Shape result;
  for (size_t i = 0; i < input.size(); ++i) {
    if (low[i] < 0 || high[i] < 0)
      return ShapeOr::fail(fmt::format("dim {}: padding must be non-negative, got low {}, "
                                       "high {}",
                                       i, low[i], high[i]));
    if (isDynamic(input[i])) {
      result.push_back(kDynamic);
      continue;
    }
    std::optional<int64_t> padded = checkedAdd(input[i], low[i]);
    if (padded) padded = checkedAdd(*padded, high[i]);
    if (!padded) return ShapeOr::fail(kTooLarge);
    result.push_back(*padded);
  }
  return {result, {}};
}

ShapeOr windowExtent(int64_t input, int64_t kernel, int64_t stride, int64_t padLow,
                     int64_t padHigh, int64_t dilation, bool ceilMode) {
  if (isDynamic(input)) return {{kDynamic}, {}};
  std::optional<int64_t> padded = checkedAdd(input, padLow);
  if (padded) padded = checkedAdd(*padded, padHigh);
  std::optional<int64_t> effective = checkedMul(dilation, kernel - 1);
  if (!padded || !effective) return ShapeOr::fail(kTooLarge);
  int64_t span = *padded - (*effective + 1);
  if (span < 0)
    return ShapeOr::fail(fmt::format("the window ({} with dilation {}) is larger than the padded "
                                     "input ({})",
                                     kernel, dilation, *padded));
  int64_t out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceilMode && (out - 1) * stride >= input + padLow) --out;
  return {{out}, {}};
}

namespace {

std::string checkWindow(const Window2d &w) {
  for (auto [name, list, size] : {std::tuple{"kernel", w.kernel, size_t{2}}, {"strides", w.strides, size_t{2}},
                                  {"pads", w.pads, size_t{4}}, {"dilations", w.dilations, size_t{2}}})
    if (list.size() != size)
      return fmt::format("{} needs {} entries, got {}", name, size, list.size());
  for (int i = 0; i < 2; ++i)
    if (w.kernel[i] < 1 || w.strides[i] < 1 || w.dilations[i] < 1)
      return fmt::format("kernel, strides and dilations must be positive, got kernel [{}], "
                         "strides [{}], dilations [{}]",
                         fmt::join(w.kernel, ", "), fmt::join(w.strides, ", "),
                         fmt::join(w.dilations, ", "));
  for (int64_t p : w.pads)
    if (p < 0) return fmt::format("pads must be non-negative, got [{}]", fmt::join(w.pads, ", "));
  return {};
}

// [N, channels, OH, OW] for `window` over `input` (rank checked by the caller).
ShapeOr windowed(ShapeRef input, int64_t channels, const Window2d &w) {
  Shape result = {input[0], channels};
  for (int i = 0; i < 2; ++i) {
    ShapeOr e = windowExtent(input[2 + i], w.kernel[i], w.strides[i], w.pads[i], w.pads[2 + i],
                             w.dilations[i], w.ceilMode);
    if (!e.ok()) return ShapeOr::fail(fmt::format("spatial dim {}: {}", i, e.error));
    result.push_back(e.shape[0]);
  }
  return {result, {}};
}

}  // namespace

ShapeOr conv2d(ShapeRef input, ShapeRef weight, const Window2d &window, int64_t groups) {
  if (input.size() != 4 || weight.size() != 4)
    return ShapeOr::fail(fmt::format("needs a rank-4 input [N, C, H, W] and weight [O, C/groups, "
                                     "KH, KW], got ranks {} and {}",
                                     input.size(), weight.size()));
  if (std::string e = checkWindow(window); !e.empty()) return ShapeOr::fail(e);
  if (groups < 1) return ShapeOr::fail(fmt::format("groups must be positive, got {}", groups));
  if (isDynamic(weight[0]) || isDynamic(weight[1]) || weight[2] != window.kernel[0] ||
      weight[3] != window.kernel[1])
    return ShapeOr::fail("the weight's kernel size must be static and match the window");
  if (weight[0] % groups != 0)
    return ShapeOr::fail(fmt::format("{} output channels do not split into {} groups", weight[0], groups));
  std::optional<int64_t> channels = checkedMul(weight[1], groups);
  if (!channels) return ShapeOr::fail(kTooLarge);
  if (!isDynamic(input[1]) && input[1] != *channels)
    return ShapeOr::fail(fmt::format("the input has {} channels but the weight takes {} x {} groups",
                                     input[1], weight[1], groups));
  return windowed(input, weight[0], window);
}

ShapeOr pool2d(ShapeRef input, const Window2d &window) {
  if (input.size() != 4)
    return ShapeOr::fail(fmt::format("needs a rank-4 input [N, C, H, W], got rank {}", input.size()));
  if (std::string e = checkWindow(window); !e.empty()) return ShapeOr::fail(e);
  return windowed(input, input[1], window);
}

ShapeOr indexSelect(ShapeRef input, ShapeRef indices, int64_t dim) {
  if (dim < 0 || dim >= static_cast<int64_t>(input.size()))
    return ShapeOr::fail(fmt::format("dim {} is out of range for rank {}", dim, input.size()));
  Shape result(input.begin(), input.begin() + dim);
  result.insert(result.end(), indices.begin(), indices.end());
  result.insert(result.end(), input.begin() + dim + 1, input.end());
  return {result, {}};
}

ShapeOr gather(ShapeRef input, ShapeRef indices, int64_t dim) {
  if (indices.size() != input.size())
    return ShapeOr::fail(fmt::format("indices have rank {} but the input has rank {}",
                                     indices.size(), input.size()));
  if (dim < 0 || dim >= static_cast<int64_t>(input.size()))
    return ShapeOr::fail(fmt::format("dim {} is out of range for rank {}", dim, input.size()));
  for (size_t i = 0; i < input.size(); ++i) {
    if (static_cast<int64_t>(i) == dim || isDynamic(input[i]) || isDynamic(indices[i])) continue;
    if (indices[i] > input[i])
      return ShapeOr::fail(fmt::format("indices have size {} in dim {} but the input only {}",
                                       indices[i], i, input[i]));
  }
  return {Shape(indices.begin(), indices.end()), {}};
}

}  // namespace fusor::shape
