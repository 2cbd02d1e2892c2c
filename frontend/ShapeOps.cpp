// Shape and data-movement ops.
#include <algorithm>

#include "Trace.h"
#include "Views.h"
#include "fusor/Functions.h"
#include "fusor/runtime/cuda/Devices.h"

namespace fusor {
using ir::OpKind;
using trace::cast;
using trace::check;
using trace::fail;

namespace {

shape::Shape shapeOf(const Tensor &t) { return shape::Shape(t.sizes().begin(), t.sizes().end()); }

std::string listString(const std::vector<int64_t> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

shape::Shape sizesOf(const Tensor &t) { return shape::Shape(t.sizes().begin(), t.sizes().end()); }

// `alwaysView`: squeeze/unsqueeze, views in torch whatever the strides; reshape/flatten of a
// non-contiguous view copy there, so they are tensors of their own here.
Tensor reshapeTo(const Tensor &x, shape::Shape shape, const Where &where, bool alwaysView = false) {
  if (shape == shapeOf(x)) return x;
  Tensor out = trace::make(OpKind::Reshape, x.dtype(), shape, {x}, where);
  if (!alwaysView && views::nonContiguousView(x)) return out;
  views::link(out, x, [shape, where](const Tensor &b) { return b.reshape(shape, where); },
              [where](const Tensor &b, const Tensor &v) { return v.reshape(sizesOf(b), where); });
  return out;
}

}  // namespace

Tensor Tensor::reshape(std::vector<int64_t> shape, Where where) const {
  check(*this, "reshape", where);
  const std::vector<int64_t> requested = shape;
  int64_t inferred = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (inferred >= 0) fail("reshape", "only one size may be -1 in " + listString(shape), {this}, where);
      inferred = static_cast<int64_t>(i);
      shape[i] = shape::kDynamic;
    } else if (shape[i] < 0) {
      fail("reshape", "invalid size " + std::to_string(shape[i]) + " in " + listString(shape), {this}, where);
    }
  }
  shape::ShapeOr r = shape::reshape(sizes(), shape);
  if (!r.ok()) fail("reshape", "cannot view as " + listString(requested) + ": " + r.error, {this}, where);
  return reshapeTo(*this, r.shape, where);
}

Tensor Tensor::view(std::vector<int64_t> shape, Where where) const { return reshape(std::move(shape), where); }

Tensor Tensor::permute(std::vector<int64_t> dims, Where where) const {
  check(*this, "permute", where);
  if (static_cast<int64_t>(dims.size()) != dim())
    fail("permute", "needs " + std::to_string(dim()) + " dims, got " + listString(dims), {this}, where);
  for (int64_t &d : dims) d = trace::normalizeDim(d, dim(), "permute", *this, where);
  shape::Shape shape = trace::unwrap(shape::transpose(sizes(), dims), "permute", {this}, where);
  bool identity = true;
  for (size_t i = 0; i < dims.size(); ++i) identity &= dims[i] == static_cast<int64_t>(i);
  if (identity) return *this;
  Tensor t = trace::make(OpKind::Transpose, dtype(), std::move(shape), {*this}, where);
  t.node()->attrs = ir::TransposeAttrs{dims};
  std::vector<int64_t> inverse(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) inverse[dims[i]] = static_cast<int64_t>(i);
  // Contiguous when the dims of size above 1 keep their order.
  int64_t last = -1;
  bool ordered = true;
  for (int64_t d : dims) {
    if (sizes()[d] == 1) continue;
    ordered = ordered && d > last;
    last = std::max(last, d);
  }
  views::link(t, *this, [dims, where](const Tensor &b) { return b.permute(dims, where); },
              [inverse, where](const Tensor &, const Tensor &v) { return v.permute(inverse, where); }, {}, false,
              ordered);
  return t;
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1, Where where) const {
  check(*this, "transpose", where);
  if (dim() == 0) return *this;
  std::vector<int64_t> perm(dim());
  for (int64_t i = 0; i < dim(); ++i) perm[i] = i;
  std::swap(perm[trace::normalizeDim(dim0, dim(), "transpose", *this, where)],
            perm[trace::normalizeDim(dim1, dim(), "transpose", *this, where)]);
  return permute(perm, where);
}

Tensor Tensor::t(Where where) const {
  check(*this, "t", where);
  if (dim() > 2) fail("t", "expects a tensor of rank <= 2", {this}, where);
  return dim() < 2 ? *this : transpose(0, 1, where);
}

Tensor Tensor::unsqueeze(int64_t d, Where where) const {
  check(*this, "unsqueeze", where);
  int64_t at = trace::normalizeDim(d, dim() + 1, "unsqueeze", *this, where);
  shape::Shape shape = shapeOf(*this);
  shape.insert(shape.begin() + at, 1);
  return reshapeTo(*this, shape, where, true);
}

Tensor Tensor::squeeze(Where where) const {
  check(*this, "squeeze", where);
  shape::Shape shape;
  for (int64_t s : sizes())
    if (s != 1) shape.push_back(s);
  return reshapeTo(*this, shape, where, true);
}

