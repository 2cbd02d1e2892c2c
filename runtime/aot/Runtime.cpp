#include "fusor/aot/Runtime.h"

#include <dlfcn.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "fusor/Error.h"
#include "fusor/runtime/Buffer.h"
#include "fusor/runtime/ConstantWeights.h"
#ifdef FUSOR_HAS_CUDA_HEADERS
#include "fusor/runtime/cuda/Device.h"
#include "fusor/runtime/cuda/Executable.h"
#include "fusor/runtime/cuda/LaunchPlan.h"
#endif

namespace {

thread_local std::string lastError;

int64_t elementBytes(int32_t dtype) {
  switch (dtype) {
    case FUSOR_BOOL: case FUSOR_INT8: return 1;
    case FUSOR_FLOAT16: case FUSOR_BFLOAT16: return 2;
    case FUSOR_INT32: case FUSOR_FLOAT32: return 4;
    default: return 8;
  }
}

int64_t bytesOf(const fusor_tensor_info &t) {
  int64_t n = elementBytes(t.dtype);
  for (int32_t d = 0; d < t.rank; ++d) n *= t.shape[d];
  return n;
}

// The directory of the library that holds `symbol`.
std::filesystem::path libraryDirectory(const void *symbol) {
  Dl_info info{};
  if (!dladdr(symbol, &info) || !info.dli_fname) throw fusor::Error("cannot locate the model library");
  return std::filesystem::path(info.dli_fname).parent_path();
}

}  // namespace

struct fusor_model {
  const fusor_model_descriptor *d;
  std::vector<unsigned char> sideWeights;  // when the weights live in a file
  const unsigned char *weights = nullptr;
#ifdef FUSOR_HAS_CUDA_HEADERS
  int device = 0;
  std::unique_ptr<fusor::runtime::cuda::Executable> cuda;
  std::vector<std::shared_ptr<fusor::runtime::Buffer>> deviceWeights;
#endif
};

namespace {

void loadCuda(fusor_model &m) {
#ifdef FUSOR_HAS_CUDA_HEADERS
  namespace rc = fusor::runtime::cuda;
  const fusor_model_descriptor &d = *m.d;
  rc::LaunchPlan plan = rc::LaunchPlan::parse(std::string(reinterpret_cast<const char *>(d.plan), d.plan_size));
  int arch = rc::computeCapability(m.device);
  std::string image = arch == d.cuda_arch
                          ? std::string(reinterpret_cast<const char *>(d.cubin), d.cubin_size)
                          : std::string(reinterpret_cast<const char *>(d.ptx), d.ptx_size) + '\0';
  m.cuda = std::make_unique<rc::Executable>(m.device, std::move(plan), image);
  for (int32_t w = 0; w < d.num_weights; ++w) {
    auto host = fusor::runtime::Buffer::allocate(d.weight_bytes[w]);
    std::memcpy(host->data(), m.weights + d.weight_offsets[w], d.weight_bytes[w]);
    auto device = fusor::runtime::Buffer::allocate(d.weight_bytes[w], m.device);
    fusor::runtime::Buffer::copy(*host, *device);
    m.deviceWeights.push_back(device);
  }
  rc::synchronize(m.device);
#else
  (void)m;
  throw fusor::Error("this fusor runtime was built without CUDA support");
#endif
}

void runCuda(fusor_model &m, const void *const *inputs, void *const *outputs) {
#ifdef FUSOR_HAS_CUDA_HEADERS
  using fusor::runtime::Buffer;
  const fusor_model_descriptor &d = *m.d;
  std::vector<std::shared_ptr<Buffer>> keep;
  std::vector<void *> buffers;
  for (int32_t i = 0; i < d.num_inputs; ++i) {
    int64_t bytes = bytesOf(d.inputs[i]);
    auto host = Buffer::allocate(bytes);
    std::memcpy(host->data(), inputs[i], bytes);
    auto device = Buffer::allocate(bytes, m.device);
    Buffer::copy(*host, *device);
    keep.push_back(device);
    buffers.push_back(device->data());
  }
  for (auto &w : m.deviceWeights) buffers.push_back(w->data());
  std::vector<std::shared_ptr<Buffer>> results;
  for (int32_t o = 0; o < d.num_outputs; ++o) {
    results.push_back(Buffer::allocate(bytesOf(d.outputs[o]), m.device));
    buffers.push_back(results.back()->data());
  }
  m.cuda->run(buffers.data());
  for (int32_t o = 0; o < d.num_outputs; ++o) {
    auto host = Buffer::allocate(bytesOf(d.outputs[o]));
    Buffer::copy(*results[o], *host);  // waits for the stream
    std::memcpy(outputs[o], host->data(), bytesOf(d.outputs[o]));
  }
#else
  (void)m, (void)inputs, (void)outputs;
#endif
}

}  // namespace

