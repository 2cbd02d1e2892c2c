// Every differentiable op against float64 central finite differences and the dot-product
// test, on awkward shapes: rank 0-4, size-1 dims, primes, broadcasting and views (the table,
// as PyTorch's OpInfo). Second derivatives for elementwise ops and matmul.
#include <gtest/gtest.h>

#include "GradCheck.h"

namespace fusor::testing {
namespace {

using Shape = std::vector<int64_t>;
using Inputs = std::vector<Tensor>;

const std::vector<Shape> &unaryShapes() {
  static const std::vector<Shape> shapes = {{}, {1}, {7}, {3, 5}, {2, 1, 3}, {2, 3, 1, 5}};
  return shapes;
}

const std::vector<std::pair<Shape, Shape>> &binaryShapes() {
  static const std::vector<std::pair<Shape, Shape>> pairs = {
      {{}, {}}, {{5}, {5}}, {{3, 1}, {1, 4}}, {{}, {2, 3}}, {{5}, {2, 5}}, {{2, 1, 3}, {4, 1}}, {{1}, {3, 2, 1, 2}}};
  return pairs;
}

struct Unary {
  const char *name;
  Tensor (*f)(const Tensor &);
  double scale, shift;  // inputs: normal * scale + shift (keeps log, sqrt, ... in their domain)
};

TEST(OpGradients, Unary) {
  const Unary ops[] = {
      {"neg", [](const Tensor &x) { return neg(x); }, 1, 0},
      {"abs", [](const Tensor &x) { return abs(x); }, 1, 0},
      {"relu", [](const Tensor &x) { return relu(x); }, 1, 0},
      {"exp", [](const Tensor &x) { return exp(x); }, 1, 0},
      {"log", [](const Tensor &x) { return log(x); }, 0.2, 2},
      {"sqrt", [](const Tensor &x) { return sqrt(x); }, 0.2, 2},
      {"rsqrt", [](const Tensor &x) { return rsqrt(x); }, 0.2, 2},
      {"tanh", [](const Tensor &x) { return tanh(x); }, 1, 0},
      {"sigmoid", [](const Tensor &x) { return sigmoid(x); }, 1, 0},
      {"silu", [](const Tensor &x) { return silu(x); }, 1, 0},
      {"gelu", [](const Tensor &x) { return gelu(x); }, 1, 0},
      {"gelu_tanh", [](const Tensor &x) { return gelu(x, "tanh"); }, 1, 0},
      {"sin", [](const Tensor &x) { return sin(x); }, 1, 0},
      {"cos", [](const Tensor &x) { return cos(x); }, 1, 0},
      {"erf", [](const Tensor &x) { return erf(x); }, 1, 0},
      {"floor", [](const Tensor &x) { return floor(x); }, 3, 0},
      {"ceil", [](const Tensor &x) { return ceil(x); }, 3, 0},
      {"clamp", [](const Tensor &x) { return clamp(x, -0.5, 0.7); }, 1, 0},
      {"pow_scalar", [](const Tensor &x) { return pow(x, 3); }, 1, 0},
      {"scalar_ops", [](const Tensor &x) { return (2.5 - x) * 3.0 / (x * x + 1.0); }, 1, 0},
  };
  for (const Unary &op : ops)
    for (const Shape &s : unaryShapes()) {
      std::string what = std::string(op.name) + " " + ::testing::PrintToString(s);
      Function f = [&](const Inputs &in) { return op.f(in[0]); };
      gradcheck(f, {randomDouble(s, op.scale, op.shift)}, what);
      // A view as the input: the gradient flows back through the transpose.
      if (s.size() >= 2) {
        Function g = [&](const Inputs &in) { return op.f(in[0].transpose(0, 1)); };
        gradcheck(g, {randomDouble(s, op.scale, op.shift)}, what + " of a transpose");
      }
    }
}

TEST(OpGradients, Binary) {
  struct Op {
    const char *name;
    Tensor (*f)(const Tensor &, const Tensor &);
    double shiftA, shiftB;
  };
  const Op ops[] = {
      {"add", [](const Tensor &a, const Tensor &b) { return add(a, b); }, 0, 0},
      {"sub", [](const Tensor &a, const Tensor &b) { return sub(a, b); }, 0, 0},
      {"mul", [](const Tensor &a, const Tensor &b) { return mul(a, b); }, 0, 0},
      {"div", [](const Tensor &a, const Tensor &b) { return div(a, b); }, 0, 3},
      {"pow", [](const Tensor &a, const Tensor &b) { return pow(a, b); }, 3, 0},
      {"maximum", [](const Tensor &a, const Tensor &b) { return maximum(a, b); }, 0, 0},
      {"minimum", [](const Tensor &a, const Tensor &b) { return minimum(a, b); }, 0, 0},
      {"where", [](const Tensor &a, const Tensor &b) { return where(gt(a, b), a * 2.0, b); }, 0, 0},
  };
  for (const Op &op : ops)
    for (const auto &[sa, sb] : binaryShapes()) {
      std::string what = std::string(op.name) + " " + ::testing::PrintToString(sa) + " " + ::testing::PrintToString(sb);
      Function f = [&](const Inputs &in) { return op.f(in[0], in[1]); };
      gradcheck(f, {randomDouble(sa, 0.5, op.shiftA), randomDouble(sb, 0.5, op.shiftB)}, what);
    }
}

TEST(OpGradients, Reductions) {
  const std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
      {{}, {}}, {{1}, {0}}, {{7}, {}}, {{3, 5}, {1}}, {{3, 5}, {0}}, {{2, 1, 3}, {0, 2}}, {{2, 3, 1, 5}, {-1, 1}}};
  for (const auto &[shape, dims] : cases)
    for (bool keep : {false, true}) {
      std::string what = ::testing::PrintToString(shape) + " dims " + ::testing::PrintToString(dims) +
                         (keep ? " keepdim" : "");
      Tensor x = randomDouble(shape);
      gradcheck([&](const Inputs &in) { return sum(in[0], dims, keep); }, {x}, "sum " + what);
      gradcheck([&](const Inputs &in) { return mean(in[0], dims, keep); }, {x}, "mean " + what);
      gradcheck([&](const Inputs &in) { return amax(in[0], dims, keep); }, {x}, "amax " + what);
      gradcheck([&](const Inputs &in) { return amin(in[0], dims, keep); }, {x}, "amin " + what);
    }
  for (const Shape &s : unaryShapes()) {
    std::string what = ::testing::PrintToString(s);
    gradcheck([](const Inputs &in) { return in[0].sum(); }, {randomDouble(s)}, "sum() " + what);
    gradcheck([](const Inputs &in) { return in[0].mean(); }, {randomDouble(s)}, "mean() " + what);
    gradcheck([](const Inputs &in) { return in[0].max(); }, {randomDouble(s)}, "max() " + what);
    gradcheck([](const Inputs &in) { return in[0].min(); }, {randomDouble(s)}, "min() " + what);
    gradcheck([](const Inputs &in) { return in[0].prod(); }, {randomDouble(s, 0.5, 1)}, "prod() " + what);
    if (!s.empty())
      gradcheck([](const Inputs &in) { return std::get<0>(in[0].max(-1)); }, {randomDouble(s)}, "max(dim) " + what);
  }
  // Products with one and with two zeros.
  gradcheck([](const Inputs &in) { return in[0].prod(1); }, {from_vector<double>({1.5, 0, 2, -1, 0, 0, 3, 0.5, 2}, {3, 3})},
            "prod with zeros");
}

TEST(OpGradients, Matmul) {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{5}, {5}}, {{5}, {5, 3}}, {{4, 5}, {5}}, {{4, 5}, {5, 3}}, {{2, 4, 5}, {5, 3}}, {{4, 5}, {2, 5, 3}},
      {{3, 1, 4, 5}, {2, 5, 3}}, {{5}, {2, 5, 3}}, {{2, 4, 5}, {5}}, {{1, 1}, {1, 1}}};
  for (const auto &[sa, sb] : cases) {
    std::string what = "matmul " + ::testing::PrintToString(sa) + " " + ::testing::PrintToString(sb);
    Function f = [](const Inputs &in) { return matmul(in[0], in[1]); };
    gradcheck(f, {randomDouble(sa), randomDouble(sb)}, what);
  }
  gradcheck([](const Inputs &in) { return linear(in[0], in[1], in[2]); },
            {randomDouble({3, 4}), randomDouble({5, 4}), randomDouble({5})}, "linear");
  gradcheck([](const Inputs &in) { return matmul(in[0].t(), in[1].slice(0, 1, 7, 2)); },
            {randomDouble({3, 4}), randomDouble({7, 2})}, "matmul of views");
}

