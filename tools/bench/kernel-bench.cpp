// fusor-kernel-bench: one runtime kernel alone, as compiled code calls it, at one and two
// threads in alternating rounds of a few calls (so a slow spell of the machine falls on
// both), with its inputs in cache or flushed from it. Prints the median microseconds per
// call. Not a test.
//
//   fusor-kernel-bench gemm M N K [--bt] [--cold] [--thread-counts 1,2]
//   fusor-kernel-bench conv C O H W --kernel 3 --stride 1 --pad 1 [--cold]
//   fusor-kernel-bench depthwise C H W --kernel 3 --stride 1 --pad 1 [--cold]
//   fusor-kernel-bench winograd C O H W [--cold]
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "fusor/runtime/Gemm.h"
#include "fusor/runtime/abi/Calls.h"
#include "llvm/Support/CommandLine.h"

namespace cl = llvm::cl;

namespace {

cl::opt<std::string> kind(cl::Positional, cl::desc("<gemm|conv|depthwise|winograd>"), cl::Required);
cl::list<int64_t> sizes(cl::Positional, cl::desc("<sizes...>"), cl::OneOrMore);
cl::opt<int64_t> kernelSize("kernel", cl::desc("window size (conv, depthwise)"), cl::init(3));
cl::opt<int64_t> stride("stride", cl::desc("window stride"), cl::init(1));
cl::opt<int64_t> pad("pad", cl::desc("padding on each side"), cl::init(1));
cl::opt<bool> transposedB("bt", cl::desc("gemm: B transposed (as a linear layer's weight)"));
cl::opt<bool> cold("cold", cl::desc("flush the inputs from the caches before each call"));
cl::opt<int> runs("runs", cl::desc("timed calls per thread count"), cl::init(31));
cl::list<int> threadCounts("thread-counts", cl::desc("thread counts to alternate (default 1,2)"), cl::CommaSeparated);

intptr_t address(const std::vector<float> &v) { return reinterpret_cast<intptr_t>(v.data()); }

std::vector<float> random(size_t n, std::mt19937 &rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float &x : v) x = d(rng);
  return v;
}

// Writes a buffer larger than the last-level cache share, so the next call reads from memory.
void flush() {
  static std::vector<char> junk(64 << 20);
  for (size_t i = 0; i < junk.size(); i += 64) junk[i] = static_cast<char>(junk[i] + 1);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

size_t need(size_t count) {
  if (sizes.size() != count) {
    std::fprintf(stderr, "fusor-kernel-bench: %s takes %zu sizes, got %zu\n", kind.c_str(), count, sizes.size());
    std::exit(2);
  }
  return count;
}

}  // namespace

