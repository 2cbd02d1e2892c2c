// The kernels' side of fusor/runtime/ConstantWeights.h: copies made from registered weights
// (the GEMM's packed B, Winograd's transformed weights), made once and shared by every later
// call with the same weights.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace fusor::runtime {

// Whether any model has weights registered: without, a GEMM need not look (no lock).
bool anyConstantWeights();

// What writes a packed copy: a reference to the caller's callable, not a copy of it (every
// GEMM with a packed B passes one; a std::function allocated for it on every call).
class PackInto {
 public:
  template <typename Pack>
  explicit PackInto(const Pack &pack)
      : pack_(&pack), call_([](const void *p, float *out) { (*static_cast<const Pack *>(p))(out); }) {}
  void operator()(float *out) const { call_(pack_, out); }

 private:
  const void *pack_;
  void (*call_)(const void *, float *);
};

// What a packed copy holds: the GEMM's packed panels of B or of A, or Winograd's transformed
// weights.
enum class PackedKind { kGemmPanels, kGemmRowPanels, kWinogradWeights };

// The packed copy (`floats` long, 64-byte aligned) of the matrix at `b` with these strides and
// sizes (k rows, n columns) if all of it lies in registered weights, written by `pack` on
// first use; else null.
std::shared_ptr<const float> packedWeights(const float *b, int64_t rsB, int64_t csB, int64_t k, int64_t n,
                                           size_t floats, PackInto pack, PackedKind kind = PackedKind::kGemmPanels);

}  // namespace fusor::runtime
