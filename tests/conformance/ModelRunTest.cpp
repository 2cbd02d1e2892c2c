// fusor::onnx::Model::run through the JIT: the graph traced once per input signature and the
// compiled program replayed, with the results of an op-by-op run; a graph that reads an
// input's values (a shape) falls back to op-by-op runs and stays right for every value; a
// moved model keeps working.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstdlib>
#include <random>

#include "fusor/fusor.h"
#include "fusor/onnx/Model.h"
#include "OnnxBuilders.h"

namespace {

using fusor::Tensor;
using fusor::testing::addNode;

void addValue(onnx::ValueInfoProto *v, const std::string &name, onnx::TensorProto::DataType type, int rank) {
  v->set_name(name);
  auto *t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(type);
  for (int i = 0; i < rank; ++i) {
    std::string symbol = "d";
    symbol += std::to_string(i);
    t->mutable_shape()->add_dim()->set_dim_param(symbol);
  }
}

std::string serialize(onnx::ModelProto &m) {
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  return m.SerializeAsString();
}

// y = relu(x @ w + b) + x, w ([8, 8]) and b ([8]) initializers: x is [n, 8].
std::string denseModel(const std::vector<float> &w, const std::vector<float> &b) {
  onnx::ModelProto m;
  onnx::GraphProto &g = *m.mutable_graph();
  auto init = [&](const std::string &name, std::vector<int64_t> dims, const std::vector<float> &values) {
    onnx::TensorProto *t = g.add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    for (float v : values) t->add_float_data(v);
  };
  init("w", {8, 8}, w);
  init("b", {8}, b);
  addNode(g, "MatMul", {"x", "w"}, "xw");
  addNode(g, "Add", {"xw", "b"}, "z");
  addNode(g, "Relu", {"z"}, "r");
  addNode(g, "Add", {"r", "x"}, "y");
  addValue(g.add_input(), "x", onnx::TensorProto::FLOAT, 2);
  addValue(g.add_output(), "y", onnx::TensorProto::FLOAT, 2);
  return serialize(m);
}

// y = reshape(x, shape) * 2: the shape is an input, read as values.
std::string reshapeModel() {
  onnx::ModelProto m;
  onnx::GraphProto &g = *m.mutable_graph();
  addNode(g, "Reshape", {"x", "shape"}, "r");
  addNode(g, "Add", {"r", "r"}, "y");
  addValue(g.add_input(), "x", onnx::TensorProto::FLOAT, 2);
  addValue(g.add_input(), "shape", onnx::TensorProto::INT64, 1);
  addValue(g.add_output(), "y", onnx::TensorProto::FLOAT, 2);
  return serialize(m);
}

std::vector<float> randomValues(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.5f);
  std::vector<float> v(n);
  for (float &x : v) x = dist(rng);
  return v;
}

// relu(x @ w + b) + x in double precision, x row-major [rows, 8].
std::vector<double> denseReference(const std::vector<float> &x, const std::vector<float> &w,
                                   const std::vector<float> &b) {
  std::vector<double> y(x.size());
  for (size_t i = 0; i < x.size() / 8; ++i)
    for (int j = 0; j < 8; ++j) {
      double z = b[j];
      for (int k = 0; k < 8; ++k) z += double(x[i * 8 + k]) * w[k * 8 + j];
      y[i * 8 + j] = (z > 0 ? z : 0) + x[i * 8 + j];
    }
  return y;
}

void expectDense(const Tensor &y, const std::vector<float> &x, const std::vector<float> &w,
                 const std::vector<float> &b, const std::string &what) {
  std::vector<double> want = denseReference(x, w, b);
  ASSERT_EQ(std::vector<int64_t>(y.sizes().begin(), y.sizes().end()), (std::vector<int64_t>{int64_t(x.size() / 8), 8}))
      << what;
  std::vector<float> got = y.to_vector<float>();
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-5 * (1 + std::abs(want[i]))) << what << " at " << i;
}

TEST(ModelRun, ReplaysTheProgramTracedForASignature) {
  const std::vector<float> w = randomValues(64, 1), b = randomValues(8, 2);
  fusor::onnx::Model model = fusor::onnx::Model::parse(denseModel(w, b), "dense");
  const std::vector<float> x = randomValues(40, 3), other = randomValues(40, 4), taller = randomValues(24, 5);
  auto input = [](const std::vector<float> &v) { return fusor::from_vector(v, {int64_t(v.size() / 8), 8}); };
  expectDense(model.run({input(x)})[0], x, w, b, "first run");
  fusor::CacheStats before = fusor::cache_stats();
  Tensor again = model.run({input(other)})[0];
  fusor::CacheStats after = fusor::cache_stats();
  // The second run with the same sizes replays the program: nothing compiled (one hit, no
  // miss), its output computed as it returns (not a pending graph), and with the new input's
  // values, not the first trace's.
  EXPECT_EQ(after.misses, before.misses);
  EXPECT_EQ(after.hits, before.hits + 1);
  EXPECT_TRUE(again.node()->realized() && again.node()->buffer) << "the second run traced a graph";
  expectDense(again, other, w, b, "second run");
  // New sizes trace anew; a moved model keeps its traces.
  fusor::onnx::Model moved = std::move(model);
  expectDense(moved.run({input(taller)})[0], taller, w, b, "new sizes, moved");
  expectDense(moved.run({input(x)})[0], x, w, b, "first sizes again, moved");
}

TEST(ModelRun, NewBatchSizesShareOneProgramWithADynamicBatch) {
  setenv("FUSOR_CACHE", "0", 1);  // counts this process's compiles only
  const std::vector<float> w = randomValues(64, 7), b = randomValues(8, 8);
  fusor::onnx::Model model = fusor::onnx::Model::parse(denseModel(w, b), "dense");
  uint64_t misses = 0;
  for (int64_t rows : {5, 3, 7, 11, 1}) {
    std::vector<float> x = randomValues(static_cast<size_t>(rows) * 8, static_cast<unsigned>(10 + rows));
    Tensor input = fusor::from_vector(x, {rows, 8});
    uint64_t before = fusor::cache_stats().misses;
    Tensor y = model.run({input})[0];
    misses += fusor::cache_stats().misses - before;
    expectDense(y, x, w, b, "rows " + std::to_string(rows));
  }
  unsetenv("FUSOR_CACHE");
  EXPECT_EQ(misses, 2u) << "5 rows, then one program with the rows `?` for 3, 7, 11 and 1";
}

TEST(ModelRun, AGraphReadingAnInputsValuesRunsOpByOp) {
  fusor::onnx::Model model = fusor::onnx::Model::parse(reshapeModel(), "reshape");
  const std::vector<float> values = randomValues(12, 6);
  Tensor x = fusor::from_vector(values, {3, 4});
  for (std::vector<int64_t> shape : {std::vector<int64_t>{2, 6}, {4, 3}, {6, 2}}) {
    Tensor s = fusor::from_vector(shape, {2});
    Tensor y = model.run({x, s})[0];
    ASSERT_EQ(std::vector<int64_t>(y.sizes().begin(), y.sizes().end()), shape);
    std::vector<float> got = y.to_vector<float>();
    for (size_t i = 0; i < got.size(); ++i) EXPECT_FLOAT_EQ(got[i], 2 * values[i]);
  }
}

}  // namespace
