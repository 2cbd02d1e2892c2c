// Elementwise ops vs a double reference, over awkward shapes, dtypes and broadcasting.
#include <limits>
#include "Reference.h"

namespace fusor::testing {
namespace {

double sigmoidRef(double x) { return 1.0 / (1.0 + std::exp(-x)); }

struct UnaryCase {
  const char *name;
  std::function<Tensor(const Tensor &)> op;
  std::function<double(double)> ref;
  bool positiveInput;  // log, sqrt, rsqrt
};

const std::vector<UnaryCase> &unaryCases() {
  static const std::vector<UnaryCase> cases = {
      {"neg", [](const Tensor &x) { return -x; }, [](double x) { return -x; }, false},
      {"abs", [](const Tensor &x) { return abs(x); }, [](double x) { return std::abs(x); }, false},
      {"relu", [](const Tensor &x) { return relu(x); }, [](double x) { return x > 0 ? x : 0; }, false},
      {"exp", [](const Tensor &x) { return exp(x); }, [](double x) { return std::exp(x); }, false},
      {"log", [](const Tensor &x) { return log(x); }, [](double x) { return std::log(x); }, true},
      {"sqrt", [](const Tensor &x) { return sqrt(x); }, [](double x) { return std::sqrt(x); }, true},
      {"rsqrt", [](const Tensor &x) { return rsqrt(x); }, [](double x) { return 1 / std::sqrt(x); }, true},
      {"tanh", [](const Tensor &x) { return tanh(x); }, [](double x) { return std::tanh(x); }, false},
      {"sigmoid", [](const Tensor &x) { return sigmoid(x); }, sigmoidRef, false},
      {"silu", [](const Tensor &x) { return silu(x); }, [](double x) { return x * sigmoidRef(x); }, false},
      {"gelu", [](const Tensor &x) { return gelu(x); },
       [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }, false},
      {"gelu_tanh", [](const Tensor &x) { return gelu(x, "tanh"); },
       [](double x) {
         return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
       },
       false},
      {"sin", [](const Tensor &x) { return sin(x); }, [](double x) { return std::sin(x); }, false},
      {"cos", [](const Tensor &x) { return cos(x); }, [](double x) { return std::cos(x); }, false},
      {"erf", [](const Tensor &x) { return erf(x); }, [](double x) { return std::erf(x); }, false},
      {"floor", [](const Tensor &x) { return floor(x); }, [](double x) { return std::floor(x); }, false},
      {"ceil", [](const Tensor &x) { return ceil(x); }, [](double x) { return std::ceil(x); }, false},
  };
  return cases;
}

TEST(Elementwise, UnaryOpsMatchReferenceOnAwkwardShapes) {
  for (const UnaryCase &c : unaryCases()) {
    for (const auto &shape : awkwardShapes()) {
      Tensor x = randomTensor(shape);
      if (c.positiveInput) x = abs(x) + 0.1f;
      Ref in = toRef(x);
      expectClose(c.op(x), map(in, c.ref), 2e-6, 1e-6,
                  std::string(c.name) + " on " + shapeString(shape));
    }
  }
}

// exp, log, tanh and erf are polynomials in f32 on the CPU: they must still give the limits
// (exp(-inf) = 0 in a masked softmax), infinities and NaNs libm gives, over a wide range.
TEST(Elementwise, TranscendentalsKeepLimitsAndSpecialValues) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> values = {-inf, -1e30f, -104.f, -88.f, -20.f, -9.5f, -3.f, -0.7f, -1e-20f, -0.f, 0.f,
                               1e-20f, 0.3f, 1.f, 4.5f, 9.f, 20.f, 88.f, 88.5f, 1e30f, inf, nan};
  for (int i = 0; i < 200; ++i) values.push_back(-30.f + 0.3f * float(i));  // the polynomials' range
  Tensor x = from_vector(values, {int64_t(values.size())});
  Ref in = toRef(x);
  for (const UnaryCase &c : unaryCases()) {
    std::string name = c.name;
    if (name != "exp" && name != "log" && name != "tanh" && name != "erf" && name != "gelu" && name != "sigmoid")
      continue;
    // exp's relative error near its overflow and log's near 1 are where approximations slip
    expectClose(c.op(x), map(in, c.ref), 4e-6, 1e-7, name + " at special values");
  }
}

TEST(Elementwise, UnaryOpsInOtherFloatTypes) {
  struct { DType dtype; double rtol; } types[] = {{kFloat64, 1e-12}, {kFloat16, 2e-3}, {kBFloat16, 1.6e-2}};
  for (auto [dtype, rtol] : types) {
    for (const UnaryCase &c : unaryCases()) {
      Tensor x = randomTensor({3, 17}, dtype);
      if (c.positiveInput) x = abs(x) + 0.1;
      Tensor y = c.op(x);
      EXPECT_EQ(y.dtype(), dtype) << c.name;
      // The reference rounds its result to the same type, as the kernel must.
      Ref expected = toRef(from_vector(map(toRef(x), c.ref).v, {3, 17}).to(dtype));
      expectClose(y, expected, rtol, 1e-3, std::string(c.name) + " in " + std::string(toString(dtype)));
    }
  }
}

struct BinaryCase {
  const char *name;
  std::function<Tensor(const Tensor &, const Tensor &)> op;
  std::function<double(double, double)> ref;
};

TEST(Elementwise, BinaryOpsBroadcast) {
  std::vector<BinaryCase> cases = {
      {"add", [](const Tensor &a, const Tensor &b) { return a + b; }, std::plus<double>()},
      {"sub", [](const Tensor &a, const Tensor &b) { return a - b; }, std::minus<double>()},
      {"mul", [](const Tensor &a, const Tensor &b) { return a * b; }, std::multiplies<double>()},
      {"div", [](const Tensor &a, const Tensor &b) { return a / b; }, std::divides<double>()},
      {"maximum", [](const Tensor &a, const Tensor &b) { return maximum(a, b); },
       [](double a, double b) { return std::max(a, b); }},
      {"minimum", [](const Tensor &a, const Tensor &b) { return minimum(a, b); },
       [](double a, double b) { return std::min(a, b); }},
      {"pow", [](const Tensor &a, const Tensor &b) { return pow(abs(a) + 0.5, b); },
       [](double a, double b) { return std::pow(std::abs(a) + 0.5, b); }},
      {"lt", [](const Tensor &a, const Tensor &b) { return a < b; }, [](double a, double b) { return double(a < b); }},
      {"le", [](const Tensor &a, const Tensor &b) { return a <= b; }, [](double a, double b) { return double(a <= b); }},
      {"gt", [](const Tensor &a, const Tensor &b) { return a > b; }, [](double a, double b) { return double(a > b); }},
      {"ge", [](const Tensor &a, const Tensor &b) { return a >= b; }, [](double a, double b) { return double(a >= b); }},
      {"eq", [](const Tensor &a, const Tensor &b) { return a == b; }, [](double a, double b) { return double(a == b); }},
      {"ne", [](const Tensor &a, const Tensor &b) { return a != b; }, [](double a, double b) { return double(a != b); }},
  };
  for (const BinaryCase &c : cases) {
    for (const auto &[sa, sb] : broadcastPairs()) {
      Tensor a = randomTensor(sa), b = randomTensor(sb);
      // Equal elements exercise eq/le/ge: reuse a's values where the shapes agree.
      if (sa == sb && sa.size() && sa[0] > 3) b = where(randomTensor(sb) > 0, a, b);
      expectClose(c.op(a, b), zip(toRef(a), toRef(b), c.ref), 2e-6, 1e-6,
                  std::string(c.name) + " on " + shapeString(sa) + " and " + shapeString(sb));
    }
  }
}

TEST(Elementwise, IntegerArithmeticWrapsAndDividesTruly) {
  Tensor a = randomInts({4, 9}, -1000, 1000, kInt32), b = randomInts({9}, 1, 50, kInt32);
  Ref ra = toRef(a), rb = toRef(b);
  expectClose(a + b, zip(ra, rb, std::plus<double>()), 0, 0, "int add");
  expectClose(a * b, zip(ra, rb, std::multiplies<double>()), 0, 0, "int mul");
  expectClose(maximum(a, b), zip(ra, rb, [](double x, double y) { return std::max(x, y); }), 0, 0, "int max");
  Tensor q = a / b;  // true division, as torch
  EXPECT_EQ(q.dtype(), kFloat32);
  expectClose(q, zip(ra, rb, std::divides<double>()), 1e-6, 1e-6, "int true division");
  Tensor big = from_vector<int8_t>({127, -128, 5}, {3});
  EXPECT_EQ((big + from_vector<int8_t>({1, -1, 1}, {3})).to_vector<int64_t>(),
            (std::vector<int64_t>{-128, 127, 6}));
}

TEST(Elementwise, TypePromotionFollowsTorch) {
  Tensor i = from_vector<int32_t>({1, 2, 3}, {3});
  Tensor f = from_vector<float>({0.5f, 1.5f, 2.5f}, {3});
  Tensor h = f.to(kFloat16);
  EXPECT_EQ((i + f).dtype(), kFloat32);
  EXPECT_EQ((i + 2).dtype(), kInt32);
  EXPECT_EQ((i + 2.5).dtype(), kFloat32);
  EXPECT_EQ((h + 2.5).dtype(), kFloat16);
  EXPECT_EQ((h + f).dtype(), kFloat32);
  EXPECT_EQ((h + h.to(kBFloat16)).dtype(), kFloat32);
  EXPECT_EQ((i + scalar_tensor(1.5, kFloat64)).dtype(), kFloat64);  // rank 0, higher category
  EXPECT_EQ((f + scalar_tensor(1.5, kFloat64)).dtype(), kFloat32);  // rank 0, same category
  EXPECT_EQ((i > 1).dtype(), kBool);
  EXPECT_EQ((i + 2.5).to_vector<double>(), (std::vector<double>{3.5, 4.5, 5.5}));
  EXPECT_EQ((2 - i).to_vector<int64_t>(), (std::vector<int64_t>{1, 0, -1}));
  EXPECT_EQ(((i > 1) + (i > 2)).dtype(), kBool);  // bool add is logical or
  // Literals and rank-0 host tensors go where the other operands are (the default device here).
  EXPECT_EQ((zeros({3}) + ones({3})).device(), get_default_device());
  EXPECT_EQ((f + scalar_tensor(2.0, kFloat64)).device(), f.device());
  float four = 4.0f;
  Tensor hostScalar = from_blob(&four, {});  // always on the host
  EXPECT_EQ((f * hostScalar).to_vector<float>(), (std::vector<float>{2.0f, 6.0f, 10.0f}));
}

TEST(Elementwise, WhereCastsAndLogicalOps) {
  Tensor x = randomTensor({5, 1, 3}), y = randomTensor({4, 3});
  Tensor c = randomTensor({4, 1}) > 0;
  Ref rc = toRef(c), rx = toRef(x), ry = toRef(y);
  Ref xy = zip(rx, ry, [](double a, double) { return a; });
  Ref yy = zip(rx, ry, [](double, double b) { return b; });
  Ref expected = zip(zip(rc, xy, [](double k, double a) { return k ? a : NAN; }), yy,
                     [](double a, double b) { return std::isnan(a) ? b : a; });
  expectClose(where(c, x, y), expected, 0, 0, "where");
  Tensor v = from_vector<float>({-2.7f, -0.5f, 0.0f, 0.5f, 3.9f}, {5});
  EXPECT_EQ(v.to(kInt32).to_vector<int64_t>(), (std::vector<int64_t>{-2, 0, 0, 0, 3}));
  EXPECT_EQ(v.to(kBool).to_vector<bool>(), (std::vector<bool>{true, true, false, true, true}));
  EXPECT_EQ((v > 0).to(kFloat32).to_vector<float>(), (std::vector<float>{0, 0, 0, 1, 1}));
  Tensor p = v > 0, q = v < 1;
  EXPECT_EQ(logical_and(p, q).to_vector<bool>(), (std::vector<bool>{false, false, false, true, false}));
  EXPECT_EQ(logical_or(p, q).to_vector<bool>(), (std::vector<bool>{true, true, true, true, true}));
  EXPECT_EQ(logical_not(p).to_vector<bool>(), (std::vector<bool>{true, true, true, false, false}));
}

TEST(Elementwise, ViewsThenElementwise) {
  Tensor x = randomTensor({2, 3, 5}), y = randomTensor({5, 3, 2});
  Tensor z = x.permute({2, 1, 0}) * y + x.transpose(0, 2);
  Ref px = permute(toRef(x), {2, 1, 0});
  Ref expected = zip(zip(px, toRef(y), std::multiplies<double>()), px, std::plus<double>());
  expectClose(z, expected, 1e-6, 1e-6, "permute then elementwise");
}

}  // namespace
}  // namespace fusor::testing
