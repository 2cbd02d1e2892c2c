// fusor-train-bench: one training workload (issue 23's MLP or pre-LN encoder block, AdamW),
// as fusor::jit train steps or plain eager-looking steps. Prints one JSON line: the first
// (compiling) step's time, the median step time, and memory (resident set after warm-up and
// its peak growth during the timed steps). tools/bench/train_bench.py runs it beside PyTorch.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "fusor/fusor.h"
#include "llvm/Support/CommandLine.h"

using namespace fusor;
namespace F = fusor::nn::functional;
using Clock = std::chrono::steady_clock;

namespace {

llvm::cl::opt<std::string> modelName("model", llvm::cl::desc("mlp or encoder"), llvm::cl::init("mlp"));
llvm::cl::opt<bool> useJit("jit", llvm::cl::desc("wrap the step in fusor::jit"), llvm::cl::init(true));
llvm::cl::opt<int> threads("num-threads", llvm::cl::desc("fusor threads (as torch.set_num_threads)"), llvm::cl::init(1));
llvm::cl::opt<int> steps("steps", llvm::cl::desc("timed steps"), llvm::cl::init(10));

// Resident memory of this process (kB) from /proc: now, or the peak since the last reset.
long residentKb(const char *field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::string(field).size()));
  return -1;
}
void resetPeak() { std::ofstream("/proc/self/clear_refs") << "5"; }

struct Mlp : nn::Module {
  Mlp() : fc1(register_module("fc1", nn::Linear(1024, 4096))), fc2(register_module("fc2", nn::Linear(4096, 1024))) {}
  Tensor forward(const Tensor &x) { return fc2(gelu(fc1(x))); }
  nn::Linear fc1, fc2;
};

// x + attention(ln1(x)), then + mlp(ln2(.)); 8 heads of 64.
struct Encoder : nn::Module {
  Encoder()
      : ln1(register_module("ln1", nn::LayerNorm(nn::LayerNormOptions({512})))),
        ln2(register_module("ln2", nn::LayerNorm(nn::LayerNormOptions({512})))),
        qkv(register_module("qkv", nn::Linear(512, 1536))),
        proj(register_module("proj", nn::Linear(512, 512))),
        fc1(register_module("fc1", nn::Linear(512, 2048))),
        fc2(register_module("fc2", nn::Linear(2048, 512))) {}
  Tensor forward(const Tensor &x) {
    int64_t b = x.size(0), s = x.size(1);
    Tensor t = qkv(ln1(x)).reshape({b, s, 3, 8, 64}).permute({2, 0, 3, 1, 4});  // [3, b, h, s, 64]
    auto part = [&](int64_t i) { return t.slice(0, i, i + 1).squeeze(0); };
    Tensor q = part(0), k = part(1), v = part(2);
    Tensor attention = softmax(matmul(q, k.transpose(-2, -1)) * (1.0 / 8.0), -1);
    Tensor heads = matmul(attention, v).permute({0, 2, 1, 3}).reshape({b, s, 512});
    Tensor h = x + proj(heads);
    return h + fc2(gelu(fc1(ln2(h))));
  }
  nn::LayerNorm ln1, ln2;
  nn::Linear qkv, proj, fc1, fc2;
};

template <typename Model>
void bench(Model &model, const Tensor &x, const Tensor &target) {
  optim::AdamW opt(model.parameters(), optim::AdamWOptions(1e-4));
  auto eagerStep = [&](const Tensor &in, const Tensor &want) {
    opt.zero_grad();
    Tensor loss = F::mse_loss(model.forward(in), want);
    loss.backward();
    opt.step();
    return loss;
  };
  auto jitStep = jit(eagerStep);
  auto step = [&] { return (useJit ? jitStep(x, target) : eagerStep(x, target)).template item<float>(); };
  auto start = Clock::now();
  float first = step();
  double firstSeconds = std::chrono::duration<double>(Clock::now() - start).count();
  step();  // a second warm-up: eager steps compile again once gradients exist
  long restingKb = residentKb("VmRSS:");
  resetPeak();
  std::vector<double> times;
  float last = first;
  for (int i = 0; i < steps; ++i) {
    auto t0 = Clock::now();
    last = step();
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  std::printf("{\"first_step_s\": %.3f, \"median_step_ms\": %.3f, \"resting_mb\": %.1f, \"step_peak_growth_mb\": %.1f, "
              "\"first_loss\": %.5f, \"last_loss\": %.5f, \"compiles\": %llu}\n",
              firstSeconds, times[times.size() / 2], restingKb / 1024.0,
              (residentKb("VmHWM:") - restingKb) / 1024.0, first, last,
              static_cast<unsigned long long>(cache_stats().compiles));
}

}  // namespace

int main(int argc, char **argv) {
  llvm::cl::ParseCommandLineOptions(argc, argv, "fusor training-step benchmark\n");
  set_num_threads(threads);
  manual_seed(0);
  try {
    if (modelName == "mlp") {
      Mlp model;
      bench(model, randn({256, 1024}), randn({256, 1024}));
    } else if (modelName == "encoder") {
      Encoder model;
      bench(model, randn({8, 256, 512}), randn({8, 256, 512}));
    } else {
      std::fprintf(stderr, "fusor-train-bench: unknown --model %s (mlp or encoder)\n", modelName.c_str());
      return 2;
    }
  } catch (const Error &e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
