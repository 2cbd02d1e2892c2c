// An ONNX CNN with initializers (weights), built here with the protobuf classes, compiled by
// fusor-compile with embedded weights and with a side file, loaded with dlopen and run through
// its C API: both give the JIT's results; a missing or truncated weights file is a clear error.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "fusor/aot/Runtime.h"
#include "fusor/fusor.h"
#include "fusor/onnx/Model.h"
#include "../conformance/OnnxBuilders.h"

namespace {

namespace fs = std::filesystem;
using fusor::Tensor;
using fusor::testing::addNode;

void addInitializer(onnx::GraphProto &g, const std::string &name, std::vector<int64_t> dims, std::mt19937 &rng) {
  onnx::TensorProto *t = g.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  int64_t n = 1;
  for (int64_t d : dims) {
    t->add_dims(d);
    n *= d;
  }
  std::normal_distribution<float> dist(0.0f, 0.3f);
  for (int64_t i = 0; i < n; ++i) t->add_float_data(dist(rng));
}

void intsAttribute(onnx::NodeProto *node, const std::string &name, std::vector<int64_t> values) {
  onnx::AttributeProto *a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

void addValue(onnx::ValueInfoProto *v, const std::string &name, std::vector<int64_t> dims, const char *symbol = nullptr) {
  v->set_name(name);
  auto *type = v->mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx::TensorProto::FLOAT);
  for (size_t i = 0; i < dims.size(); ++i) {
    auto *d = type->mutable_shape()->add_dim();
    if (i == 0 && symbol) d->set_dim_param(symbol);
    else d->set_dim_value(dims[i]);
  }
}

// conv 3x3 (pads 1) -> relu -> maxpool 2x2 -> conv 1x1 -> global average pool -> flatten -> gemm.
std::string writeModel(const fs::path &path) {
  std::mt19937 rng(7);
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(17);
  onnx::GraphProto &g = *model.mutable_graph();
  g.set_name("tiny_cnn");
  addValue(g.add_input(), "image", {1, 3, 12, 10}, "batch");
  addInitializer(g, "w1", {8, 3, 3, 3}, rng);
  addInitializer(g, "b1", {8}, rng);
  addInitializer(g, "w2", {16, 8, 1, 1}, rng);
  addInitializer(g, "fc", {5, 16}, rng);
  addInitializer(g, "fc_bias", {5}, rng);
  intsAttribute(addNode(g, "Conv", {"image", "w1", "b1"}, "c1"), "pads", {1, 1, 1, 1});
  addNode(g, "Relu", {"c1"}, "r1");
  onnx::NodeProto *pool = addNode(g, "MaxPool", {"r1"}, "p1");
  intsAttribute(pool, "kernel_shape", {2, 2});
  intsAttribute(pool, "strides", {2, 2});
  addNode(g, "Conv", {"p1", "w2"}, "c2");
  addNode(g, "GlobalAveragePool", {"c2"}, "g");
  addNode(g, "Flatten", {"g"}, "f");
  onnx::NodeProto *gemm = addNode(g, "Gemm", {"f", "fc", "fc_bias"}, "logits");
  onnx::AttributeProto *transB = gemm->add_attribute();
  transB->set_name("transB");
  transB->set_type(onnx::AttributeProto::INT);
  transB->set_i(1);
  addValue(g.add_output(), "logits", {1, 5});
  std::string bytes;
  model.SerializeToString(&bytes);
  std::ofstream(path, std::ios::binary) << bytes;
  return bytes;
}

struct Library {
  void *handle = nullptr;
  const fusor_model_descriptor *descriptor = nullptr;
  explicit Library(const fs::path &path) {
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) return;
    auto describe = reinterpret_cast<const fusor_model_descriptor *(*)()>(dlsym(handle, "fusor_model_descriptor"));
    descriptor = describe ? describe() : nullptr;
  }
  template <typename F>
  F fn(const char *name) { return reinterpret_cast<F>(dlsym(handle, name)); }
};

