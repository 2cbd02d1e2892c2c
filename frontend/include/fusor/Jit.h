// fusor::jit(f): compile a whole function once per input signature; the compile cache.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <tuple>
#include <type_traits>
#include <vector>

#include <functional>

#include "fusor/Tensor.h"

namespace fusor {

struct CacheStats {
  uint64_t hits = 0;      // realizations that found their program compiled
  uint64_t misses = 0;    // realizations whose program was not in memory
  uint64_t disk_hits = 0;    // ... and was loaded from the disk cache (FUSOR_CACHE_DIR)
  uint64_t disk_misses = 0;  // ... and was not there either (CPU programs)
  uint64_t compiles = 0;  // programs compiled (MLIR and LLVM ran)
  uint64_t mlir_passes = 0;  // MLIR passes run by those compiles
  double compile_ms = 0;  // total compile time
  uint64_t entries = 0;   // programs in the cache now
};

CacheStats cache_stats();
// Forgets compiled programs (statistics are kept).
void clear_cache();

// Dynamic sizes, as torch._dynamo.mark_dynamic / mark_static. A program input's dim that takes
// a second value for one graph is compiled as `?` from then on (one program serves every
// later value); mark_dynamic makes `dim` of `t` so from its first compile, mark_static keeps
// it specialized. Where an op cannot take a `?` size yet, the program stays specialized
// (FUSOR_LOG=recompiles says which op).
void mark_dynamic(const Tensor &t, int64_t dim, Where where = Where::current());
void mark_static(const Tensor &t, int64_t dim, Where where = Where::current());

namespace detail {

// Traces a function of tensors once per input signature (dtypes, sizes, grad mode) and
// afterwards runs the compiled program directly: no tracing, no graph. What the function
// changes in place (parameters, optimizer state, gradients) is part of the program: a replay
// reads those tensors' current values and gives them their new ones. Host state the trace
// depended on (a module's train/eval mode, optimizer options) is checked at each call, and
// the function is traced again when it changed.
class TracedFunction {
 public:
  using Body = std::function<std::vector<Tensor>(const std::vector<Tensor> &)>;
  explicit TracedFunction(Body body);
  ~TracedFunction();
  std::vector<Tensor> operator()(const std::vector<Tensor> &args, const Where &where);
  struct Trace;  // one traced call (frontend/jit/Jit.cpp)

 private:
  // Traces a call; null when it could not be made replayable (it then ran, into `ranOnce`).
  std::shared_ptr<Trace> record(const std::vector<Tensor> &args, const Where &where,
                                std::vector<Tensor> &ranOnce);
  std::vector<Tensor> replay(Trace &trace, const std::vector<Tensor> &args, const Where &where);

  Body body_;
  std::mutex mutex_;
  std::vector<std::pair<std::vector<int64_t>, std::shared_ptr<Trace>>> traces_;
};

inline void collect(std::vector<Tensor> &out, const Tensor &t) { out.push_back(t); }
inline void collect(std::vector<Tensor> &out, const std::vector<Tensor> &ts) {
  out.insert(out.end(), ts.begin(), ts.end());
}
template <typename... T>
void collect(std::vector<Tensor> &out, const std::tuple<T...> &t) {
  std::apply([&](const auto &...x) { (collect(out, x), ...); }, t);
}

template <typename R>
R rebuild(const std::vector<Tensor> &results) {
  if constexpr (std::is_same_v<R, Tensor>) {
    return results.at(0);
  } else if constexpr (std::is_same_v<R, std::vector<Tensor>>) {
    return results;
  } else {  // std::tuple<Tensor, ...>
    return [&]<size_t... I>(std::index_sequence<I...>) {
      return R{results.at(I)...};
    }(std::make_index_sequence<std::tuple_size_v<R>>());
  }
}

}  // namespace detail

// f takes Tensors and returns a Tensor, a std::tuple of Tensors or a std::vector<Tensor>.
template <typename F>
class JitFunction {
 public:
  explicit JitFunction(F f) : f_(std::move(f)) {}

  template <typename... Args>
  auto operator()(const Args &...args) {
    using R = std::invoke_result_t<F &, const Args &...>;
    if (!traced_)
      traced_ = std::make_shared<detail::TracedFunction>([this](const std::vector<Tensor> &in) {
        std::vector<Tensor> out;
        [&]<size_t... I>(std::index_sequence<I...>) {
          detail::collect(out, f_(in.at(I)...));
        }(std::index_sequence_for<Args...>());
        return out;
      });
    return detail::rebuild<R>((*traced_)({args...}, Where::current()));
  }

 private:
  F f_;
  std::shared_ptr<detail::TracedFunction> traced_;
};

template <typename F>
JitFunction<F> jit(F f) {
  return JitFunction<F>(std::move(f));
}

}  // namespace fusor
