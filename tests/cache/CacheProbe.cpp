// fusor-cache-probe: computes a few programs (elementwise, a GEMM with a reduction, a
// fusor::jit function that updates a tensor in place) on fixed inputs, checks every value
// against a double-precision reference, and prints the compile cache's counters as one line:
//   correct=1 misses=4 compiles=4 disk_hits=0 disk_misses=4 mlir_passes=123
// DiskCacheTest runs it as separate processes sharing (or not) a FUSOR_CACHE_DIR.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fusor/fusor.h"

namespace {

using fusor::Tensor;

std::vector<float> values(size_t n, double phase) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(std::sin(0.37 * static_cast<double>(i) + phase));
  return v;
}

bool close(double got, double want) { return std::abs(got - want) <= 1e-4 + 1e-4 * std::abs(want); }

bool checkAll(const std::vector<float> &got, const std::vector<double> &want) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (!close(got[i], want[i])) {
      std::fprintf(stderr, "value %zu: %.7g, expected %.7g\n", i, got[i], want[i]);
      return false;
    }
  return true;
}

// exp(x) * 0.5 - tanh(x), elementwise over [13, 7].
bool elementwise() {
  std::vector<float> x = values(13 * 7, 0.1);
  Tensor t = fusor::from_vector(x, {13, 7});
  std::vector<double> want;
  for (float v : x) want.push_back(std::exp(double(v)) * 0.5 - std::tanh(double(v)));
  return checkAll((fusor::exp(t) * 0.5f - fusor::tanh(t)).to_vector<float>(), want);
}

// relu(a @ b).sum(1) for a [9, 17], b [17, 5].
bool gemmAndReduction() {
  std::vector<float> a = values(9 * 17, 0.3), b = values(17 * 5, 1.7);
  Tensor ta = fusor::from_vector(a, {9, 17}), tb = fusor::from_vector(b, {17, 5});
  std::vector<double> want(9, 0.0);
  for (int i = 0; i < 9; ++i)
    for (int j = 0; j < 5; ++j) {
      double dot = 0;
      for (int k = 0; k < 17; ++k) dot += double(a[i * 17 + k]) * double(b[k * 5 + j]);
      want[i] += dot > 0 ? dot : 0.0;
    }
  return checkAll(fusor::relu(fusor::matmul(ta, tb)).sum({1}).to_vector<float>(), want);
}

// A jitted step that moves a state tensor in place (a donated buffer), three times.
bool jittedUpdate() {
  std::vector<float> w0 = values(31, 2.0), g = values(31, 0.9);
  Tensor w = fusor::from_vector(w0, {31}), x = fusor::from_vector(g, {31});
  auto step = fusor::jit([&](const Tensor &grad) {
    w.sub_(grad * 0.25f);
    return (w * w).sum();
  });
  double loss = 0;
  for (int i = 0; i < 3; ++i) loss = step(x).item<double>();
  std::vector<double> want;
  double sumSquares = 0;
  for (size_t i = 0; i < w0.size(); ++i) {
    want.push_back(double(w0[i]) - 3 * 0.25 * double(g[i]));
    sumSquares += want.back() * want.back();
  }
  return checkAll(w.to_vector<float>(), want) && close(loss, sumSquares);
}

// relu(x @ w).sum(1) for x [batch, 9], w [9, 6]: one graph over several batch sizes.
bool batches(const std::vector<int64_t> &sizes) {
  std::vector<float> w = values(9 * 6, 0.7);
  Tensor tw = fusor::from_vector(w, {9, 6});
  for (int64_t batch : sizes) {
    std::vector<float> x = values(static_cast<size_t>(batch) * 9, 0.05 * static_cast<double>(batch));
    Tensor tx = fusor::from_vector(x, {batch, 9});
    std::vector<double> want(static_cast<size_t>(batch), 0.0);
    for (int64_t i = 0; i < batch; ++i)
      for (int j = 0; j < 6; ++j) {
        double dot = 0;
        for (int k = 0; k < 9; ++k) dot += double(x[i * 9 + k]) * double(w[k * 6 + j]);
        want[i] += dot > 0 ? dot : 0.0;
      }
    if (!checkAll(fusor::relu(fusor::matmul(tx, tw)).sum({1}).to_vector<float>(), want)) return false;
  }
  return true;
}

}  // namespace

// With arguments `sizes N...`: only the batches, at those sizes.
int main(int argc, char **argv) {
  bool correct;
  if (argc > 1 && std::string(argv[1]) == "sizes") {
    std::vector<int64_t> sizes;
    for (int i = 2; i < argc; ++i) sizes.push_back(std::atoll(argv[i]));
    correct = batches(sizes);
  } else {
    correct = elementwise() && gemmAndReduction() && jittedUpdate();
  }
  fusor::CacheStats s = fusor::cache_stats();
  std::printf("correct=%d misses=%llu compiles=%llu disk_hits=%llu disk_misses=%llu mlir_passes=%llu\n", correct,
              static_cast<unsigned long long>(s.misses), static_cast<unsigned long long>(s.compiles),
              static_cast<unsigned long long>(s.disk_hits), static_cast<unsigned long long>(s.disk_misses),
              static_cast<unsigned long long>(s.mlir_passes));
  return correct ? 0 : 1;
}