TEST(OpGradients, Composites) {
  for (const Shape &s : std::vector<Shape>{{7}, {3, 5}, {2, 1, 3}, {2, 3, 1, 5}}) {
    std::string what = ::testing::PrintToString(s);
    for (int64_t dim : {int64_t{0}, int64_t{-1}}) {
      gradcheck([&](const Inputs &in) { return softmax(in[0], dim); }, {randomDouble(s)}, "softmax " + what);
      gradcheck([&](const Inputs &in) { return log_softmax(in[0], dim); }, {randomDouble(s)}, "log_softmax " + what);
    }
  }
  gradcheck([](const Inputs &in) { return layer_norm(in[0], {5}, in[1], in[2]); },
            {randomDouble({3, 5}), randomDouble({5}), randomDouble({5})}, "layer_norm");
  gradcheck([](const Inputs &in) { return layer_norm(in[0], {2, 3}); }, {randomDouble({2, 2, 3}, 2, 1)},
            "layer_norm over 2 dims");
  gradcheck([](const Inputs &in) { return batch_norm(in[0], in[1], in[2], in[3], in[4]); },
            {randomDouble({2, 3, 2, 2}), randomDouble({3}), randomDouble({3}, 0.2, 1.5), randomDouble({3}),
             randomDouble({3})},
            "batch_norm (inference)");
}