int main(int argc, char **argv) {
  cl::ParseCommandLineOptions(argc, argv, "fusor-kernel-bench: one runtime kernel at 1 and 2 threads\n");
  std::mt19937 rng(0);
  const double inf = std::numeric_limits<double>::infinity();
  fusor_rt_epilogue noEpilogue{fusor::abi::kBiasNone, 0, 0, 0, 0, -inf, inf};
  std::function<void()> call;
  std::vector<float> a, b, c;
  std::string what;
  auto windowOut = [](int64_t size) { return (size + 2 * pad - kernelSize) / stride + 1; };

  if (kind == "gemm") {
    need(3);
    int64_t m = sizes[0], n = sizes[1], k = sizes[2];
    a = random(m * k, rng), b = random(k * n, rng), c.assign(m * n, 0.0f);
    int64_t rsB = transposedB ? 1 : n, csB = transposedB ? k : 1;
    call = [&, m, n, k, rsB, csB] {
      fusor_rt_gemm_f32(address(a), 0, k, 1, address(b), 0, rsB, csB, address(c), 0, n, 1, m, n, k, 0);
    };
    what = "gemm " + std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) + (transposedB ? " (B^T)" : "");
  } else if (kind == "conv" || kind == "winograd") {
    need(4);
    int64_t ch = sizes[0], out = sizes[1], h = sizes[2], w = sizes[3];
    bool winograd = kind == "winograd";
    int64_t oh = winograd ? h : windowOut(h), ow = winograd ? w : windowOut(w), kk = winograd ? 3 : kernelSize;
    a = random(ch * (h + 2) * (w + 2), rng), b = random(out * ch * kk * kk, rng), c.assign(out * oh * ow, 0.0f);
    if (winograd) {
      // The zero-padded input the compiled code hands it (h + 2 rows of w + 2), tiles of 2x2.
      int64_t tilesH = (h + 1) / 2, tilesW = (w + 1) / 2, ph = 2 * tilesH + 2, pw = 2 * tilesW + 2;
      a = random(ch * ph * pw, rng);
      call = [&, ch, out, oh, ow, tilesH, tilesW, ph, pw] {
        fusor_rt_winograd_problem p{address(a), 0, ch * ph * pw, ph * pw, pw, 1, 1, ch, tilesH, tilesW,
                                    address(b), 0, 1, out, address(c), 0, oh, ow};
        fusor_rt_winograd_conv3x3_f32(&p, &noEpilogue);
      };
    } else {
      call = [&, ch, out, h, w, oh, ow, kk] {
        fusor_rt_conv2d_problem p{address(a), 0, ch * h * w, h * w, w, 1, 1, ch, h, w, address(b), 0, out * ch * kk * kk,
                                  ch * kk * kk, 1, out, kk, kk, address(c), 0, oh, ow, stride, stride, 1, 1, pad, pad};
        fusor_rt_conv2d_f32(&p, &noEpilogue);
      };
    }
    what = kind + " " + std::to_string(ch) + "->" + std::to_string(out) + " channels, " + std::to_string(h) + "x" +
           std::to_string(w) + (winograd ? "" : ", " + std::to_string(kk) + "x" + std::to_string(kk) + " stride " +
                                                    std::to_string(stride));
  } else if (kind == "depthwise") {
    need(3);
    int64_t ch = sizes[0], h = sizes[1], w = sizes[2], oh = windowOut(h), ow = windowOut(w);
    a = random(ch * h * w, rng), b = random(ch * kernelSize * kernelSize, rng), c.assign(ch * oh * ow, 0.0f);
    call = [&, ch, h, w, oh, ow] {
      fusor_rt_depthwise_problem p{address(a), 0, ch * h * w, h * w, w, 1, 1, ch, h, w, address(b), 0, kernelSize,
                                   kernelSize, address(c), 0, oh, ow, stride, stride, 1, 1, pad, pad};
      fusor_rt_depthwise_conv2d_f32(&p, &noEpilogue);
    };
    what = "depthwise " + std::to_string(ch) + " channels, " + std::to_string(h) + "x" + std::to_string(w) + ", " +
           std::to_string(kernelSize) + "x" + std::to_string(kernelSize) + " stride " + std::to_string(stride);
  } else {
    std::fprintf(stderr, "fusor-kernel-bench: unknown kernel '%s' (gemm, conv, depthwise, winograd)\n", kind.c_str());
    return 2;
  }

  // Rounds alternate the thread counts; each round runs a few calls at one count and times
  // all but the first, which re-forms the thread team (not the kernel's time: a model runs
  // at one count, its threads waiting for the next call).
  if (threadCounts.empty()) threadCounts.push_back(1), threadCounts.push_back(2);
  constexpr int kCallsPerRound = 4;
  std::vector<std::vector<double>> times(threadCounts.size());
  for (int r = 0; r < (runs + kCallsPerRound - 2) / (kCallsPerRound - 1); ++r)
    for (size_t t = 0; t < threadCounts.size(); ++t) {
      omp_set_num_threads(threadCounts[t]);
      for (int i = 0; i < kCallsPerRound; ++i) {
        if (cold) flush();
        auto start = std::chrono::steady_clock::now();
        call();
        double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
        if (i > 0) times[t].push_back(us);
      }
    }
  std::printf("GEMM: %s\n", fusor::runtime::gemmBackend());
  std::printf("%s%s: median of %zu calls:", what.c_str(), cold ? ", inputs cold" : "", times[0].size());
  for (size_t t = 0; t < times.size(); ++t)
    std::printf("%s %d thread%s %.1f us", t ? "," : "", threadCounts[t], threadCounts[t] == 1 ? "" : "s",
                median(times[t]));
  std::printf("\n");
  return 0;
}
