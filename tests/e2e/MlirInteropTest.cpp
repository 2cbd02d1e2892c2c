// export_mlir and run_mlir: a traced function written as fusor-dialect text and run again.
#include <filesystem>
#include <fstream>

#include "Reference.h"
#include "fusor/Mlir.h"

namespace fusor::testing {
namespace {

std::string tempPath(const std::string &name) {
  return (std::filesystem::temp_directory_path() / ("fusor-" + std::to_string(::getpid()) + "-" + name)).string();
}

TEST(MlirInterop, ExportedFunctionRunsAgainWithItsWeights) {
  Tensor w = randomTensor({8, 6}), b = randomTensor({6});
  auto f = [&](const std::vector<Tensor> &in) {
    return std::vector<Tensor>{relu(matmul(in[0], w) + b), in[0].sum({1}) > 0};
  };
  Tensor x = randomTensor({4, 8});
  std::string path = tempPath("export.mlir");
  export_mlir(f, {x}, path);
  std::vector<Tensor> direct = f({x}), replayed = run_mlir(path, {x});
  ASSERT_EQ(replayed.size(), 2u);
  expectClose(replayed[0], toRef(direct[0]), 1e-6, 1e-6, "exported relu(x @ w + b)");
  expectClose(replayed[1], toRef(direct[1]), 0, 0, "exported comparison");
  EXPECT_THROW(run_mlir(path, {randomTensor({5, 8})}), Error);  // its sizes are static
  EXPECT_THROW(run_mlir(path, {x, x}), Error);
  std::filesystem::remove(path);
}

TEST(MlirInterop, RunsHandWrittenModulesWithDynamicSizes) {
  std::string path = tempPath("dynamic.mlir");
  std::ofstream(path) << R"mlir(
func.func @main(%x: tensor<?x3xf32>, %y: tensor<3xf32>) -> tensor<?xf32> {
  %0 = fusor.mul %x, %y : tensor<?x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
  %1 = fusor.reduce_sum %0 dims = [1] : tensor<?x3xf32> -> tensor<?xf32>
  return %1 : tensor<?xf32>
})mlir";
  for (int64_t rows : {2, 7}) {
    Tensor x = randomTensor({rows, 3}), y = randomTensor({3});
    std::vector<Tensor> out = run_mlir(path, {x, y});
    expectClose(out[0], reduce(zip(toRef(x), toRef(y), std::multiplies<double>()), {1}, false, 0.0, std::plus<double>()),
                1e-6, 1e-6, "dynamic rows " + std::to_string(rows));
  }
  // The same file and input types again: no recompile, the cached program runs.
  Tensor x = randomTensor({7, 3}), y = randomTensor({3});
  uint64_t hits = cache_stats().hits;
  std::vector<Tensor> again = run_mlir(path, {x, y});
  EXPECT_EQ(cache_stats().hits, hits + 1);
  expectClose(again[0], reduce(zip(toRef(x), toRef(y), std::multiplies<double>()), {1}, false, 0.0, std::plus<double>()),
              1e-6, 1e-6, "cached run");
  EXPECT_THROW(run_mlir(path, {randomTensor({2, 4}), randomTensor({3})}), Error);  // 4 vs 3
  std::ofstream(path) << "func.func @main( this is not MLIR";
  try {
    run_mlir(path, {});
    ADD_FAILURE() << "no error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("cannot read"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace fusor::testing
