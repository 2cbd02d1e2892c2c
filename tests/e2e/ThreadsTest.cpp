// Several threads tracing and realizing at once, each with its own tensors, all reading
// shared realized ones: results stay right, one graph compiles once however many threads ask
// for it, and the cache counts every request.
#include <atomic>
#include <barrier>
#include <random>
#include <thread>

#include "Reference.h"

namespace fusor::testing {
namespace {

constexpr int kThreads = 8;

// Normal values from a generator of the calling thread's own.
Tensor threadRandom(std::mt19937_64 &rng, std::vector<int64_t> shape) {
  std::normal_distribution<double> normal;
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<float> values(static_cast<size_t>(n));
  for (float &v : values) v = static_cast<float>(normal(rng));
  return from_vector(values, std::move(shape));
}

TEST(Threads, EightThreadsHitAndMissTheCacheTogether) {
  Tensor w = randomTensor({24, 16}), b = randomTensor({16});  // shared, realized
  realize({w, b});
  Ref wRef = toRef(w), bRef = toRef(b);
  CacheStats before = cache_stats();
  std::atomic<int> requests{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(1000 + t);
      Tensor total = zeros({16});  // this thread's own, changed in place
      Ref totalRef{{16}, std::vector<double>(16, 0.0)};
      auto step = jit([&](const Tensor &x) { return tanh(matmul(x, w)) * 0.5f; });
      for (int i = 0; i < 30; ++i) {
        int64_t batch = 1 + (i * 7 + t) % 5;  // shapes repeat: hits, and misses while new
        float scale = 0.25f * static_cast<float>(1 + t % 3);
        Tensor x = threadRandom(rng, {batch, 24});
        Ref xRef = toRef(x);
        Ref y = map(zip(matmul(xRef, wRef), bRef, std::plus<double>()), [&](double v) { return v > 0 ? v * scale : 0.0; });
        Tensor out = relu(matmul(x, w) + b) * scale;
        total.add_(out.sum({0}));
        expectClose(out, y, 1e-5, 1e-5, "thread " + std::to_string(t) + " step " + std::to_string(i));
        Ref z = map(matmul(xRef, wRef), [](double v) { return std::tanh(v) * 0.5; });
        expectClose(step(x), z, 1e-5, 1e-5, "jit, thread " + std::to_string(t));
        Ref sums = reduce(y, {0}, false, 0.0, std::plus<double>());
        for (size_t k = 0; k < 16; ++k) totalRef.v[k] += sums.v[k];
        requests += 2;  // out with the total's in-place change (one program), and the jit call
      }
      expectClose(total, totalRef, 1e-4, 1e-4, "total of thread " + std::to_string(t));
    });
  for (std::thread &t : threads) t.join();
  CacheStats after = cache_stats();
  EXPECT_EQ(after.hits + after.misses - before.hits - before.misses, static_cast<uint64_t>(requests.load()));
  EXPECT_LE(after.compiles - before.compiles, after.misses - before.misses);
}

TEST(Threads, OneGraphCompilesOnceWhenEightThreadsAskAtOnce) {
  // A graph no other test makes: the first request is a miss.
  std::vector<Tensor> inputs;
  for (int t = 0; t < kThreads; ++t) inputs.push_back(randomTensor({37, 29}));
  realize(inputs);
  CacheStats before = cache_stats();
  std::barrier start(kThreads);
  std::vector<Tensor> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      Tensor y = sigmoid(inputs[t] * 1.375f) * cos(inputs[t] - 0.625f);
      start.arrive_and_wait();
      realize({y});
      results[t] = y;
    });
  for (std::thread &t : threads) t.join();
  CacheStats after = cache_stats();
  EXPECT_EQ(after.misses - before.misses, 1u);
  EXPECT_EQ(after.hits - before.hits, static_cast<uint64_t>(kThreads - 1));
  EXPECT_LE(after.compiles - before.compiles, 1u);
  for (int t = 0; t < kThreads; ++t)
    expectClose(results[t], map(toRef(inputs[t]), [](double v) { return std::cos(v - 0.625) / (1 + std::exp(-1.375 * v)); }),
                1e-5, 1e-5, "thread " + std::to_string(t));
}

TEST(Threads, DifferentGraphsCompileAtOnce) {
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  CacheStats before = cache_stats();
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(77 + t);
      Tensor x = threadRandom(rng, {3 + t, 11});
      Ref xRef = toRef(x);
      start.arrive_and_wait();
      Tensor y = exp(x * -0.5f) + x.sum({1}, true);
      for (int k = 0; k < t; ++k) y = y * 0.75f;  // a graph per thread: t more ops
      Ref sums = reduce(xRef, {1}, true, 0.0, std::plus<double>());
      Ref want = zip(map(xRef, [](double v) { return std::exp(-0.5 * v); }), sums, std::plus<double>());
      want = map(want, [&](double v) { return v * std::pow(0.75, t); });
      expectClose(y, want, 1e-5, 1e-5, "thread " + std::to_string(t));
    });
  for (std::thread &t : threads) t.join();
  EXPECT_GE(cache_stats().misses - before.misses, static_cast<uint64_t>(kThreads));
}

}  // namespace
}  // namespace fusor::testing
