// fusor's compilation pipelines, as C++ functions (also registered for fusor-opt).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "mlir/Pass/PassManager.h"

namespace mlir::fusor {

struct CpuPipelineOptions {
  // Run fusor-refine-shapes first (the JIT's graphs are already static; imported ones not).
  bool refineShapes = true;
};

// One named step of a pipeline; FUSOR_DUMP writes the IR after each.
// Both pipelines start with this stage: after it, shapes are refined and ops are on tensors.
inline constexpr const char *kRefinedStage = "fusor";

struct PipelineStage {
  std::string name;
  std::function<void(OpPassManager &)> build;
};

// fusor dialect (a module of functions on tensors) -> LLVM dialect. Each function becomes
// `void f(T *input..., T *output...)` on dense row-major buffers (results as out-params).
std::vector<PipelineStage> cpuPipelineStages(const CpuPipelineOptions &options = {});
void buildCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &options = {});

// fusor dialect -> GPU-mapped form: the same fusion and bufferization as the CPU pipeline,
// then parallel loops tiled (`threadsPerBlock` threads on the first parallel dim), mapped to
// blocks and threads, and outlined into gpu.module kernels on static memrefs, which
// `fusor-translate --fusor-to-cuda` renders as CUDA C++.
struct CudaPipelineOptions {
  int64_t threadsPerBlock = 256;
};
std::vector<PipelineStage> cudaPipelineStages(const CudaPipelineOptions &options = {});
void buildCudaPipeline(OpPassManager &pm, const CudaPipelineOptions &options = {});

// Registers --fusor-cpu-pipeline and --fusor-cuda-pipeline with the global registry.
void registerFusorPipelines();

}  // namespace mlir::fusor
