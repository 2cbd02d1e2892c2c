#include "AotModel.h"

#include <dlfcn.h>

#include <cstring>

#include "fusor/Functions.h"
#include "fusor/ir/ShapeRules.h"
#include "fusor/aot/Runtime.h"

namespace fusor::tools {

// The runtime's C API, resolved through the library (which depends on libfusor_runtime.so).
struct AotModel::Api {
#define FUSOR_AOT_FUNCTION(name) decltype(&::name) name = nullptr;
  FUSOR_AOT_FUNCTION(fusor_aot_create)
  FUSOR_AOT_FUNCTION(fusor_aot_run)
  FUSOR_AOT_FUNCTION(fusor_aot_destroy)
  FUSOR_AOT_FUNCTION(fusor_aot_last_error)
#undef FUSOR_AOT_FUNCTION
};

namespace {

const fusor_model_descriptor &descriptorOf(const void *d) { return *static_cast<const fusor_model_descriptor *>(d); }

std::vector<int64_t> shapeOf(const fusor_tensor_info &t) { return {t.shape, t.shape + t.rank}; }

// A host tensor with uninitialized data, for the library to write.
Tensor hostTensor(DType dtype, std::vector<int64_t> shape) {
  auto node = std::make_shared<ir::Node>();
  node->op = ir::OpKind::Buffer;
  node->dtype = dtype;
  node->shape = std::move(shape);
  node->buffer = runtime::Buffer::allocate(node->numel() * elementSize(dtype));
  return Tensor(std::move(node));
}

}  // namespace

AotModel::AotModel(const std::string &path) : api_(new Api) {
  std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  handle_ = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) throw Error(std::string("fusor-run: cannot load ") + path + ": " + dlerror());
  auto lookup = [&](const char *name) {
    void *symbol = dlsym(handle_, name);
    if (!symbol) throw Error("fusor-run: " + path + " is not a library made by fusor-compile (no " + name + ")");
    return symbol;
  };
  auto describe = reinterpret_cast<const void *(*)()>(lookup("fusor_model_descriptor"));
  api_->fusor_aot_create = reinterpret_cast<decltype(api_->fusor_aot_create)>(lookup("fusor_aot_create"));
  api_->fusor_aot_run = reinterpret_cast<decltype(api_->fusor_aot_run)>(lookup("fusor_aot_run"));
  api_->fusor_aot_destroy = reinterpret_cast<decltype(api_->fusor_aot_destroy)>(lookup("fusor_aot_destroy"));
  api_->fusor_aot_last_error = reinterpret_cast<decltype(api_->fusor_aot_last_error)>(lookup("fusor_aot_last_error"));
  descriptor_ = describe();
  model_ = api_->fusor_aot_create(static_cast<const fusor_model_descriptor *>(descriptor_));
  if (!model_) throw Error("fusor-run: " + path + ": " + api_->fusor_aot_last_error());
}

AotModel::~AotModel() {
  if (model_) api_->fusor_aot_destroy(static_cast<fusor_model *>(model_));
  // The library stays loaded: its code may still be referenced by thread pools.
  delete api_;
}

std::vector<std::string> AotModel::inputNames() const {
  const fusor_model_descriptor &d = descriptorOf(descriptor_);
  std::vector<std::string> names;
  for (int32_t i = 0; i < d.num_inputs; ++i) names.push_back(d.inputs[i].name);
  return names;
}

std::vector<Tensor> AotModel::run(const std::vector<Tensor> &inputs) const {
  const fusor_model_descriptor &d = descriptorOf(descriptor_);
  std::vector<Tensor> hostInputs;
  std::vector<const void *> in;
  for (int32_t i = 0; i < d.num_inputs; ++i) {
    const fusor_tensor_info &info = d.inputs[i];
    Tensor t = inputs[i].to(kCPU);
    if (static_cast<int32_t>(t.dtype()) != info.dtype || std::vector<int64_t>(t.sizes().begin(), t.sizes().end()) != shapeOf(info))
      throw Error("fusor-run: input '" + std::string(info.name) + "' must be " +
                  std::string(toString(static_cast<DType>(info.dtype))) + " " +
                  shape::toString(shapeOf(info)) + ", got " + std::string(toString(t.dtype())) + " " +
                  shape::toString(std::vector<int64_t>(t.sizes().begin(), t.sizes().end())));
    realize({t});
    hostInputs.push_back(t);
    in.push_back(t.node()->buffer->data());
  }
  std::vector<Tensor> outputs;
  std::vector<void *> out;
  for (int32_t o = 0; o < d.num_outputs; ++o) {
    Tensor t = hostTensor(static_cast<DType>(d.outputs[o].dtype), shapeOf(d.outputs[o]));
    outputs.push_back(t);
    out.push_back(t.node()->buffer->data());
  }
  if (api_->fusor_aot_run(static_cast<fusor_model *>(model_), in.data(), out.data()) != 0)
    throw Error(std::string("fusor-run: ") + api_->fusor_aot_last_error());
  return outputs;
}

}  // namespace fusor::tools