class AotOnnx : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fusor-aot-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    writeModel(dir_ / "tiny_cnn.onnx");
  }
  void TearDown() override { fs::remove_all(dir_); }
  int compile(const std::string &args) {
    std::string command = std::string(FUSOR_COMPILE) + " " + (dir_ / "tiny_cnn.onnx").string() + " " + args +
                          " > " + (dir_ / "log.txt").string() + " 2>&1";
    return std::system(command.c_str());
  }
  std::string log() {
    std::ifstream in(dir_ / "log.txt");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  fs::path dir_;
};

// x [64, 96] @ w [96, 80], w an initializer drawn with `seed`: a GEMM with enough rows that
// its B (w) is packed, and packed once since it is a model's weight.
std::string matmulModel(unsigned seed) {
  std::mt19937 rng(seed);
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(17);
  onnx::GraphProto &g = *model.mutable_graph();
  g.set_name("matmul");
  addValue(g.add_input(), "x", {64, 96});
  addInitializer(g, "w", {96, 80}, rng);
  addNode(g, "MatMul", {"x", "w"}, "y");
  addValue(g.add_output(), "y", {64, 80});
  std::string bytes;
  model.SerializeToString(&bytes);
  return bytes;
}

// A model's weights are packed once while it lives and forgotten when it is destroyed: the
// next model's weights, of the same shape and likely in the same recycled memory, are read
// afresh, not taken from the first model's packed copy.
TEST(ModelWeights, PackedOnceAndForgottenWithTheModel) {
  Tensor x = fusor::randn({64, 96});
  std::vector<float> xs = x.to_vector<float>();
  for (unsigned seed : {1u, 2u, 3u}) {
    std::string bytes = matmulModel(seed);
    onnx::ModelProto proto;
    ASSERT_TRUE(proto.ParseFromString(bytes));
    const auto &w = proto.graph().initializer(0).float_data();
    fusor::onnx::Model model = fusor::onnx::Model::parse(bytes);
    for (int run = 0; run < 2; ++run) {
      std::vector<float> y = model.run({x})[0].to_vector<float>();
      for (int64_t i = 0; i < 64; i += 5)
        for (int64_t j = 0; j < 80; j += 3) {
          double sum = 0;
          for (int64_t p = 0; p < 96; ++p) sum += double(xs[i * 96 + p]) * double(w[p * 80 + j]);
          ASSERT_NEAR(y[i * 80 + j], sum, 1e-4 * (1 + std::abs(sum))) << "seed " << seed << " run " << run;
        }
    }
  }
}

