// Mutated ONNX models (truncated, bytes flipped or inserted) must give a fusor::Error or a
// result, never a crash or another kind of exception.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "fusor/fusor.h"
#include "fusor/onnx/Model.h"

namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path &p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Models of varied ops, from the node tests.
const char *kCases[] = {"test_add_bcast", "test_matmul_3d", "test_softmax_axis_1", "test_reshape_negative_dim",
                        "test_transpose_all_permutations_3", "test_gather_1", "test_slice", "test_concat_2d_axis_1",
                        "test_reduce_mean_keepdims_random", "test_layer_normalization_3d_axis1_epsilon",
                        "test_gemm_all_attributes", "test_split_equal_parts_1d_opset18", "test_unsqueeze_two_axes",
                        "test_cast_FLOAT_to_DOUBLE", "test_where_example", "test_expand_dim_changed"};

TEST(MutatedModels, GiveErrorsNotCrashes) {
  fs::path data = FUSOR_ONNX_NODE_TESTS;
  if (!fs::is_directory(data)) GTEST_SKIP() << "no ONNX node-test data at " << data;
  std::mt19937 rng(20261122);
  int parsed = 0, errors = 0, ran = 0;
  for (const char *name : kCases) {
    fs::path dir = data / name;
    if (!fs::exists(dir / "model.onnx")) continue;
    std::string model = readFile(dir / "model.onnx");
    std::vector<fusor::Tensor> inputs;
    for (int i = 0; fs::exists(dir / "test_data_set_0" / ("input_" + std::to_string(i) + ".pb")); ++i)
      inputs.push_back(fusor::onnx::readTensorProto(
          readFile(dir / "test_data_set_0" / ("input_" + std::to_string(i) + ".pb"))));
    for (int m = 0; m < 40; ++m) {
      std::string bytes = model;
      int kind = m % 3;
      if (kind == 0) {
        bytes.resize(rng() % bytes.size());
      } else {
        for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) {
          size_t at = rng() % bytes.size();
          if (kind == 1) bytes[at] = static_cast<char>(rng());
          else bytes.insert(at, 1, static_cast<char>(rng()));
        }
      }
      try {
        fusor::onnx::Model mutated = fusor::onnx::Model::parse(bytes, name);
        ++parsed;
        std::vector<fusor::Tensor> outputs = mutated.run(inputs);
        fusor::realize(std::span<const fusor::Tensor>(outputs));
        ++ran;
      } catch (const fusor::Error &) {
        ++errors;
      } catch (const std::exception &e) {
        ADD_FAILURE() << name << " mutation " << m << ": " << typeid(e).name() << ": " << e.what();
      }
    }
  }
  std::cout << "parsed " << parsed << ", ran " << ran << ", clear errors " << errors << "\n";
  EXPECT_GT(errors, 0);
  EXPECT_GT(ran, 0);
}

}  // namespace
