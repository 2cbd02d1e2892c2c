// ONNX models run through fusor's JIT: fusor::onnx::Model::load("model.onnx").run(inputs).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fusor/Tensor.h"

namespace fusor::onnx {

class Model {
 public:
  // Parses a ModelProto. Unreadable, truncated or garbage bytes are a fusor::Error.
  static Model load(const std::string &path);
  static Model parse(const std::string &bytes, const std::string &name = "model");

  // The op types the graph's nodes use.
  std::vector<std::string> opTypes() const;

  // Graph inputs that are not initializers, and graph outputs, in order.
  std::vector<std::string> inputNames() const;
  std::vector<std::string> outputNames() const;

  // A graph input's declared type: dtype and sizes (-1 for an unknown or symbolic dim, whose
  // name is in `symbols`); no shape at all is rank -1.
  struct InputType {
    DType dtype = kFloat32;
    int64_t rank = -1;
    std::vector<int64_t> sizes;
    std::vector<std::string> symbols;
  };
  InputType inputType(const std::string &name) const;

  // Runs the graph on `inputs` (one per input name; unknown or symbolic dims take the actual
  // sizes). Inputs with data run the program compiled for their dtypes and sizes, traced on
  // the first run with them (as fusor::jit does): later runs neither trace nor hash the
  // graph, and their outputs are computed. A graph whose ops read the inputs' values (a
  // shape taken from an input) is traced anew on every run, as are inputs still pending or
  // themselves traced (fusor-compile's); its outputs are then pending. An unsupported op is
  // a fusor::Error naming it and its node.
  std::vector<Tensor> run(const std::vector<Tensor> &inputs) const;

  ~Model();
  Model(Model &&) noexcept;

 private:
  struct Impl;
  void checkInputs(const std::vector<Tensor> &inputs) const;
  static std::vector<std::string> inputNamesOf(const Impl &impl);
  static std::vector<Tensor> interpret(const Impl &impl, const std::vector<Tensor> &inputs);  // op by op
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Whether fusor imports ONNX ops of this type (of the default domain).
bool isSupportedOp(const std::string &opType);

// A serialized onnx.TensorProto (a test case's input_0.pb) as a realized tensor.
Tensor readTensorProto(const std::string &bytes);

}  // namespace fusor::onnx