TEST(OpGradients, ShapeOps) {
  Tensor x = randomDouble({2, 3, 5});
  const std::vector<std::pair<const char *, Function>> ops = {
      {"reshape", [](const Inputs &in) { return in[0].reshape({5, -1}); }},
      {"view", [](const Inputs &in) { return in[0].view({6, 5}); }},
      {"permute", [](const Inputs &in) { return in[0].permute({2, 0, 1}); }},
      {"transpose", [](const Inputs &in) { return in[0].transpose(0, 2); }},
      {"expand", [](const Inputs &in) { return in[0].unsqueeze(1).expand({2, 4, 3, 5}); }},
      {"slice", [](const Inputs &in) { return in[0].slice(2, 1, 5, 2); }},
      {"slice_negative", [](const Inputs &in) { return in[0].slice(1, -2, 3); }},
      {"slice_empty", [](const Inputs &in) { return in[0].slice(2, 3, 3).sum() + in[0].sum(); }},
      {"narrow", [](const Inputs &in) { return in[0].narrow(1, 1, 2); }},
      {"squeeze", [](const Inputs &in) { return in[0].slice(1, 0, 1).squeeze(); }},
      {"unsqueeze", [](const Inputs &in) { return in[0].unsqueeze(-1); }},
      {"flatten", [](const Inputs &in) { return in[0].flatten(1); }},
      {"cat", [](const Inputs &in) { return cat({in[0], in[0].slice(1, 0, 1) * 2.0}, 1); }},
      {"pad", [](const Inputs &in) { return pad(in[0], {1, 2, 0, 1}, 0.5); }},
      {"pad_crop", [](const Inputs &in) { return pad(in[0], {-1, 2, 1, -1}); }},
      {"index_select", [](const Inputs &in) { return index_select(in[0], 2, from_vector<int64_t>({4, 0, 4, 2}, {4})); }},
      {"index_select_2d_index", [](const Inputs &in) { return index_select(in[0], 1, from_vector<int64_t>({2, 0, 2, 1}, {2, 2})); }},
      {"gather", [](const Inputs &in) { return gather(in[0], 2, from_vector<int64_t>({0, 4, 4, 1, 2, 3, 0, 0, 1, 1, 4, 2}, {2, 2, 3})); }},
      {"gather_dim0", [](const Inputs &in) { return gather(in[0], 0, from_vector<int64_t>({1, 0, 1, 1}, {1, 2, 2})); }},
  };
  for (const auto &[name, f] : ops) gradcheck(f, {x}, name);
}

TEST(OpGradients, ConvolutionAndPooling) {
  struct Conv {
    Shape input, weight;
    std::vector<int64_t> stride, padding, dilation;
    int64_t groups;
  };
  const Conv convs[] = {
      {{1, 1, 5, 5}, {1, 1, 3, 3}, {1, 1}, {0, 0}, {1, 1}, 1},
      {{2, 3, 7, 6}, {4, 3, 3, 2}, {2, 1}, {1, 0}, {1, 1}, 1},
      {{1, 4, 7, 7}, {6, 2, 3, 3}, {2, 2}, {1, 2, 0, 1}, {1, 2}, 2},
      {{2, 3, 5, 5}, {3, 1, 3, 3}, {1, 1}, {1, 1}, {2, 2}, 3},  // depthwise, dilated
      {{1, 2, 6, 5}, {3, 2, 1, 1}, {3, 2}, {0, 0}, {1, 1}, 1},
  };
  for (const Conv &c : convs) {
    std::string what = "conv2d " + ::testing::PrintToString(c.input) + " " + ::testing::PrintToString(c.weight) +
                       " stride " + ::testing::PrintToString(c.stride) + " groups " + std::to_string(c.groups);
    gradcheck([&](const Inputs &in) { return conv2d(in[0], in[1], in[2], c.stride, c.padding, c.dilation, c.groups); },
              {randomDouble(c.input), randomDouble(c.weight), randomDouble({c.weight[0]})}, what);
  }
  Tensor x = randomDouble({2, 3, 7, 6});
  gradcheck([](const Inputs &in) { return max_pool2d(in[0], {2, 2}); }, {x}, "max_pool2d 2x2");
  gradcheck([](const Inputs &in) { return max_pool2d(in[0], {3, 3}, {2, 2}, {1, 1}); }, {x}, "max_pool2d 3x3 s2 p1");
  gradcheck([](const Inputs &in) { return max_pool2d(in[0], {3, 2}, {2, 2}, {0, 0}, {1, 2}, true); }, {x},
            "max_pool2d ceil dilated");
  gradcheck([](const Inputs &in) { return avg_pool2d(in[0], {2, 2}); }, {x}, "avg_pool2d 2x2");
  gradcheck([](const Inputs &in) { return avg_pool2d(in[0], {3, 3}, {2, 2}, {1, 1}); }, {x}, "avg_pool2d pad");
  gradcheck([](const Inputs &in) { return avg_pool2d(in[0], {3, 3}, {2, 2}, {1, 1}, true, false); }, {x},
            "avg_pool2d ceil no pad count");
  gradcheck([](const Inputs &in) { return avg_pool2d(in[0], {3, 2}, {2, 3}, {1, 0}, true, true); }, {x},
            "avg_pool2d ceil pad count");
}