extern "C" {

fusor_model *fusor_aot_create(const fusor_model_descriptor *d) {
  lastError.clear();
  try {
    if (!d || d->abi_version != FUSOR_AOT_ABI_VERSION)
      throw fusor::Error("the model library was made for another fusor runtime (ABI version " +
                         std::to_string(d ? d->abi_version : -1) + ", this runtime has " +
                         std::to_string(FUSOR_AOT_ABI_VERSION) + ")");
    auto m = std::make_unique<fusor_model>();
    m->d = d;
    m->weights = d->weights;
    if (!d->weights && d->num_weights) {
      std::filesystem::path file = libraryDirectory(d) / d->weights_file;
      std::ifstream in(file, std::ios::binary);
      if (!in) throw fusor::Error("cannot open the weights file " + file.string());
      m->sideWeights.resize(d->weights_total);
      in.read(reinterpret_cast<char *>(m->sideWeights.data()), d->weights_total);
      if (in.gcount() != d->weights_total || in.peek() != EOF)
        throw fusor::Error("the weights file " + file.string() + " has " +
                           std::to_string(std::filesystem::file_size(file)) + " bytes, expected " +
                           std::to_string(d->weights_total));
      m->weights = m->sideWeights.data();
    }
    if (d->target == FUSOR_TARGET_CUDA) loadCuda(*m);
    else if (!d->entry) throw fusor::Error("the model library has no CPU code");
    else fusor::runtime::registerConstantWeights(m->weights, d->weights_total);  // packed once
    return m.release();
  } catch (const std::exception &e) {
    lastError = e.what();
    return nullptr;
  }
}

int fusor_aot_run(fusor_model *m, const void *const *inputs, void *const *outputs) {
  lastError.clear();
  try {
    if (!m) throw fusor::Error("the model is NULL");
    const fusor_model_descriptor &d = *m->d;
    for (int32_t i = 0; i < d.num_inputs; ++i)
      if (!inputs || !inputs[i]) throw fusor::Error("input " + std::to_string(i) + " is NULL");
    for (int32_t o = 0; o < d.num_outputs; ++o)
      if (!outputs || !outputs[o]) throw fusor::Error("output " + std::to_string(o) + " is NULL");
    if (d.target == FUSOR_TARGET_CUDA) {
      runCuda(*m, inputs, outputs);
      return 0;
    }
    std::vector<void *> buffers;
    for (int32_t i = 0; i < d.num_inputs; ++i) buffers.push_back(const_cast<void *>(inputs[i]));
    for (int32_t w = 0; w < d.num_weights; ++w)
      buffers.push_back(const_cast<unsigned char *>(m->weights + d.weight_offsets[w]));
    for (int32_t o = 0; o < d.num_outputs; ++o) buffers.push_back(outputs[o]);
    d.entry(buffers.data());
    return 0;
  } catch (const std::exception &e) {
    lastError = e.what();
    return -1;
  }
}

int fusor_aot_run_device(fusor_model *m, const void *const *inputs, void *const *outputs) {
  lastError.clear();
  try {
    if (!m || m->d->target != FUSOR_TARGET_CUDA) throw fusor::Error("fusor_aot_run_device needs a CUDA model");
#ifdef FUSOR_HAS_CUDA_HEADERS
    const fusor_model_descriptor &d = *m->d;
    std::vector<void *> buffers;
    for (int32_t i = 0; i < d.num_inputs; ++i) buffers.push_back(const_cast<void *>(inputs[i]));
    for (auto &w : m->deviceWeights) buffers.push_back(w->data());
    for (int32_t o = 0; o < d.num_outputs; ++o) buffers.push_back(outputs[o]);
    m->cuda->run(buffers.data());
#endif
    return 0;
  } catch (const std::exception &e) {
    lastError = e.what();
    return -1;
  }
}

int fusor_aot_synchronize(fusor_model *m) {
  lastError.clear();
  try {
#ifdef FUSOR_HAS_CUDA_HEADERS
    if (m && m->d->target == FUSOR_TARGET_CUDA) fusor::runtime::cuda::synchronize(m->device);
#endif
    return 0;
  } catch (const std::exception &e) {
    lastError = e.what();
    return -1;
  }
}

void fusor_aot_destroy(fusor_model *m) {
  if (m && m->d->target != FUSOR_TARGET_CUDA) fusor::runtime::forgetConstantWeights(m->weights);
  delete m;
}

const char *fusor_aot_last_error(void) { return lastError.c_str(); }

int fusor_aot_num_inputs(const fusor_model_descriptor *d) { return d ? d->num_inputs : -1; }
int fusor_aot_num_outputs(const fusor_model_descriptor *d) { return d ? d->num_outputs : -1; }

#define FUSOR_AOT_QUERIES(kind, count)                                                         \
  static const fusor_tensor_info *kind##Info(const fusor_model_descriptor *d, int i) {          \
    return d && i >= 0 && i < d->count ? &d->kind##s[i] : nullptr;                              \
  }                                                                                             \
  const char *fusor_aot_##kind##_name(const fusor_model_descriptor *d, int i) {                \
    const fusor_tensor_info *t = kind##Info(d, i);                                              \
    return t ? t->name : nullptr;                                                               \
  }                                                                                             \
  int fusor_aot_##kind##_dtype(const fusor_model_descriptor *d, int i) {                       \
    const fusor_tensor_info *t = kind##Info(d, i);                                              \
    return t ? t->dtype : -1;                                                                   \
  }                                                                                             \
  int fusor_aot_##kind##_rank(const fusor_model_descriptor *d, int i) {                        \
    const fusor_tensor_info *t = kind##Info(d, i);                                              \
    return t ? t->rank : -1;                                                                    \
  }                                                                                             \
  const int64_t *fusor_aot_##kind##_shape(const fusor_model_descriptor *d, int i) {            \
    const fusor_tensor_info *t = kind##Info(d, i);                                              \
    return t ? t->shape : nullptr;                                                              \
  }
FUSOR_AOT_QUERIES(input, num_inputs)
FUSOR_AOT_QUERIES(output, num_outputs)
#undef FUSOR_AOT_QUERIES

}  // extern "C"
