#include "Ops.h"

#include <cmath>
#include <functional>
#include <numeric>
#include <optional>

#include "../Trace.h"
#include "Node.h"
#include "TensorProto.h"
#include "fusor/Functions.h"

namespace fusor::onnx {
namespace {

// More elements than a Range may make: a corrupt model must not ask for terabytes.
constexpr double kMaxRangeElements = double(int64_t{1} << 32);

// As Node::axis, but a scalar takes axis 0 (or -1), as torch lets it.
int64_t normalize(const Node &n, int64_t axis, int64_t rank) { return n.axis(axis, std::max<int64_t>(rank, 1)); }

// Softmax before opset 13 works on the input coerced to 2-D at `axis`.
Tensor softmaxLike(const Node &n, bool logarithm) {
  Tensor x = n.in(0);
  int64_t rank = x.dim();
  int64_t axis = n.i("axis", n.opset() >= 13 ? -1 : 1);
  auto op = [&](const Tensor &t, int64_t d) { return logarithm ? log_softmax(t, d) : softmax(t, d); };
  if (n.opset() >= 13 || rank == 0) return op(x, axis);
  int64_t a = axis < 0 ? axis + rank : axis;
  int64_t outer = 1;
  for (int64_t d = 0; d < a; ++d) outer *= x.sizes()[d];
  return op(x.reshape({outer, -1}), 1).reshape(sizesOf(x));
}

const std::unordered_map<std::string, Handler> &handlers() {
  static const std::unordered_map<std::string, Handler> table = [] {
    std::unordered_map<std::string, Handler> h;
    auto unary = [&](const char *name, Tensor (*fn)(const Tensor &, Where)) {
      h[name] = [fn](const Node &n) { return one(fn(n.in(0), Where::current())); };
    };
    unary("Relu", relu);
    unary("Sigmoid", sigmoid);
    unary("Tanh", tanh);
    unary("Exp", exp);
    unary("Log", log);
    unary("Sqrt", sqrt);
    unary("Neg", neg);
    unary("Abs", abs);
    unary("Erf", erf);
    unary("Floor", floor);
    unary("Ceil", ceil);
    unary("Sin", sin);
    unary("Cos", cos);
    unary("Not", logical_not);
    h["Identity"] = [](const Node &n) { return one(n.in(0)); };
    h["Reciprocal"] = [](const Node &n) { Tensor x = n.in(0); return one(div(ones_like(x), x)); };
    h["Gelu"] = [](const Node &n) { return one(gelu(n.in(0), n.s("approximate", "none"))); };
    h["LeakyRelu"] = [](const Node &n) {
      Tensor x = n.in(0);
      return one(where(x >= 0, x, x * n.f("alpha", 0.01f)));
    };

    auto binary = [&](const char *name, Tensor (*fn)(const Tensor &, const Tensor &, Where)) {
      h[name] = [fn](const Node &n) { return one(fn(n.in(0), n.in(1), Where::current())); };
    };
    binary("Add", add);
    binary("Sub", sub);
    binary("Mul", mul);
    binary("Equal", eq);
    binary("Less", lt);
    binary("LessOrEqual", le);
    binary("Greater", gt);
    binary("GreaterOrEqual", ge);
    binary("And", logical_and);
    binary("Or", logical_or);
    h["Div"] = [](const Node &n) {
      Tensor a = n.in(0), b = n.in(1);
      if (isFloatingType(a.dtype())) return one(div(a, b));
      // Integer Div truncates toward zero in ONNX (fusor.div on integers does).
      return one(trace::binary(ir::OpKind::Div, a, b, a.dtype(), a.dtype(), "Div", Where::current()));
    };
    // fmod = 1: C's fmod (the dividend's sign); fmod = 0, integers only: Python's % (the
    // divisor's sign). Both from the truncating remainder x - trunc(x / y) * y.
    h["Mod"] = [](const Node &n) {
      Tensor a = n.in(0), b = n.in(1);
      bool floating = isFloatingType(a.dtype());
      bool cStyle = n.i("fmod", 0) != 0;
      if (floating && !cStyle) n.fail("floating-point inputs need fmod = 1");
      Tensor quotient;
      if (floating) {
        Tensor q = div(a, b);
        quotient = where(q < 0, ceil(q), floor(q));
      } else {
        quotient = trace::binary(ir::OpKind::Div, a, b, a.dtype(), a.dtype(), "Mod", Where::current());
      }
      Tensor r = a - quotient * b;
      if (cStyle) return one(r);
      Tensor zero = zeros({}, a.dtype());
      return one(where(logical_and(r != zero, (r < zero) != (b < zero)), r + b, r));
    };
    h["Pow"] = [](const Node &n) { Tensor a = n.in(0); return one(pow(a, n.in(1)).to(a.dtype())); };
    auto variadic = [&](const char *name, Tensor (*fn)(const Tensor &, const Tensor &, Where)) {
      h[name] = [fn](const Node &n) {
        Tensor r = n.in(0);
        for (size_t i = 1; i < n.inputs(); ++i) r = fn(r, n.in(static_cast<int>(i)), Where::current());
        return one(r);
      };
    };
    variadic("Max", maximum);
    variadic("Min", minimum);
    variadic("Sum", add);
    h["Mean"] = [](const Node &n) {
      Tensor r = n.in(0);
      for (size_t i = 1; i < n.inputs(); ++i) r = r + n.in(static_cast<int>(i));
      return one(r / static_cast<double>(n.inputs()));
    };
    h["Where"] = [](const Node &n) { return one(where(n.in(0), n.in(1), n.in(2))); };
    h["Cast"] = [](const Node &n) {
      return one(n.in(0).to(dtypeOf(static_cast<int>(n.i("to", 1)), "Cast")));
    };
    h["Clip"] = [](const Node &n) {
      Tensor x = n.in(0);
      if (n.opset() < 11) {
        if (const auto *a = n.attr("min")) x = maximum(x, scalar_tensor(a->f(), x.dtype()));
        if (const auto *a = n.attr("max")) x = minimum(x, scalar_tensor(a->f(), x.dtype()));
        return one(x);
      }
      if (n.has(1)) x = maximum(x, n.in(1));
      if (n.has(2)) x = minimum(x, n.in(2));
      return one(x);
    };
    h["Softmax"] = [](const Node &n) { return one(softmaxLike(n, false)); };
    h["LogSoftmax"] = [](const Node &n) { return one(softmaxLike(n, true)); };
    h["MatMul"] = [](const Node &n) { return one(matmul(n.in(0), n.in(1))); };
    h["Gemm"] = [](const Node &n) {
      Tensor a = n.in(0), b = n.in(1);
      if (n.i("transA", 0)) a = a.t();
      if (n.i("transB", 0)) b = b.t();
      Tensor y = matmul(a, b);
      if (float alpha = n.f("alpha", 1.0f); alpha != 1.0f) y = y * alpha;
      if (n.has(2)) {
        Tensor c = n.in(2);
        if (float beta = n.f("beta", 1.0f); beta != 1.0f) c = c * beta;
        y = y + c;
      }
      return one(y);
    };
    addWindowHandlers(h);
    addReduceHandlers(h);
    addPadHandler(h);
    addActivationHandlers(h);
    addLossHandlers(h);
    addIndexHandlers(h);
    h["Trilu"] = [](const Node &n) {
      Tensor x = n.in(0);
      if (x.dim() < 2) n.fail("needs an input of rank 2 or more");
      int64_t k = n.has(1) ? n.values(1).at(0) : 0;
      int64_t rows = x.sizes()[x.dim() - 2], cols = x.sizes()[x.dim() - 1];
      // Keeps x[..., i, j] where j - i >= k (upper) or j - i <= k (lower).
      Tensor offset = arange(cols).reshape({1, cols}) - arange(rows).reshape({rows, 1});
      Tensor keep = n.i("upper", 1) ? offset >= k : offset <= k;
      return one(where(keep, x, zeros({}, x.dtype())));
    };
    h["LayerNormalization"] = [](const Node &n) {
      Tensor x = n.in(0);
      int64_t axis = normalize(n, n.i("axis", -1), x.dim());
      std::vector<int64_t> shape(x.sizes().begin() + axis, x.sizes().end()), dims;
      for (int64_t d = axis; d < x.dim(); ++d) dims.push_back(d);
      float eps = n.f("epsilon", 1e-5f);
      std::vector<Tensor> outs = {layer_norm(x, shape, n.in(1), n.has(2) ? n.in(2) : Tensor(), eps)};
      if (n.wantsOutput(1) || n.wantsOutput(2)) {
        Tensor mean = x.mean(dims, true);
        Tensor centered = x - mean;
        outs.push_back(mean);
        outs.push_back(rsqrt((centered * centered).mean(dims, true) + eps));
      }
      return outs;
    };
    h["BatchNormalization"] = [](const Node &n) {
      if (n.i("training_mode", 0)) n.fail("training mode is not supported");
      Tensor x = n.in(0);
      std::vector<int64_t> perChannel(std::max<int64_t>(x.dim() - 1, 1), 1);
      perChannel[0] = -1;  // parameters are [C], for dim 1 of x
      auto param = [&](int i) { return n.in(i).reshape(perChannel); };
      Tensor scale = param(1) * rsqrt(param(4) + n.f("epsilon", 1e-5f));
      return one((x - param(3)) * scale + param(2));
    };
    h["GlobalAveragePool"] = [](const Node &n) {
      Tensor x = n.in(0);
      std::vector<int64_t> dims;
      for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
      return one(x.mean(dims, true));
    };
    h["Reshape"] = [](const Node &n) {
      Tensor x = n.in(0);
      std::vector<int64_t> shape = n.values(1);
      bool allowZero = n.i("allowzero", 0) != 0;
      for (size_t d = 0; d < shape.size(); ++d)
        if (shape[d] == 0 && !allowZero) {
          if (static_cast<int64_t>(d) >= x.dim()) n.fail("a 0 in the shape has no input dim to copy");
          shape[d] = x.sizes()[d];
        }
      return one(x.reshape(shape));
    };
    h["Transpose"] = [](const Node &n) {
      Tensor x = n.in(0);
      std::vector<int64_t> perm = n.ints("perm").value_or(std::vector<int64_t>{});
      if (perm.empty())
        for (int64_t d = x.dim() - 1; d >= 0; --d) perm.push_back(d);
      return one(x.permute(perm));
    };
    h["Flatten"] = [](const Node &n) {
      Tensor x = n.in(0);
      int64_t axis = n.i("axis", 1);
      if (axis < 0) axis += x.dim();
      if (axis < 0 || axis > x.dim()) n.fail("axis is out of range");
      int64_t outer = 1;
      for (int64_t d = 0; d < axis; ++d) outer *= x.sizes()[d];
      return one(x.reshape({outer, x.numel() / std::max<int64_t>(outer, 1)}));
    };
    h["Concat"] = [](const Node &n) {
      std::vector<Tensor> parts;
      for (size_t i = 0; i < n.inputs(); ++i) parts.push_back(n.in(static_cast<int>(i)));
      return one(cat(parts, n.i("axis", 0)));
    };
    h["Split"] = [](const Node &n) {
      Tensor x = n.in(0);
      int64_t axis = normalize(n, n.i("axis", 0), x.dim());
      std::vector<int64_t> sizes;
      if (n.opset() >= 13 && n.has(1)) sizes = n.values(1);
      else if (auto s = n.ints("split")) sizes = *s;
      int64_t extent = x.sizes()[axis];
      if (sizes.empty()) {  // equal parts (the last smaller, from opset 18)
        int64_t parts = n.i("num_outputs", n.node().output_size());
        int64_t each = (extent + parts - 1) / std::max<int64_t>(parts, 1);
        for (int64_t at = 0; at < extent; at += each) sizes.push_back(std::min(each, extent - at));
        while (static_cast<int64_t>(sizes.size()) < parts) sizes.push_back(0);
      }
      if (std::accumulate(sizes.begin(), sizes.end(), int64_t{0}) != extent) n.fail("split sizes do not add up");
      std::vector<Tensor> outs;
      int64_t at = 0;
      for (int64_t s : sizes) {
        outs.push_back(x.narrow(axis, at, s));
        at += s;
      }
      return outs;
    };
    h["Slice"] = [](const Node &n) {
      Tensor x = n.in(0);
      std::vector<int64_t> starts, ends, axes, steps;
      if (n.opset() >= 10) {
        starts = n.values(1);
        ends = n.values(2);
        if (n.has(3)) axes = n.values(3);
        if (n.has(4)) steps = n.values(4);
      } else {
        starts = n.ints("starts").value_or(starts);
        ends = n.ints("ends").value_or(ends);
        axes = n.ints("axes").value_or(axes);
      }
      if (axes.empty())
        for (size_t d = 0; d < starts.size(); ++d) axes.push_back(static_cast<int64_t>(d));
      for (size_t k = 0; k < axes.size(); ++k) {
        int64_t step = k < steps.size() ? steps[k] : 1;
        if (step <= 0) n.fail("negative or zero steps are not supported");
        int64_t axis = normalize(n, axes[k], x.dim());
        int64_t size = x.sizes()[axis];
        auto clampIndex = [&](int64_t v) { return std::clamp(v < 0 ? v + size : v, int64_t{0}, size); };
        x = x.slice(axis, clampIndex(starts[k]), clampIndex(ends[k]), step);
      }
      return one(x);
    };
    h["Gather"] = [](const Node &n) { return one(index_select(n.in(0), n.i("axis", 0), n.in(1))); };
    h["Squeeze"] = [](const Node &n) {
      Tensor x = n.in(0);
      std::optional<std::vector<int64_t>> axes = n.axes(1, 13);
      if (!axes || axes->empty()) return one(x.squeeze());
      std::vector<int64_t> shape;
      std::vector<bool> drop(x.dim(), false);
      for (int64_t a : *axes) {
        int64_t d = normalize(n, a, x.dim());
        if (x.sizes()[d] != 1) n.fail("cannot squeeze a dim of size " + std::to_string(x.sizes()[d]));
        drop[d] = true;
      }
      for (int64_t d = 0; d < x.dim(); ++d)
        if (!drop[d]) shape.push_back(x.sizes()[d]);
      return one(x.reshape(shape));
    };
    h["Unsqueeze"] = [](const Node &n) {
      Tensor x = n.in(0);
      std::vector<int64_t> axes = n.axes(1, 13).value_or(std::vector<int64_t>{});
      int64_t rank = x.dim() + static_cast<int64_t>(axes.size());
      std::vector<bool> inserted(rank, false);
      for (int64_t a : axes) inserted[normalize(n, a, rank)] = true;
      std::vector<int64_t> shape;
      for (int64_t d = 0, from = 0; d < rank; ++d) shape.push_back(inserted[d] ? 1 : x.sizes()[from++]);
      return one(x.reshape(shape));
    };
    h["Shape"] = [](const Node &n) {
      std::vector<int64_t> sizes = sizesOf(n.in(0));
      int64_t rank = static_cast<int64_t>(sizes.size());
      auto clampIndex = [&](int64_t v) { return std::clamp(v < 0 ? v + rank : v, int64_t{0}, rank); };
      int64_t start = clampIndex(n.i("start", 0)), end = clampIndex(n.i("end", rank));
      std::vector<int64_t> picked(sizes.begin() + start, sizes.begin() + std::max(start, end));
      return one(from_vector(picked, {static_cast<int64_t>(picked.size())}));
    };
    h["Constant"] = [](const Node &n) {
      if (const auto *a = n.attr("value")) return one(fromProto(a->t()));
      if (const auto *a = n.attr("value_float")) return one(scalar_tensor(a->f(), kFloat32));
      if (const auto *a = n.attr("value_int")) return one(scalar_tensor(a->i(), kInt64));
      if (const auto *a = n.attr("value_floats")) {
        std::vector<float> v(a->floats().begin(), a->floats().end());
        return one(from_vector(v, {static_cast<int64_t>(v.size())}));
      }
      if (const auto *a = n.attr("value_ints")) {
        std::vector<int64_t> v(a->ints().begin(), a->ints().end());
        return one(from_vector(v, {static_cast<int64_t>(v.size())}));
      }
      n.fail("only tensor, float(s) and int(s) constants are supported");
    };
    h["ConstantOfShape"] = [](const Node &n) {
      std::vector<int64_t> shape = n.values(0);
      Tensor value = n.attr("value") ? fromProto(n.attr("value")->t()) : scalar_tensor(0.0f, kFloat32);
      return one(value.reshape({}).expand(shape));
    };
    h["Expand"] = [](const Node &n) {
      Tensor x = n.in(0);
      std::vector<int64_t> target = n.values(1);
      shape::ShapeOr both = shape::broadcast(x.sizes(), target);
      if (!both.ok()) n.fail(both.error);
      return one(x.expand(both.shape));
    };
    h["CastLike"] = [](const Node &n) { return one(n.in(0).to(n.in(1).dtype())); };
    h["Size"] = [](const Node &n) { return one(scalar_tensor(n.in(0).numel(), kInt64)); };
    h["Xor"] = [](const Node &n) { return one(ne(n.in(0), n.in(1))); };
    // torch.gather's meaning; fusor's gather also reads negative indices from the end.
    h["GatherElements"] = [](const Node &n) {
      Tensor x = n.in(0);
      return one(gather(x, normalize(n, n.i("axis", 0), x.dim()), n.in(1)));
    };
    // Start, limit and delta are read now (fusor specializes on them), as Reshape's shape is.
    h["Range"] = [](const Node &n) {
      Tensor start = n.in(0), limit = n.in(1), delta = n.in(2);
      if (start.dim() || limit.dim() || delta.dim()) n.fail("start, limit and delta must be scalars");
      DType type = start.dtype();
      if (isFloatingType(type)) {
        double s = start.to(kFloat64).item<double>(), l = limit.to(kFloat64).item<double>();
        double d = delta.to(kFloat64).item<double>();
        if (d == 0) n.fail("delta is 0");
        double steps = std::ceil((l - s) / d);
        if (!(steps < kMaxRangeElements)) n.fail("would make " + std::to_string(steps) + " elements");
        int64_t count = steps > 0 ? static_cast<int64_t>(steps) : 0;
        return one((arange(count, TensorOptions().dtype(kFloat64)) * d + s).to(type));
      }
      std::vector<int64_t> v = {start.to(kInt64).item<int64_t>(), limit.to(kInt64).item<int64_t>(),
                                delta.to(kInt64).item<int64_t>()};
      if (v[2] == 0) n.fail("delta is 0");
      double steps = std::ceil((static_cast<double>(v[1]) - static_cast<double>(v[0])) / static_cast<double>(v[2]));
      if (!(steps < kMaxRangeElements)) n.fail("would make " + std::to_string(steps) + " elements");
      __int128 span = static_cast<__int128>(v[1]) - v[0];  // ceil(span / delta), without overflow
      int64_t count = static_cast<int64_t>(std::max<__int128>((span + v[2] + (v[2] > 0 ? -1 : 1)) / v[2], 0));
      return one((arange(count, TensorOptions().dtype(kInt64)) * v[2] + v[0]).to(type));
    };
    h["Dropout"] = [](const Node &n) {
      if (n.has(2) && n.in(2).to(kBool).item<bool>()) n.fail("training mode is not supported");
      Tensor x = n.in(0);
      return std::vector<Tensor>{x, ones(sizesOf(x), kBool)};
    };
    return h;
  }();
  return table;
}

}  // namespace

std::vector<Tensor> runOp(const NodeContext &ctx) {
  Node n(ctx);
  auto it = handlers().find(ctx.node.op_type());
  if (it == handlers().end()) n.fail("this op is not supported");
  return it->second(n);
}

bool isSupported(const std::string &opType) { return handlers().count(opType) != 0; }

}  // namespace fusor::onnx
