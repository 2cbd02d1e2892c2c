// fusor-gpu-workloads: writes the GPU benchmark's workloads (issue 4) as fusor-dialect files,
// traced from the C++ API with every tensor an argument, so that `fusor-compile --target cuda`
// turns each into a library needing only libfusor_runtime.so (tools/bench/gpu_prepare.sh), which
// runs on a GPU machine without MLIR or LLVM (tools/bench/gpu_bench.py).
//
// usage: fusor-gpu-workloads OUTDIR [--small]   (--small: tiny sizes, for testing the pipeline)
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "fusor/Mlir.h"
#include "fusor/fusor.h"

using fusor::Tensor;

namespace {

// Placeholder-shaped examples: never computed (zeros stay lazy scalars).
std::vector<Tensor> shapes(std::vector<std::vector<int64_t>> list) {
  std::vector<Tensor> out;
  for (auto &s : list) out.push_back(fusor::zeros(s));
  return out;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fusor-gpu-workloads OUTDIR [--small]\n");
    return 2;
  }
  std::filesystem::path dir = argv[1];
  bool small = argc > 2 && std::string(argv[2]) == "--small";
  std::filesystem::create_directories(dir);
  int64_t chainN = small ? 4096 : int64_t{64} << 20;
  int64_t softRows = small ? 64 : 8192, softCols = small ? 128 : 8192;
  int64_t lnRows = small ? 64 : 16384, lnCols = small ? 256 : 4096;
  int64_t batch = small ? 16 : 4096, width = small ? 64 : 4096;
  int64_t seq = small ? 16 : 1024, model = small ? 64 : 1024, heads = small ? 4 : 16, sequences = small ? 2 : 8;
  try {
    // A fused elementwise chain: 2 reads, 1 write.
    fusor::export_mlir([](const std::vector<Tensor> &in) {
      return std::vector<Tensor>{fusor::relu(in[0] * 1.5 + in[1]) * 0.5 - in[1]};
    }, shapes({{chainN}, {chainN}}), (dir / "chain.mlir").string());
    // A loss: mean squared error over everything, a full reduction to one value.
    fusor::export_mlir([](const std::vector<Tensor> &in) {
      Tensor d = in[0] - in[1];
      return std::vector<Tensor>{(d * d).mean()};
    }, shapes({{chainN}, {chainN}}), (dir / "mse.mlir").string());
    fusor::export_mlir([](const std::vector<Tensor> &in) {
      return std::vector<Tensor>{fusor::softmax(in[0], -1)};
    }, shapes({{softRows, softCols}}), (dir / "softmax.mlir").string());
    fusor::export_mlir([&](const std::vector<Tensor> &in) {
      return std::vector<Tensor>{fusor::layer_norm(in[0], {lnCols}, in[1], in[2])};
    }, shapes({{lnRows, lnCols}, {lnCols}, {lnCols}}), (dir / "layernorm.mlir").string());
    // MLP forward: linear, GELU, linear.
    fusor::export_mlir([](const std::vector<Tensor> &in) {
      Tensor h = fusor::gelu(fusor::linear(in[0], in[1], in[2]));
      return std::vector<Tensor>{fusor::linear(h, in[3], in[4])};
    }, shapes({{batch, width}, {width, width}, {width}, {width, width}, {width}}), (dir / "mlp.mlir").string());
    // An attention block: QKV projection, softmax(QK^T / sqrt(d)) V per head, output projection.
    fusor::export_mlir([=](const std::vector<Tensor> &in) {
      int64_t d = model / heads;
      Tensor qkv = fusor::linear(in[0], in[1], in[2]);  // [B, S, 3M]
      auto head = [&](int64_t part) {
        return qkv.slice(2, part * model, (part + 1) * model).reshape({sequences, seq, heads, d}).transpose(1, 2);
      };
      Tensor scores = fusor::matmul(head(0), head(1).transpose(2, 3)) / std::sqrt(static_cast<double>(d));
      Tensor attn = fusor::matmul(fusor::softmax(scores, -1), head(2)).transpose(1, 2).reshape({sequences, seq, model});
      return std::vector<Tensor>{fusor::linear(attn, in[3], in[4])};
    }, shapes({{sequences, seq, model}, {3 * model, model}, {3 * model}, {model, model}, {model}}),
       (dir / "attention.mlir").string());
  } catch (const std::exception &e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  std::printf("fusor-gpu-workloads: wrote chain, mse, softmax, layernorm, mlp, attention .mlir to %s\n", dir.c_str());
  return 0;
}
