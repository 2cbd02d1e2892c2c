// matmul and linear vs a double reference.
#include <cmath>
#include "Reference.h"

namespace fusor::testing {
namespace {

TEST(Matmul, TorchSemanticsOverShapes) {
  std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> cases = {
      {{7}, {7}},          {{7}, {7, 3}},          {{5, 7}, {7}},         {{5, 7}, {7, 3}},
      {{1, 1}, {1, 1}},    {{13, 17}, {17, 11}},   {{2, 5, 7}, {7, 3}},   {{7}, {4, 7, 3}},
      {{4, 5, 7}, {7}},    {{2, 1, 5, 7}, {3, 7, 4}}, {{64, 128}, {128, 96}},
      {{12, 9, 16}, {12, 16, 5}}, {{3, 4, 6, 8}, {3, 4, 8, 7}},  // attention-like batches
      {{2, 4, 5, 7}, {2, 1, 7, 3}}, {{3, 1, 6, 8}, {1, 5, 8, 2}}};  // size-1 batch dims broadcast
  for (const auto &[sa, sb] : cases) {
    Tensor a = randomTensor(sa), b = randomTensor(sb);
    double k = static_cast<double>(sa.back());
    expectClose(matmul(a, b), matmul(toRef(a), toRef(b)), 1e-5, 1e-5 * std::sqrt(k),
                "matmul " + shapeString(sa) + " x " + shapeString(sb));
  }
}

TEST(Matmul, OtherTypes) {
  Tensor a = randomInts({3, 4}, -9, 9, kInt32), b = randomInts({4, 5}, -9, 9, kInt32);
  expectClose(matmul(a, b), matmul(toRef(a), toRef(b)), 0, 0, "int32 matmul");
  Tensor h = randomTensor({8, 64}, kFloat16), g = randomTensor({64, 8}, kFloat16);
  expectClose(matmul(h, g).to(kFloat32), matmul(toRef(h), toRef(g)), 5e-3, 5e-2, "f16 matmul");
  Tensor d = randomTensor({6, 9}, kFloat64), e = randomTensor({9, 2}, kFloat64);
  expectClose(matmul(d, e), matmul(toRef(d), toRef(e)), 1e-12, 1e-12, "f64 matmul");
}

TEST(Matmul, LinearWithBiasAndEpilogue) {
  // On CUDA these become cuBLASLt epilogues (bias, relu, tanh-gelu); elsewhere fused kernels.
  auto relu = [](double v) { return v > 0 ? v : 0; };
  auto geluTanh = [](double v) { return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v))); };
  Tensor x = randomTensor({10, 16}), w = randomTensor({24, 16}), b = randomTensor({24});
  Ref xw = matmul(toRef(x), permute(toRef(w), {1, 0}));
  Ref biased = zip(xw, toRef(b), std::plus<double>());
  expectClose(fusor::relu(linear(x, w, b)), map(biased, relu), 1e-5, 1e-5, "relu(linear)");
  expectClose(linear(x, w, b), biased, 1e-5, 1e-5, "linear");
  expectClose(gelu(linear(x, w, b), "tanh"), map(biased, geluTanh), 1e-5, 1e-5, "gelu_tanh(linear)");
  expectClose(fusor::relu(matmul(x, w.t())), map(xw, relu), 1e-5, 1e-5, "relu(matmul)");
  // A rank-3 input (two m dims merged into one GEMM), and the exact gelu, which is not an epilogue.
  Tensor x3 = randomTensor({3, 5, 16});
  Ref biased3 = zip(matmul(toRef(x3), permute(toRef(w), {1, 0})), toRef(b), std::plus<double>());
  expectClose(gelu(linear(x3, w, b), "tanh"), map(biased3, geluTanh), 1e-5, 1e-5, "gelu_tanh(linear) rank 3");
  expectClose(gelu(linear(x3, w, b)), map(biased3, [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); }),
              1e-5, 1e-5, "gelu(linear)");
  // Two layers: the hidden activation may be placed in the result's buffer, which the second
  // GEMM then reads; its bias must not be written there while it runs.
  Tensor w2 = randomTensor({24, 24}), b2 = randomTensor({24});
  auto erfGelu = [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); };
  Ref hidden = map(biased, erfGelu);
  Ref mlp = zip(matmul(hidden, permute(toRef(w2), {1, 0})), toRef(b2), std::plus<double>());
  expectClose(linear(gelu(linear(x, w, b)), w2, b2), mlp, 1e-5, 1e-5, "linear(gelu(linear))");
  // The product is also a result: it must be kept, so the activation stays a kernel.
  Tensor y = linear(x, w, b), r = fusor::relu(y);
  realize({y, r});
  expectClose(y, biased, 1e-5, 1e-5, "linear kept");
  expectClose(r, map(biased, relu), 1e-5, 1e-5, "relu beside it");
}

}  // namespace
}  // namespace fusor::testing
