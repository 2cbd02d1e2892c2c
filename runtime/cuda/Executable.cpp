#include "fusor/runtime/cuda/Executable.h"

#include <vector>

#include "fusor/Error.h"
#include "fusor/runtime/cuda/Api.h"
#include "fusor/runtime/cuda/Device.h"

namespace fusor::runtime::cuda {
namespace {

const DriverApi &api() {
  std::string why;
  const DriverApi *d = driver(&why);
  if (!d) throw Error("fusor: CUDA is not available: " + why);
  return *d;
}

// Device blocks a run allocated, released however the run ends.
struct Temporaries {
  int device;
  std::vector<std::pair<void *, size_t>> blocks;
  ~Temporaries() {
    for (auto [p, bytes] : blocks) release(device, p, bytes);
  }
  void free(void *p) {
    for (size_t i = 0; i < blocks.size(); ++i)
      if (blocks[i].first == p) {
        release(device, p, blocks[i].second);
        blocks.erase(blocks.begin() + i);
        return;
      }
  }
};

unsigned launchDim(int64_t v, int64_t limit, const char *what) {
  if (v < 1 || v > limit)
    throw Error(std::string("fusor: a CUDA launch needs a ") + what + " of " + std::to_string(v) +
                ", outside [1, " + std::to_string(limit) + "]");
  return static_cast<unsigned>(v);
}

}  // namespace

struct Executable::Loaded {
  CUmodule module = nullptr;
  std::vector<CUfunction> kernels;
  std::vector<std::pair<void *, size_t>> globals;
};

Executable::Executable(int device, LaunchPlan plan, const std::string &image)
    : device_(device), plan_(std::move(plan)), loaded_(std::make_unique<Loaded>()) {
  makeCurrent(device_);
  const DriverApi &d = api();
  FUSOR_CUDA_CHECK(d.cuModuleLoadData(&loaded_->module, image.c_str()));
  for (const std::string &name : plan_.kernels) {
    CUfunction f = nullptr;
    if (d.cuModuleGetFunction(&f, loaded_->module, name.c_str()) != CUDA_SUCCESS)
      throwInternalError("the CUDA module lacks kernel '" + name + "'");
    loaded_->kernels.push_back(f);
  }
  for (const std::string &bytes : plan_.globals) {
    void *p = allocate(device_, bytes.size());
    loaded_->globals.push_back({p, bytes.size()});
    copyToDevice(device_, p, bytes.data(), bytes.size());
  }
  synchronize(device_);  // the host copies of the constants may go
}

Executable::~Executable() {
  for (auto [p, bytes] : loaded_->globals) release(device_, p, bytes);
  if (const DriverApi *d = driver(); d && loaded_->module) {
    makeCurrent(device_);
    d->cuStreamSynchronize(static_cast<CUstream>(stream(device_)));  // no kernel still running
    d->cuModuleUnload(loaded_->module);
  }
}

namespace {

struct Machine {
  const LaunchPlan &plan;
  const std::vector<CUfunction> &kernels;
  const std::vector<std::pair<void *, size_t>> &globals;
  void *const *buffers;
  int device;
  CUstream stream;
  std::vector<int64_t> r;
  Temporaries temporaries;

  void run(const std::vector<Instruction> &code) {
    using K = Instruction::Kind;
    for (const Instruction &i : code) {
      const std::vector<int> &o = i.operands;
      switch (i.kind) {
        case K::Constant: r[i.dst] = i.immediate; break;
        case K::Argument: r[i.dst] = reinterpret_cast<int64_t>(buffers[i.immediate]); break;
        case K::Global: r[i.dst] = reinterpret_cast<int64_t>(globals[i.immediate].first); break;
        case K::Alloc: {
          void *p = allocate(device, static_cast<size_t>(i.immediate));
          temporaries.blocks.push_back({p, static_cast<size_t>(i.immediate)});
          r[i.dst] = reinterpret_cast<int64_t>(p);
          break;
        }
        case K::Free: temporaries.free(reinterpret_cast<void *>(r[o[0]])); break;
        case K::Move: r[i.dst] = r[o[0]]; break;
        case K::Add: r[i.dst] = r[o[0]] + r[o[1]]; break;
        case K::Sub: r[i.dst] = r[o[0]] - r[o[1]]; break;
        case K::Mul: r[i.dst] = r[o[0]] * r[o[1]]; break;
        case K::Copy:
          copyOnDevice(device, reinterpret_cast<void *>(r[o[0]]), reinterpret_cast<void *>(r[o[1]]),
                       static_cast<size_t>(i.immediate));
          break;
        case K::Launch: {
          // Each parameter is read from its register's low bytes (x86-64 is little-endian).
          std::vector<void *> params;
          for (size_t p = 6; p < o.size(); ++p) params.push_back(&r[o[p]]);
          FUSOR_CUDA_CHECK(api().cuLaunchKernel(
              kernels[i.immediate], launchDim(r[o[0]], 2147483647, "grid x"),
              launchDim(r[o[1]], 65535, "grid y"), launchDim(r[o[2]], 65535, "grid z"),
              launchDim(r[o[3]], 1024, "block x"), launchDim(r[o[4]], 1024, "block y"),
              launchDim(r[o[5]], 64, "block z"), 0, stream, params.data(), nullptr));
          break;
        }
        case K::Gemm: {
          // As gemm() takes them: the 16 GEMM arguments, the epilogue's 3, the batch's 4.
          int64_t args[23] = {};
          args[19] = 1;
          for (size_t a = 0; a < o.size(); ++a) args[a < 16 || o.size() == 19 ? a : a + 3] = r[o[a]];
          gemm(device, static_cast<GemmType>(i.immediate), args);
          break;
        }
        case K::Loop:
          if (r[o[2]] <= 0) throwInternalError("a CUDA launch plan loop has a step of " + std::to_string(r[o[2]]));
          for (r[i.dst] = r[o[0]]; r[i.dst] < r[o[1]]; r[i.dst] += r[o[2]]) run(i.body);
          break;
      }
    }
  }
};

}  // namespace

void Executable::run(void *const *buffers) const {
  makeCurrent(device_);
  std::lock_guard<std::mutex> lock(launchMutex(device_));
  Machine m{plan_, loaded_->kernels, loaded_->globals, buffers, device_,
            static_cast<CUstream>(stream(device_)), std::vector<int64_t>(plan_.registers), {device_, {}}};
  m.run(plan_.code);
}

}  // namespace fusor::runtime::cuda
