// fusor-dynamic-bench: a pre-LN transformer block's forward (width 256, 4 heads, MLP 1024)
// over many batch sizes and sequence lengths, for issue 24's automatic dynamic dims.
//
//   fusor-dynamic-bench sweep        every batch 1..32 x 16 sequence lengths, in that order:
//                                    prints the programs compiled and the time spent compiling
//   fusor-dynamic-bench time [runs]  per (batch, tokens) pair, the median time of `runs` calls,
//                                    after two warm-up sizes (so the '?' program exists when
//                                    dims are dynamic; with FUSOR_DYNAMIC_DIMS=0 each pair gets
//                                    a program compiled for its sizes)
// Output: one JSON object per line. tools/bench/dynamic_bench.py alternates the two kinds of
// process and prints the table.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "fusor/fusor.h"

using fusor::Tensor;

namespace {

constexpr int64_t kWidth = 256, kHidden = 1024, kHeads = 4;

struct Block {
  Tensor wq = w(kWidth, kWidth), wk = w(kWidth, kWidth), wv = w(kWidth, kWidth), wo = w(kWidth, kWidth);
  Tensor w1 = w(kHidden, kWidth), b1 = fusor::randn({kHidden}) * 0.1;
  Tensor w2 = w(kWidth, kHidden), b2 = fusor::randn({kWidth}) * 0.1;
  Tensor g1 = fusor::ones({kWidth}), e1 = fusor::zeros({kWidth});
  Tensor g2 = fusor::ones({kWidth}), e2 = fusor::zeros({kWidth});

  static Tensor w(int64_t out, int64_t in) { return fusor::randn({out, in}) * (1.0 / std::sqrt(double(in))); }

  Tensor forward(const Tensor &x) const {
    int64_t b = x.size(0), t = x.size(1), d = kWidth / kHeads;
    auto heads = [&](const Tensor &y) { return y.reshape({b, t, kHeads, d}).permute({0, 2, 1, 3}); };
    Tensor h = fusor::layer_norm(x, {kWidth}, g1, e1);
    Tensor q = heads(fusor::linear(h, wq)), k = heads(fusor::linear(h, wk)), v = heads(fusor::linear(h, wv));
    Tensor scores = fusor::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(double(d)));
    Tensor context = fusor::matmul(fusor::softmax(scores, -1), v).permute({0, 2, 1, 3}).reshape({b, t, kWidth});
    Tensor y = x + fusor::linear(context, wo);
    Tensor m = fusor::linear(fusor::gelu(fusor::linear(fusor::layer_norm(y, {kWidth}, g2, e2), w1, b1), "tanh"), w2, b2);
    return y + m;
  }
};

double msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Programs compiled for the block's forward, and the time it took (not the checks').
uint64_t blockCompiles = 0;
double blockCompileMs = 0;

double run(const Block &block, int64_t batch, int64_t tokens) {
  Tensor x = fusor::randn({batch, tokens, kWidth});
  fusor::realize({x});
  fusor::CacheStats before = fusor::cache_stats();
  auto start = std::chrono::steady_clock::now();
  Tensor y = block.forward(x);
  fusor::realize({y});
  double ms = msSince(start);
  fusor::CacheStats after = fusor::cache_stats();
  blockCompiles += after.compiles - before.compiles;
  blockCompileMs += after.compile_ms - before.compile_ms;
  if (!std::isfinite(y.sum().item<double>())) {
    std::fprintf(stderr, "non-finite output at batch %lld, tokens %lld\n", (long long)batch, (long long)tokens);
    std::exit(1);
  }
  return ms;
}

const std::vector<int64_t> kTokens = {8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128};

}  // namespace

int main(int argc, char **argv) {
  std::string mode = argc > 1 ? argv[1] : "sweep";
  fusor::manual_seed(0);
  Block block;
  if (mode == "sweep") {
    auto start = std::chrono::steady_clock::now();
    for (int64_t batch = 1; batch <= 32; ++batch)
      for (int64_t tokens : kTokens) run(block, batch, tokens);
    double total = msSince(start);
    std::printf("{\"calls\": %zu, \"compiles\": %llu, \"compile_ms\": %.1f, \"total_ms\": %.1f}\n",
                32 * kTokens.size(), (unsigned long long)blockCompiles, blockCompileMs, total);
    return 0;
  }
  if (mode == "time") {
    int runs = argc > 2 ? std::atoi(argv[2]) : 15;
    run(block, 2, 8);
    run(block, 3, 16);  // a second size: the '?' program, where dims go dynamic
    const std::pair<int64_t, int64_t> pairs[] = {{1, 16}, {3, 40}, {4, 64}, {8, 128}, {17, 88}, {32, 128}};
    for (auto [batch, tokens] : pairs) {
      run(block, batch, tokens);  // compiles, where it must
      std::vector<double> times;
      for (int i = 0; i < runs; ++i) times.push_back(run(block, batch, tokens));
      std::sort(times.begin(), times.end());
      std::printf("{\"batch\": %lld, \"tokens\": %lld, \"ms\": %.3f}\n", (long long)batch, (long long)tokens,
                  times[times.size() / 2]);
    }
    std::printf("{\"compiles\": %llu}\n", (unsigned long long)blockCompiles);
    return 0;
  }
  std::fprintf(stderr, "usage: fusor-dynamic-bench sweep | time [runs]\n");
  return 2;
}
