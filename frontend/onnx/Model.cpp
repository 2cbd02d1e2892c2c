// ONNX graph -> fusor ops: each node calls the tensor API, so the JIT fuses and compiles the
// whole model like any traced program.
#include "fusor/onnx/Model.h"

#include <atomic>
#include <fstream>
#include <mutex>
#include <functional>
#include <sstream>
#include <unordered_map>

#include "../Trace.h"
#include "fusor/Jit.h"
#include "fusor/runtime/ConstantWeights.h"
#include "Ops.h"
#include "TensorProto.h"

namespace fusor::onnx {

struct Model::Impl {
  ::onnx::ModelProto proto;
  std::string name;
  std::unordered_map<std::string, Tensor> initializers;
  std::vector<const float *> constantWeights;  // registered with the runtime (see parse)
  int64_t opset = 13;
  // The graph's ops traced once per input signature and replayed (see run), until a trace
  // reads the inputs' values; eager from then on.
  std::once_flag tracedOnce;
  std::unique_ptr<detail::TracedFunction> traced;
  std::atomic<bool> eager{false};
  // Forgotten before the initializers free their memory, also when parsing fails midway.
  ~Impl() {
    for (const float *weight : constantWeights) runtime::forgetConstantWeights(weight);
  }
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Model::~Model() = default;
Model::Model(Model &&) noexcept = default;

Model Model::load(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error("fusor::onnx: cannot open '" + path + "'");
  std::stringstream bytes;
  bytes << file.rdbuf();
  return parse(bytes.str(), path);
}

Model Model::parse(const std::string &bytes, const std::string &name) {
  auto impl = std::make_unique<Impl>();
  impl->name = name;
  if (!impl->proto.ParseFromString(bytes) || !impl->proto.has_graph())
    throw Error("fusor::onnx: '" + name + "' is not a valid ONNX model (truncated or not a ModelProto)");
  for (const auto &opset : impl->proto.opset_import())
    if (opset.domain().empty() || opset.domain() == "ai.onnx") impl->opset = opset.version();
  for (const ::onnx::TensorProto &init : impl->proto.graph().initializer()) {
    Tensor t = fromProto(init);
    realize({t});
    impl->initializers[init.name()] = t;
  }
  // The model's weights stay as they are while it lives: a GEMM reading one as its B packs it
  // once (see fusor/runtime/ConstantWeights.h). Only the tensors kept (a repeated name
  // replaces, and frees, the earlier one).
  for (auto &[name, weight] : impl->initializers)
    if (weight.dtype() == DType::Float32 && weight.numel() > 0) {
      impl->constantWeights.push_back(weight.data_ptr<float>());
      runtime::registerConstantWeights(impl->constantWeights.back(), weight.numel() * sizeof(float));
    }
  return Model(std::move(impl));
}

std::vector<std::string> Model::opTypes() const {
  std::vector<std::string> types;
  for (const ::onnx::NodeProto &node : impl_->proto.graph().node())
    types.push_back(node.domain().empty() || node.domain() == "ai.onnx" ? node.op_type()
                                                                         : node.domain() + "." + node.op_type());
  return types;
}

bool isSupportedOp(const std::string &opType) { return isSupported(opType); }

std::vector<std::string> Model::inputNames() const { return inputNamesOf(*impl_); }

std::vector<std::string> Model::inputNamesOf(const Impl &impl) {
  std::vector<std::string> names;
  for (const auto &in : impl.proto.graph().input())
    if (!impl.initializers.count(in.name())) names.push_back(in.name());
  return names;
}

Model::InputType Model::inputType(const std::string &name) const {
  for (const auto &in : impl_->proto.graph().input()) {
    if (in.name() != name || impl_->initializers.count(name)) continue;
    if (!in.type().has_tensor_type()) throw Error("fusor::onnx: input '" + name + "' is not a tensor");
    const auto &type = in.type().tensor_type();
    InputType t;
    t.dtype = dtypeOf(type.elem_type(), "input '" + name + "'");
    if (!type.has_shape()) return t;
    t.rank = type.shape().dim_size();
    for (const auto &d : type.shape().dim()) {
      t.sizes.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value() : -1);
      t.symbols.push_back(d.has_dim_param() ? d.dim_param() : "");
    }
    return t;
  }
  throw Error("fusor::onnx: the model has no input '" + name + "'");
}

std::vector<std::string> Model::outputNames() const {
  std::vector<std::string> names;
  for (const auto &out : impl_->proto.graph().output()) names.push_back(out.name());
  return names;
}

std::vector<Tensor> Model::run(const std::vector<Tensor> &inputs) const {
  checkInputs(inputs);
  // Inputs with data (not a trace's placeholders, nor pending) run the program traced for
  // their signature, until a trace needs the inputs' values.
  bool concrete = true;
  for (const Tensor &t : inputs) concrete = concrete && t.node() && t.node()->realized() && t.node()->buffer;
  if (concrete && !impl_->eager.load()) {
    std::call_once(impl_->tracedOnce, [&] {
      // The Impl, not this Model: a Model may move; its Impl stays where it is.
      const Impl *impl = impl_.get();
      impl_->traced = std::make_unique<detail::TracedFunction>(
          [impl](const std::vector<Tensor> &in) { return interpret(*impl, in); });
    });
    try {
      return (*impl_->traced)(inputs, Where::current());
    } catch (const Error &) {
      // A value read from the inputs (a shape, an index) cannot be traced: this model runs
      // eagerly from now on, and a genuine error comes again from that run.
      impl_->eager = true;
    }
  }
  return interpret(*impl_, inputs);
}

void Model::checkInputs(const std::vector<Tensor> &inputs) const {
  std::vector<std::string> names = inputNames();
  if (inputs.size() != names.size())
    throw Error("fusor::onnx: '" + impl_->name + "' takes " + std::to_string(names.size()) +
                " inputs, got " + std::to_string(inputs.size()));
  const auto &graph = impl_->proto.graph();
  for (size_t i = 0; i < names.size(); ++i) {
    // Declared element types must match (dims are specialized from the data).
    for (const auto &in : graph.input()) {
      if (in.name() != names[i] || !in.type().has_tensor_type()) continue;
      const auto &type = in.type().tensor_type();
      DType want = dtypeOf(type.elem_type(), "input '" + names[i] + "'");
      if (want != inputs[i].dtype())
        throw Error("fusor::onnx: input '" + names[i] + "' must be " + std::string(toString(want)) +
                    ", got " + std::string(toString(inputs[i].dtype())));
      if (type.has_shape()) {
        const auto &dims = type.shape().dim();
        bool fits = dims.size() == inputs[i].dim();
        for (int d = 0; fits && d < dims.size(); ++d)
          fits = !dims[d].has_dim_value() || dims[d].dim_value() == inputs[i].sizes()[d];
        if (!fits)
          throw Error("fusor::onnx: input '" + names[i] + "' has shape " + trace::describe(inputs[i]) +
                      ", which does not fit the model's declared shape");
      }
    }
  }
}

std::vector<Tensor> Model::interpret(const Impl &impl, const std::vector<Tensor> &inputs) {
  std::vector<std::string> names = inputNamesOf(impl);
  std::unordered_map<std::string, Tensor> values = impl.initializers;
  for (size_t i = 0; i < names.size(); ++i) values[names[i]] = inputs[i];
  const auto &graph = impl.proto.graph();
  for (const ::onnx::NodeProto &node : graph.node()) {
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      throw Error("fusor::onnx: op '" + node.op_type() + "' of domain '" + node.domain() +
                  "' is not supported (node '" + node.name() + "')");
    NodeContext ctx{node, values, impl.opset};
    std::vector<Tensor> outs = runOp(ctx);
    for (int i = 0; i < node.output_size() && i < static_cast<int>(outs.size()); ++i)
      if (!node.output(i).empty()) values[node.output(i)] = outs[i];
  }
  std::vector<Tensor> outputs;
  for (const auto &out : graph.output()) {
    const std::string &name = out.name();
    auto it = values.find(name);
    if (it == values.end()) throw Error("fusor::onnx: output '" + name + "' is never computed");
    outputs.push_back(it->second);
  }
  return outputs;
}

}  // namespace fusor::onnx
