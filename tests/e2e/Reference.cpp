#include "Reference.h"

#include <cstdio>
#include <cstdlib>
#include <random>

namespace fusor::testing {

int64_t Ref::numel() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Ref toRef(const Tensor &t) {
  return {std::vector<int64_t>(t.sizes().begin(), t.sizes().end()), t.to_vector<double>()};
}

namespace {
std::mt19937_64 &rng() {
  static std::mt19937_64 g(12345);
  return g;
}

std::vector<int64_t> stridesOf(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

// Linear index into `shape` (right-aligned, size-1 dims broadcast) of result coordinate `c`.
int64_t broadcastIndex(const std::vector<int64_t> &shape, const std::vector<int64_t> &c) {
  int64_t index = 0;
  size_t offset = c.size() - shape.size();
  for (size_t d = 0; d < shape.size(); ++d) index = index * shape[d] + (shape[d] == 1 ? 0 : c[offset + d]);
  return index;
}

// Calls f(coordinate) for every coordinate of `shape`, in row-major order.
void forEach(const std::vector<int64_t> &shape, const std::function<void(const std::vector<int64_t> &)> &f) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<int64_t> c(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    f(c);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++c[d] < shape[d]) break;
      c[d] = 0;
    }
  }
}
}  // namespace

Tensor randomTensor(std::vector<int64_t> shape, DType dtype, double scale) {
  std::normal_distribution<double> dist(0.0, scale);
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<double> values(n);
  for (double &v : values) v = dist(rng());
  Tensor t = from_vector(values, shape).to(dtype);
  realize({t});  // an input buffer of the requested dtype
  return t;
}

Tensor randomInts(std::vector<int64_t> shape, int64_t lo, int64_t hi, DType dtype) {
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<int64_t> values(n);
  for (int64_t &v : values) v = dist(rng());
  Tensor t = from_vector(values, shape).to(dtype);
  realize({t});  // an input buffer of the requested dtype
  return t;
}

Ref map(const Ref &a, const std::function<double(double)> &f) {
  Ref r{a.shape, a.v};
  for (double &x : r.v) x = f(x);
  return r;
}

Ref zip(const Ref &a, const Ref &b, const std::function<double(double, double)> &f) {
  size_t rank = std::max(a.shape.size(), b.shape.size());
  std::vector<int64_t> shape(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i < a.shape.size() ? a.shape[a.shape.size() - 1 - i] : 1;
    int64_t y = i < b.shape.size() ? b.shape[b.shape.size() - 1 - i] : 1;
    shape[rank - 1 - i] = x == 1 ? y : x;
  }
  Ref r{shape, {}};
  forEach(shape, [&](const std::vector<int64_t> &c) {
    r.v.push_back(f(a.v[broadcastIndex(a.shape, c)], b.v[broadcastIndex(b.shape, c)]));
  });
  return r;
}

Ref reduce(const Ref &a, std::vector<int64_t> dims, bool keepdim, double init,
           const std::function<double(double, double)> &combine) {
  int64_t rank = a.shape.size();
  if (dims.empty())
    for (int64_t d = 0; d < rank; ++d) dims.push_back(d);
  for (int64_t &d : dims) d = d < 0 ? d + rank : d;
  std::vector<bool> reduced(rank, false);
  for (int64_t d : dims) reduced[d] = true;
  std::vector<int64_t> kept;  // result shape with keepdim
  for (int64_t d = 0; d < rank; ++d) kept.push_back(reduced[d] ? 1 : a.shape[d]);
  Ref r{kept, std::vector<double>(Ref{kept, {}}.numel(), init)};
  std::vector<int64_t> strides = stridesOf(kept);
  int64_t i = 0;
  forEach(a.shape, [&](const std::vector<int64_t> &c) {
    int64_t at = 0;
    for (int64_t d = 0; d < rank; ++d) at += (reduced[d] ? 0 : c[d]) * strides[d];
    r.v[at] = combine(r.v[at], a.v[i++]);
  });
  if (!keepdim) {
    r.shape.clear();
    for (int64_t d = 0; d < rank; ++d)
      if (!reduced[d]) r.shape.push_back(a.shape[d]);
  }
  return r;
}

