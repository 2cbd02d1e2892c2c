// fusor-bench: the figures issue 3 sets targets for, as medians of repeated runs, each beside
// its reference measured in the same run. Not a test: it prints a table.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "fusor/fusor.h"
#include "fusor/runtime/Gemm.h"

using fusor::Tensor;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Median wall time of `reps` runs of f, in seconds.
double median(int reps, const std::function<void()> &f) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto start = Clock::now();
    f();
    t.push_back(seconds(start, Clock::now()));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// `ops` elementwise ops on x; `salt` changes a constant so each call can be a new program.
Tensor chain(const Tensor &x, int ops, float salt = 0.0f) {
  Tensor t = x;
  for (int i = 0; i < ops; ++i) {
    switch (i % 4) {
      case 0: t = t * (1.0001f + salt); break;
      case 1: t = t + 0.5f; break;
      case 2: t = fusor::maximum(t, x); break;
      case 3: t = t - 0.25f; break;
    }
  }
  return t;
}

void row(const char *what, const std::string &ours, const std::string &reference,
         const std::string &verdict) {
  std::printf("| %-44s | %-16s | %-26s | %-22s |\n", what, ours.c_str(), reference.c_str(), verdict.c_str());
}

std::string fmt(const char *f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

int main(int argc, char **argv) {
  setenv("FUSOR_CACHE", "0", 1);  // the compile latencies are compiles, not loads from the disk cache
  int reps = argc > 1 ? std::atoi(argv[1]) : 15;
  std::printf("fusor-bench: medians of %d runs, %u hardware threads, GEMM: %s\n\n", reps,
              std::thread::hardware_concurrency(), fusor::runtime::gemmBackend());
  row("measure", "fusor", "reference (same run)", "target");
  std::printf("|%s|%s|%s|%s|\n", std::string(46, '-').c_str(), std::string(18, '-').c_str(),
              std::string(28, '-').c_str(), std::string(24, '-').c_str());

  // 1-2. A 20-op graph on 8 elements (kernel time ~0): tracing it alone, and tracing plus
  // realizing it from the cache; the difference is the realize overhead.
  Tensor small = fusor::randn({8});
  fusor::realize({small});
  constexpr int kOps = 20;
  fusor::realize({chain(small, kOps)});  // compile once
  // Each sample times 200 calls: single calls of a few microseconds are too noisy here.
  constexpr int kBatch = 200;
  double trace = median(reps, [&] {
    for (int i = 0; i < kBatch; ++i) chain(small, kOps);
  }) / kBatch;
  double full = median(reps, [&] {
    for (int i = 0; i < kBatch; ++i) fusor::realize({chain(small, kOps)});
  }) / kBatch;
  row("traced-op overhead (per op, 20-op graph)", fmt("%.2f us", trace / kOps * 1e6), "-",
      trace / kOps <= 1e-6 ? "<= 1 us: met" : "<= 1 us: NOT met");
  row("realize overhead, cached 20-op graph", fmt("%.1f us", (full - trace) * 1e6),
      fmt("trace + realize %.1f us", full * 1e6),
      full - trace <= 5e-6 ? "<= 5 us + kernel: met" : "<= 5 us + kernel: NOT met");

  // 3. Compile latency: a new program each time (a different constant).
  for (int ops : {10, 50, 200}) {
    int salt = 0;
    double ms = 1e3 * median(std::max(3, reps / 3), [&] {
      Tensor y = chain(small, ops, 1e-3f * ++salt + ops);
      fusor::realize({y});
    });
    std::string what = "compile latency, " + std::to_string(ops) + "-op graph";
    row(what.c_str(), fmt("%.0f ms", ms), "-",
        ops == 50 ? (ms <= 300 ? "<= 300 ms: met" : "<= 300 ms: NOT met") : "");
  }

  // 4. A fused 16M-element elementwise chain (4 ops: reads x, writes y) vs memcpy.
  constexpr int64_t kN = 16 << 20;
  Tensor big = fusor::randn({kN});
  fusor::realize({big});
  std::vector<float> src(kN, 1.0f), dst(kN);
  double copy = median(reps, [&] { std::memcpy(dst.data(), src.data(), kN * 4); });
  double copyGBs = 2.0 * kN * 4 / copy / 1e9;
  Tensor warm = chain(big, 4);
  fusor::realize({warm});  // compile outside the timing
  double oneCore = 0;
  for (int threads : {1, 2}) {
    fusor::set_num_threads(threads);
    double fused = median(reps, [&] {
      Tensor y = chain(big, 4);
      fusor::realize({y});
    });
    double gbs = 2.0 * kN * 4 / fused / 1e9;
    std::string what = "fused 16M-element chain (4 ops), " + std::to_string(threads) + " thread" +
                       (threads > 1 ? "s" : "");
    std::string verdict = threads == 1 ? (gbs >= 0.6 * copyGBs ? ">= 60% of copy: met" : ">= 60% of copy: NOT met")
                                       : (gbs > oneCore ? "faster than 1 thread: met" : "faster than 1: NOT met");
    row(what.c_str(), fmt("%.1f GB/s", gbs),
        fmt("memcpy (1 thread) %.1f GB/s", copyGBs) + fmt(", %.0f%%", 100 * gbs / copyGBs), verdict);
    if (threads == 1) oneCore = gbs;
  }

  // 5. Matmul throughput (not a target of issue 3; tracked for the MLP).
  for (int64_t n : {256, 1024}) {
    Tensor a = fusor::randn({n, n}), b = fusor::randn({n, n});
    fusor::realize({a, b});
    fusor::realize({fusor::matmul(a, b)});
    double t = median(std::max(3, reps / 3), [&] { fusor::realize({fusor::matmul(a, b)}); });
    std::string what = "matmul " + std::to_string(n) + "^3 f32";
    row(what.c_str(), fmt("%.1f GFLOP/s", 2.0 * n * n * n / t / 1e9), "", "");
  }
  return 0;
}