Tensor Tensor::squeeze(int64_t d, Where where) const {
  check(*this, "squeeze", where);
  if (dim() == 0) return *this;
  int64_t at = trace::normalizeDim(d, dim(), "squeeze", *this, where);
  if (sizes()[at] != 1) return *this;
  shape::Shape shape = shapeOf(*this);
  shape.erase(shape.begin() + at);
  return reshapeTo(*this, shape, where, true);
}

Tensor Tensor::expand(std::vector<int64_t> target, Where where) const {
  check(*this, "expand", where);
  if (target.size() < static_cast<size_t>(dim()))
    fail("expand", "cannot expand to fewer dims: " + listString(target), {this}, where);
  size_t offset = target.size() - dim();
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] != -1) continue;
    if (i < offset) fail("expand", "-1 is not allowed for a new leading dim", {this}, where);
    target[i] = sizes()[i - offset];
  }
  shape::ShapeOr r = shape::broadcastTo(sizes(), target);
  if (!r.ok()) fail("expand", "cannot expand to " + listString(target) + ": " + r.error, {this}, where);
  if (r.shape == shapeOf(*this)) return *this;
  Tensor out = trace::make(OpKind::BroadcastTo, dtype(), r.shape, {*this}, where);
  views::link(out, *this, [target = r.shape, where](const Tensor &b) { return b.expand(target, where); }, nullptr,
              "unsupported operation: more than one element of the written-to tensor refers to a single "
              "memory location (an expanded tensor); clone it first",
              false, false);
  return out;
}

Tensor Tensor::flatten(int64_t startDim, int64_t endDim, Where where) const {
  check(*this, "flatten", where);
  if (dim() == 0) return reshape({1}, where);
  int64_t s = trace::normalizeDim(startDim, dim(), "flatten", *this, where);
  int64_t e = trace::normalizeDim(endDim, dim(), "flatten", *this, where);
  if (s > e) fail("flatten", "start_dim comes after end_dim", {this}, where);
  shape::Shape shape(sizes().begin(), sizes().begin() + s);
  int64_t merged = 1;
  for (int64_t d = s; d <= e; ++d) merged *= sizes()[d];
  shape.push_back(merged);
  shape.insert(shape.end(), sizes().begin() + e + 1, sizes().end());
  return reshapeTo(*this, shape, where);
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step, Where where) const {
  check(*this, "slice", where);
  if (dim() == 0) fail("slice", "cannot slice a rank-0 tensor", {this}, where);
  int64_t at = trace::normalizeDim(d, dim(), "slice", *this, where);
  if (step <= 0) fail("slice", "step must be positive, got " + std::to_string(step), {this}, where);
  int64_t size = sizes()[at];
  auto clamp = [&](int64_t i) { return std::clamp(i < 0 ? i + size : i, int64_t{0}, size); };
  start = clamp(start);
  end = std::max(clamp(end), start);
  std::vector<int64_t> starts(dim(), 0), stops(sizes().begin(), sizes().end()), steps(dim(), 1);
  starts[at] = start;
  stops[at] = end;
  steps[at] = step;
  if (start == 0 && end == size && step == 1) return *this;
  shape::Shape shape = trace::unwrap(shape::slice(sizes(), starts, stops, steps), "slice", {this}, where);
  Tensor t = trace::make(OpKind::Slice, dtype(), std::move(shape), {*this}, where);
  t.node()->attrs = ir::SliceAttrs{std::move(starts), std::move(stops), std::move(steps)};
  views::Scatter scatter;
  if (step == 1)  // the root with the slice's region replaced: where(region, padded value, root)
    scatter = [at, start, end, where](const Tensor &b, const Tensor &v) {
      std::vector<int64_t> low(b.dim(), 0), high(b.dim(), 0);
      low[at] = start;
      high[at] = b.size(at) - end;
      Tensor region = full(sizesOf(v), true, TensorOptions(kBool).device(v.device()), where);
      return fusor::where(trace::padConstant(region, low, high, false, where),
                          trace::padConstant(v, low, high, 0, where), b, where);
    };
  // Contiguous when every dim before the sliced one has size 1 and no step skips elements.
  bool contiguous = step == 1 || end - start <= 1;
  for (int64_t d = 0; d < at; ++d) contiguous = contiguous && sizes()[d] == 1;
  views::link(t, *this, [at, start, end, step, where](const Tensor &b) { return b.slice(at, start, end, step, where); },
              scatter, "in-place changes through a slice with a step are not supported yet; clone it first", false,
              contiguous);
  return t;
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length, Where where) const {
  check(*this, "narrow", where);
  if (dim() == 0) fail("narrow", "cannot narrow a rank-0 tensor", {this}, where);
  int64_t at = trace::normalizeDim(d, dim(), "narrow", *this, where);
  int64_t size = sizes()[at];
  if (start < 0) start += size;
  if (start < 0 || length < 0 || start + length > size)
    fail("narrow", "start " + std::to_string(start) + " + length " + std::to_string(length) +
                       " exceeds size " + std::to_string(size) + " of dim " + std::to_string(at),
         {this}, where);
  return slice(at, start, start + length, 1, where);
}