TEST_F(AotOnnx, EmbeddedAndSideFileWeightsGiveTheJitResult) {
  // The symbolic batch dim must be fixed.
  EXPECT_NE(compile("-o " + (dir_ / "fail").string()), 0);
  EXPECT_NE(log().find("input 'image' has an unknown size in dim 0 ('batch'); fix it with --shape image="),
            std::string::npos) << log();

  fusor::manual_seed(3);
  Tensor image = fusor::randn({1, 3, 12, 10});
  fusor::onnx::Model jitModel = fusor::onnx::Model::load((dir_ / "tiny_cnn.onnx").string());
  std::vector<float> expected = jitModel.run({image})[0].to_vector<float>();
  std::vector<float> input = image.to_vector<float>();

  for (bool sideFile : {false, true}) {
    fs::path out = dir_ / (sideFile ? "side" : "embedded");
    ASSERT_EQ(compile("-o " + out.string() + " --shape image=1x3x12x10 --name tiny" +
                      (sideFile ? " --weights-file" : "")), 0) << log();
    EXPECT_NE(log().find("5 weights"), std::string::npos) << log();
    EXPECT_EQ(fs::exists(out / "tiny.weights"), sideFile);
    Library lib(out / "libtiny.so");
    ASSERT_TRUE(lib.handle && lib.descriptor) << dlerror();
    EXPECT_EQ(lib.fn<int (*)()>("tiny_num_inputs")(), 1);
    EXPECT_STREQ(lib.fn<const char *(*)(int)>("tiny_input_name")(0), "image");
    EXPECT_EQ(lib.fn<int (*)(int)>("tiny_output_rank")(0), 2);
    EXPECT_EQ(lib.fn<const int64_t *(*)(int)>("tiny_output_shape")(0)[1], 5);
    EXPECT_EQ(lib.fn<const char *(*)(int)>("tiny_output_name")(7), nullptr);
    auto create = lib.fn<fusor_model *(*)()>("tiny_create");
    auto run = lib.fn<int (*)(fusor_model *, const void *const *, void *const *)>("tiny_run");
    auto destroy = lib.fn<void (*)(fusor_model *)>("tiny_destroy");
    auto lastError = lib.fn<const char *(*)()>("tiny_last_error");
    fusor_model *model = create();
    ASSERT_NE(model, nullptr) << lastError();
    std::vector<float> output(5, -1.0f);
    const void *inputs[] = {input.data()};
    void *outputs[] = {output.data()};
    ASSERT_EQ(run(model, inputs, outputs), 0) << lastError();
    for (int i = 0; i < 5; ++i) EXPECT_NEAR(output[i], expected[i], 1e-5f * (1 + std::abs(expected[i]))) << i;
    const void *missing[] = {nullptr};
    EXPECT_EQ(run(model, missing, outputs), -1);
    EXPECT_NE(std::string(lastError()).find("input 0 is NULL"), std::string::npos);
    destroy(model);
    if (sideFile) {  // a truncated weights file is refused when the model is created
      fs::resize_file(out / "tiny.weights", fs::file_size(out / "tiny.weights") - 4);
      EXPECT_EQ(create(), nullptr);
      EXPECT_NE(std::string(lastError()).find("expected"), std::string::npos) << lastError();
      fs::remove(out / "tiny.weights");
      EXPECT_EQ(create(), nullptr);
      EXPECT_NE(std::string(lastError()).find("cannot open the weights file"), std::string::npos) << lastError();
    }
  }
}

// --target cuda builds without a GPU. Where CUDA is available (a GPU, or the CUDA emulator in
// aot.cuda_on_emulator) the library runs and matches the JIT; elsewhere creating the model is
// a clear error.
TEST_F(AotOnnx, CudaTargetBuildsAnywhereAndRunsWhereCudaIs) {
  fs::path out = dir_ / "cuda";
  ASSERT_EQ(compile("-o " + out.string() + " --shape image=2x3x12x10 --name tiny_gpu --target cuda"), 0) << log();
  Library lib(out / "libtiny_gpu.so");
  ASSERT_TRUE(lib.handle && lib.descriptor) << dlerror();
  auto create = lib.fn<fusor_model *(*)()>("tiny_gpu_create");
  auto run = lib.fn<int (*)(fusor_model *, const void *const *, void *const *)>("tiny_gpu_run");
  auto destroy = lib.fn<void (*)(fusor_model *)>("tiny_gpu_destroy");
  auto lastError = lib.fn<const char *(*)()>("tiny_gpu_last_error");
  fusor_model *model = create();
  if (!fusor::cuda::is_available()) {
    EXPECT_EQ(model, nullptr);
    EXPECT_NE(std::string(lastError()).find("CUDA"), std::string::npos) << lastError();
    return;
  }
  ASSERT_NE(model, nullptr) << lastError();
  fusor::manual_seed(4);
  Tensor image = fusor::randn({2, 3, 12, 10}, fusor::kCPU);
  fusor::onnx::Model jitModel = fusor::onnx::Model::load((dir_ / "tiny_cnn.onnx").string());
  std::vector<float> expected = jitModel.run({image})[0].to_vector<float>();
  std::vector<float> input = image.to_vector<float>(), output(expected.size(), -1.0f);
  const void *inputs[] = {input.data()};
  void *outputs[] = {output.data()};
  ASSERT_EQ(run(model, inputs, outputs), 0) << lastError();
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(output[i], expected[i], 1e-5f * (1 + std::abs(expected[i]))) << i;
  destroy(model);
}

}  // namespace
