// fusor's main job: an MLP and an attention block, traced, compiled, cached and re-run.
#include <chrono>
#include <cmath>
#include <cstdio>

#include "fusor/fusor.h"

using fusor::Tensor;

namespace {

constexpr int64_t kWidth = 256, kHidden = 1024, kHeads = 4, kTokens = 64;

struct Weights {
  Tensor w1 = fusor::randn({kHidden, kWidth}) * (1.0 / std::sqrt(kWidth));
  Tensor b1 = fusor::randn({kHidden}) * 0.1;
  Tensor w2 = fusor::randn({kWidth, kHidden}) * (1.0 / std::sqrt(kHidden));
  Tensor b2 = fusor::randn({kWidth}) * 0.1;
  Tensor wq = fusor::randn({kWidth, kWidth}) * (1.0 / std::sqrt(kWidth));
  Tensor wk = fusor::randn({kWidth, kWidth}) * (1.0 / std::sqrt(kWidth));
  Tensor wv = fusor::randn({kWidth, kWidth}) * (1.0 / std::sqrt(kWidth));
  Tensor wo = fusor::randn({kWidth, kWidth}) * (1.0 / std::sqrt(kWidth));
  Tensor gamma = fusor::ones({kWidth}), beta = fusor::zeros({kWidth});
};

Tensor mlp(const Weights &w, const Tensor &x) {
  return fusor::linear(fusor::gelu(fusor::linear(x, w.w1, w.b1), "tanh"), w.w2, w.b2);
}

// Multi-head self-attention with a residual connection and layer norm; x is [B, T, C].
Tensor attention(const Weights &w, const Tensor &x) {
  int64_t b = x.size(0), t = x.size(1), d = kWidth / kHeads;
  auto heads = [&](const Tensor &y) { return y.reshape({b, t, kHeads, d}).permute({0, 2, 1, 3}); };
  Tensor q = heads(fusor::linear(x, w.wq)), k = heads(fusor::linear(x, w.wk));
  Tensor v = heads(fusor::linear(x, w.wv));
  Tensor scores = fusor::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(double(d)));
  Tensor context = fusor::matmul(fusor::softmax(scores, -1), v).permute({0, 2, 1, 3});
  Tensor out = fusor::linear(context.reshape({b, t, kWidth}), w.wo);
  return fusor::layer_norm(out + x, {kWidth}, w.gamma, w.beta);
}

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

void step(const char *label, const Weights &w, int64_t batch) {
  fusor::manual_seed(1000 + batch);  // the same input for the same batch size
  Tensor x = fusor::randn({batch, kTokens, kWidth});
  fusor::realize({x});
  auto start = std::chrono::steady_clock::now();
  Tensor y = mlp(w, attention(w, x));
  fusor::realize({y});
  double ms = millisecondsSince(start);
  double checksum = y.sum().item<double>(), l1 = fusor::abs(y).mean().item<double>();
  fusor::CacheStats s = fusor::cache_stats();
  std::printf("%-28s batch %2lld: checksum %+.6e  mean|y| %.6f  %7.1f ms   cache: %llu hits, "
              "%llu misses (%llu from disk), %llu compiles (%llu MLIR passes), %.0f ms compiling\n",
              label, static_cast<long long>(batch), checksum, l1, ms,
              static_cast<unsigned long long>(s.hits), static_cast<unsigned long long>(s.misses),
              static_cast<unsigned long long>(s.disk_hits), static_cast<unsigned long long>(s.compiles),
              static_cast<unsigned long long>(s.mlir_passes), s.compile_ms);
}

}  // namespace

int main() {
  fusor::manual_seed(0);
  Weights w;
  fusor::realize({w.w1, w.b1, w.w2, w.b2, w.wq, w.wk, w.wv, w.wo, w.gamma, w.beta});
  std::printf("attention (%lld heads, width %lld, %lld tokens) then MLP (hidden %lld); times "
              "are for the network, checksums from its output\n",
              static_cast<long long>(kHeads), static_cast<long long>(kWidth),
              static_cast<long long>(kTokens), static_cast<long long>(kHidden));
  step("first run (new program)", w, 8);
  step("second run (cache hit)", w, 8);
  step("new batch size (new program)", w, 2);
  step("first batch size again (hit)", w, 8);
  return 0;
}