namespace trace {
Tensor padConstant(const Tensor &t, const std::vector<int64_t> &low, const std::vector<int64_t> &high,
                   Scalar value, const Where &where) {
  bool none = true;
  for (size_t d = 0; d < low.size(); ++d) none &= low[d] == 0 && high[d] == 0;
  if (none) return t;
  shape::Shape shape = unwrap(shape::pad(t.sizes(), low, high), "pad", {&t}, where);
  Tensor out = make(OpKind::Pad, t.dtype(), std::move(shape), {t}, where);
  out.node()->attrs = ir::PadAttrs{low, high, literal(value)};
  return out;
}
}  // namespace trace

Tensor pad(const Tensor &x, std::vector<int64_t> pad, Scalar value, Where where) {
  check(x, "pad", where);
  if (pad.size() % 2 || static_cast<int64_t>(pad.size()) > 2 * x.dim())
    fail("pad", "needs an even number of sizes, at most two per dim, got " + listString(pad), {&x}, where);
  // pad lists (before, after) pairs from the last dim backwards; negative sizes crop.
  std::vector<int64_t> low(x.dim(), 0), high(x.dim(), 0);
  Tensor t = x;
  for (size_t i = 0; i < pad.size() / 2; ++i) {
    int64_t d = x.dim() - 1 - static_cast<int64_t>(i);
    int64_t before = pad[2 * i], after = pad[2 * i + 1];
    int64_t size = x.sizes()[d];
    if (size + before + after < 0 || (before < 0 && -before > size) || (after < 0 && -after > size))
      fail("pad", "padding " + listString(pad) + " crops dim " + std::to_string(d) + " below size 0", {&x}, where);
    if (before < 0 || after < 0)
      t = t.slice(d, std::max<int64_t>(0, -before), size - std::max<int64_t>(0, -after), 1, where);
    low[d] = std::max<int64_t>(0, before);
    high[d] = std::max<int64_t>(0, after);
  }
  return trace::padConstant(t, low, high, value, where);
}

Tensor Tensor::to(DType dtype, Where where) const { return cast(check(*this, "to", where), dtype, where); }

Tensor cat(const std::vector<Tensor> &tensors, int64_t dim, Where where) {
  if (tensors.empty()) fail("cat", "needs at least one tensor", {}, where);
  DType common = tensors[0].dtype();
  std::vector<shape::Shape> shapes;
  for (const Tensor &t : tensors) {
    check(t, "cat", where);
    common = promoteTypes(common, t.dtype());
    shapes.push_back(shapeOf(t));
  }
  int64_t d = trace::normalizeDim(dim, tensors[0].dim(), "cat", tensors[0], where);
  std::vector<shape::ShapeRef> refs(shapes.begin(), shapes.end());
  shape::ShapeOr r = shape::concat(refs, d);
  if (!r.ok()) {
    std::string described;
    for (const Tensor &t : tensors) described += (described.empty() ? "" : ", ") + trace::describe(t);
    fail("cat", r.error + " (operands: " + described + ")", {}, where);
  }
  if (tensors.size() == 1) return cast(tensors[0], common, where);
  std::vector<Tensor> inputs;
  for (const Tensor &t : tensors) inputs.push_back(cast(t, common, where));
  Tensor t = trace::make(OpKind::Concat, common, r.shape, std::move(inputs), where);
  t.node()->attrs = ir::DimAttrs{d};
  return t;
}

namespace {
Tensor indexOp(OpKind op, const Tensor &x, int64_t dim, const Tensor &index, std::string_view name,
               const Where &where) {
  check(x, name, where);
  check(index, name, where);
  if (index.dtype() != kInt64 && index.dtype() != kInt32)
    fail(name, "index must be int64 or int32", {&x, &index}, where);
  if (x.dim() == 0) fail(name, "cannot index a rank-0 tensor", {&x, &index}, where);
  int64_t d = trace::normalizeDim(dim, x.dim(), name, x, where);
  shape::ShapeOr r = op == OpKind::Gather ? shape::gather(x.sizes(), index.sizes(), d)
                                          : shape::indexSelect(x.sizes(), index.sizes(), d);
  shape::Shape shape = trace::unwrap(r, name, {&x, &index}, where);
  Tensor t = trace::make(op, x.dtype(), std::move(shape), {x, index}, where);
  t.node()->attrs = ir::DimAttrs{d};
  return t;
}
}  // namespace

Tensor index_select(const Tensor &x, int64_t dim, const Tensor &index, Where where) {
  return indexOp(OpKind::IndexSelect, x, dim, index, "index_select", where);
}
Tensor gather(const Tensor &x, int64_t dim, const Tensor &index, Where where) {
  return indexOp(OpKind::Gather, x, dim, index, "gather", where);
}

}  // namespace fusor