TEST(OpGradients, Ties) {
  // Ties as torch: amax shares evenly; maximum splits in half; max(dim) picks one.
  Tensor x = from_vector<double>({1, 3, 3, 2}, {4}).requires_grad_();
  x.max().backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 0.5, 0.5, 0}));
  Tensor a = from_vector<double>({1, 2}, {2}).requires_grad_(), b = from_vector<double>({1, 3}, {2}).requires_grad_();
  maximum(a, b).sum().backward();
  EXPECT_EQ(a.grad().to_vector<double>(), (std::vector<double>{0.5, 0}));
  EXPECT_EQ(b.grad().to_vector<double>(), (std::vector<double>{0.5, 1}));
  Tensor m = from_vector<double>({1, 3, 3, 3, 2, 2}, {2, 3}).requires_grad_();
  std::get<0>(m.max(1)).sum().backward();
  EXPECT_EQ(m.grad().to_vector<double>(), (std::vector<double>{0, 1, 0, 1, 0, 0}));
  Tensor n = from_vector<double>({1, 1, 3, 1, 1, 1}, {2, 3}).requires_grad_();
  std::get<0>(n.min(1, true)).sum().backward();
  EXPECT_EQ(n.grad().to_vector<double>(), (std::vector<double>{1, 0, 0, 1, 0, 0}));
  // max_pool2d: the first maximum of each window (overlapping windows add up).
  Tensor p = ones({1, 1, 3, 3}, kFloat64).requires_grad_();
  max_pool2d(p, {2, 2}, {1, 1}).sum().backward();
  EXPECT_EQ(p.grad().to_vector<double>(), (std::vector<double>{1, 1, 0, 1, 1, 0, 0, 0, 0}));
  Tensor c = from_vector<double>({2, 2}, {2}).requires_grad_();
  clamp(c, 2.0, 3.0).sum().backward();
  EXPECT_EQ(c.grad().to_vector<double>(), (std::vector<double>{1, 1}));
}

TEST(OpGradients, SecondOrder) {
  Shape s = {3, 4};
  gradgradcheck([](const Inputs &in) { return mul(in[0], in[1]); }, {randomDouble(s), randomDouble(s)}, "mul");
  gradgradcheck([](const Inputs &in) { return div(in[0], in[1]); }, {randomDouble(s), randomDouble(s, 0.5, 3)}, "div");
  gradgradcheck([](const Inputs &in) { return exp(in[0]); }, {randomDouble(s)}, "exp");
  gradgradcheck([](const Inputs &in) { return tanh(in[0]); }, {randomDouble(s)}, "tanh");
  gradgradcheck([](const Inputs &in) { return sigmoid(in[0]); }, {randomDouble(s)}, "sigmoid");
  gradgradcheck([](const Inputs &in) { return log(in[0]); }, {randomDouble(s, 0.2, 2)}, "log");
  gradgradcheck([](const Inputs &in) { return gelu(in[0]); }, {randomDouble(s)}, "gelu");
  gradgradcheck([](const Inputs &in) { return pow(in[0], in[1]); }, {randomDouble(s, 0.2, 2), randomDouble(s)}, "pow");
  gradgradcheck([](const Inputs &in) { return matmul(in[0], in[1]); }, {randomDouble({3, 4}), randomDouble({4, 2})},
                "matmul");
  gradgradcheck([](const Inputs &in) { return softmax(in[0], 1); }, {randomDouble(s)}, "softmax");
}

}  // namespace
}  // namespace fusor::testing