Ref matmul(const Ref &a0, const Ref &b0) {
  Ref a = a0, b = b0;
  if (a.shape.size() == 1) a.shape.insert(a.shape.begin(), 1);
  if (b.shape.size() == 1) b.shape.push_back(1);
  int64_t m = a.shape[a.shape.size() - 2], k = a.shape.back(), n = b.shape.back();
  std::vector<int64_t> ab(a.shape.begin(), a.shape.end() - 2), bb(b.shape.begin(), b.shape.end() - 2);
  Ref batch = zip(Ref{ab, std::vector<double>(Ref{ab, {}}.numel(), 0)},
                  Ref{bb, std::vector<double>(Ref{bb, {}}.numel(), 0)}, [](double, double) { return 0.0; });
  std::vector<int64_t> shape = batch.shape;
  shape.push_back(m);
  shape.push_back(n);
  Ref r{shape, {}};
  forEach(batch.shape, [&](const std::vector<int64_t> &c) {
    int64_t ai = broadcastIndex(ab, c) * m * k, bi = broadcastIndex(bb, c) * k * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t p = 0; p < k; ++p) s += a.v[ai + i * k + p] * b.v[bi + p * n + j];
        r.v.push_back(s);
      }
  });
  // Drop the dims that 1-D operands added.
  std::vector<int64_t> out(batch.shape);
  if (a0.shape.size() > 1) out.push_back(m);
  if (b0.shape.size() > 1) out.push_back(n);
  r.shape = out;
  return r;
}

Ref permute(const Ref &a, const std::vector<int64_t> &perm) {
  std::vector<int64_t> shape;
  for (int64_t p : perm) shape.push_back(a.shape[p]);
  std::vector<int64_t> strides = stridesOf(a.shape);
  Ref r{shape, {}};
  forEach(shape, [&](const std::vector<int64_t> &c) {
    int64_t at = 0;
    for (size_t i = 0; i < perm.size(); ++i) at += c[i] * strides[perm[i]];
    r.v.push_back(a.v[at]);
  });
  return r;
}

const std::vector<std::vector<int64_t>> &awkwardShapes() {
  static const std::vector<std::vector<int64_t>> shapes = {
      {}, {1}, {7}, {1, 1}, {3, 5}, {1, 13}, {2, 1, 3}, {2, 3, 5, 7}, {1, 4, 1, 2}, {100003}};
  return shapes;
}

const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> &broadcastPairs() {
  static const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> pairs = {
      {{}, {}},          {{3, 1}, {4}},       {{}, {2, 3}},          {{2, 1, 5}, {1, 3, 1}},
      {{1}, {1}},        {{1, 7}, {7, 1}},    {{5, 4, 3, 2}, {2}},   {{2, 3, 1, 11}, {3, 13, 1}},
      {{1031}, {1031}},  {{1, 1}, {3, 1, 1}}};
  return pairs;
}

void expectClose(const Tensor &actual, const Ref &expected, double rtol, double atol,
                 const std::string &what) {
  std::vector<int64_t> shape(actual.sizes().begin(), actual.sizes().end());
  ASSERT_EQ(shape, expected.shape) << what;
  std::vector<double> got = actual.to_vector<double>();
  ASSERT_EQ(got.size(), expected.v.size()) << what;
  int failures = 0;
  for (size_t i = 0; i < got.size() && failures < 5; ++i) {
    double e = expected.v[i], g = got[i];
    bool ok = std::isnan(e) ? std::isnan(g)
              : std::isinf(e) ? g == e
                              : std::abs(g - e) <= atol + rtol * std::abs(e);
    if (!ok) {
      ++failures;
      ADD_FAILURE() << what << ": element " << i << " is " << g << ", expected " << e;
    }
  }
}

}  // namespace fusor::testing
