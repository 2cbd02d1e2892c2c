#include "fusor/passes/Pipelines.h"

#include "fusor/passes/Passes.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace mlir::fusor {

namespace {

// The stages both pipelines share: fusor-level cleanup, lowering with fusion, bufferization.
// `winograd`: 3x3 convolutions through Winograd's F(2x2, 3x3) (the CPU's choice).
void addSharedStages(std::vector<PipelineStage> &stages, bool refineShapes, bool winograd) {
  stages.push_back({kRefinedStage, [refineShapes](OpPassManager &pm) {
                      if (refineShapes) pm.addNestedPass<func::FuncOp>(createFusorRefineShapes());
                      pm.addPass(createCanonicalizerPass());
                      pm.addPass(createCSEPass());
                    }});
  stages.push_back({"linalg", [winograd](OpPassManager &pm) {
                      FusorLowerToLinalgOptions lowering;
                      lowering.winogradConvs = winograd;
                      pm.addNestedPass<func::FuncOp>(createFusorLowerToLinalg(lowering));
                      pm.addPass(createCanonicalizerPass());
                      pm.addNestedPass<func::FuncOp>(createFusorFuseElementwise());
                      pm.addPass(createCanonicalizerPass());
                      pm.addPass(createCSEPass());
                    }});
  stages.push_back({"bufferized", [](OpPassManager &pm) {
                      pm.addNestedPass<func::FuncOp>(createFusorUntieSharedFills());
                      bufferization::OneShotBufferizePassOptions bufferize;
                      bufferize.bufferizeFunctionBoundaries = true;
                      bufferize.functionBoundaryTypeConversion =
                          bufferization::LayoutMapOption::IdentityLayoutMap;
                      pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
                      bufferization::BufferResultsToOutParamsPassOptions outParams;
                      outParams.hoistStaticAllocs = true;
                      outParams.modifyPublicFunctions = true;
                      pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
                      pm.addNestedPass<func::FuncOp>(createFusorDynamicResultsInPlace());
                      bufferization::BufferDeallocationPipelineOptions dealloc;
                      bufferization::buildBufferDeallocationPipeline(pm, dealloc);
                      pm.addPass(createCanonicalizerPass());
                    }});
}

}  // namespace

std::vector<PipelineStage> cpuPipelineStages(const CpuPipelineOptions &options) {
  std::vector<PipelineStage> stages;
  addSharedStages(stages, options.refineShapes, /*winograd=*/true);
  stages.push_back({"loops", [](OpPassManager &pm) {
                      // First: a whole Winograd convolution becomes one call, its GEMMs too.
                      pm.addPass(createFusorWinogradToCalls());   // declares its kernels
                      // Then convolutions through im2col: one implicit-GEMM call each.
                      pm.addPass(createFusorConvolutionsToCalls());  // declares its kernel
                      FusorContractionsToCallsOptions gemm;
                      gemm.cpuEpilogues = true;  // bias and clamp applied as C is stored
                      gemm.batchedCalls = true;  // a batch shared out between threads
                      pm.addPass(createFusorContractionsToCalls(gemm));  // declares the GEMM in the module
                      pm.addPass(createFusorDepthwiseToCalls());  // no padded copies; declares its kernel
                      pm.addNestedPass<func::FuncOp>(createFusorLowerStridedCopies());
                      pm.addNestedPass<func::FuncOp>(createFusorLinalgToLoops());
                      pm.addPass(createLowerAffinePass());
                      pm.addPass(createConvertSCFToOpenMPPass());
                      pm.addPass(createCanonicalizerPass());
                      pm.addNestedPass<func::FuncOp>(createFusorEarlyDeallocs());
                    }});
  stages.push_back({"llvm", [](OpPassManager &pm) {
                      pm.addNestedPass<func::FuncOp>(createFusorApproximateMath());
                      pm.addPass(createSCFToControlFlowPass());
                      pm.addPass(memref::createExpandStridedMetadataPass());
                      pm.addPass(createLowerAffinePass());
                      FinalizeMemRefToLLVMConversionPassOptions memrefs;
                      memrefs.useGenericFunctions = true;  // fusor's caching allocator
                      pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefs));
                      pm.addPass(createConvertMathToFuncs());  // integer powers -> loops
                      pm.addPass(createConvertMathToLLVMPass());
                      pm.addPass(createConvertMathToLibmPass());
                      pm.addNestedPass<func::FuncOp>(createFusorVectorizerFriendlyForms());
                      // bf16 conversions as integer ops: no libcalls, any x86 CPU.
                      arith::ArithExpandOpsPassOptions expand;
                      expand.includeBf16 = true;
                      pm.addPass(arith::createArithExpandOpsPass(expand));
                      pm.addPass(createArithToLLVMConversionPass());
                      ConvertFuncToLLVMPassOptions func;
                      func.useBarePtrCallConv = true;
                      pm.addPass(createConvertFuncToLLVMPass(func));
                      pm.addPass(createConvertOpenMPToLLVMPass());
                      pm.addPass(createConvertControlFlowToLLVMPass());
                      pm.addPass(createUBToLLVMConversionPass());
                      pm.addPass(createReconcileUnrealizedCastsPass());
                    }});
  return stages;
}

void buildCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &options) {
  for (const PipelineStage &stage : cpuPipelineStages(options)) stage.build(pm);
}

std::vector<PipelineStage> cudaPipelineStages(const CudaPipelineOptions &options) {
  std::vector<PipelineStage> stages;
  addSharedStages(stages, /*refineShapes=*/true, /*winograd=*/false);
  stages.push_back({"gpu", [options](OpPassManager &pm) {
                      // First: a whole Winograd convolution becomes one call, its GEMMs too.
                      pm.addPass(createFusorWinogradToCalls());   // declares its kernels
                      FusorContractionsToCallsOptions gemm;
                      gemm.unitStrideOnly = true;  // cuBLASLt takes BLAS layouts only
                      gemm.epilogues = true;       // bias, relu and gelu inside cuBLASLt
                      gemm.batchedCalls = true;    // strided batches: one call per head loop
                      pm.addPass(createFusorContractionsToCalls(gemm));  // declares the GEMM in the module
                      pm.addNestedPass<func::FuncOp>(createFusorLowerStridedCopies());
                      pm.addNestedPass<func::FuncOp>(createFusorGpuRowKernels());
                      pm.addNestedPass<func::FuncOp>(createFusorGpuBlockReductions());
                      pm.addNestedPass<func::FuncOp>(createFusorGpuVectorizeElementwise());
                      pm.addNestedPass<func::FuncOp>(createFusorWrapSerialLinalg());
                      pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
                      // No canonicalization until mapped: it folds one-iteration loops away.
                      pm.addNestedPass<func::FuncOp>(createFusorCollapseParallelLoops());
                      pm.addNestedPass<func::FuncOp>(createParallelLoopTilingPass(
                          {options.threadsPerBlock}, /*noMinMaxBounds=*/true));
                      pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
                      pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
                      pm.addPass(createCanonicalizerPass());
                      // Constants go into the kernels: NVRTC then divides by known numbers.
                      pm.addPass(createGpuLaunchSinkIndexComputationsPass());
                      pm.addPass(createGpuKernelOutliningPass());
                      pm.addPass(createLowerAffinePass());
                      pm.addPass(createCanonicalizerPass());
                      pm.addPass(createCSEPass());
                    }});
  return stages;
}

void buildCudaPipeline(OpPassManager &pm, const CudaPipelineOptions &options) {
  for (const PipelineStage &stage : cudaPipelineStages(options)) stage.build(pm);
}

namespace {

// fusor-opt's view of a pipeline: all of it, or its stages up to one (to see, and test, what a
// stage hands the next).
enum class CpuStage { Fusor, Linalg, Bufferized, Loops, Llvm };
enum class CudaStage { Fusor, Linalg, Bufferized, Gpu };

template <typename Stage>
struct StopAfterOptions : public PassPipelineOptions<StopAfterOptions<Stage>> {
  using Base = PassPipelineOptions<StopAfterOptions<Stage>>;
  typename Base::template Option<Stage> stopAfter;
  explicit StopAfterOptions(std::initializer_list<llvm::cl::OptionEnumValue> stages, Stage last)
      : stopAfter(*this, "stop-after", llvm::cl::desc("The last stage to run (FUSOR_DUMP names them)"),
                  llvm::cl::init(last), llvm::cl::values(stages)) {}
};

struct CpuStopAfter : StopAfterOptions<CpuStage> {
  CpuStopAfter()
      : StopAfterOptions({clEnumValN(CpuStage::Fusor, "fusor", "shapes refined, fusor ops folded"),
                          clEnumValN(CpuStage::Linalg, "linalg", "lowered to linalg on tensors, fused"),
                          clEnumValN(CpuStage::Bufferized, "bufferized", "on buffers"),
                          clEnumValN(CpuStage::Loops, "loops", "runtime calls, parallel and vector loops"),
                          clEnumValN(CpuStage::Llvm, "llvm", "the LLVM dialect (all of it)")},
                         CpuStage::Llvm) {}
};

struct CudaStopAfter : StopAfterOptions<CudaStage> {
  CudaStopAfter()
      : StopAfterOptions({clEnumValN(CudaStage::Fusor, "fusor", "shapes refined, fusor ops folded"),
                          clEnumValN(CudaStage::Linalg, "linalg", "lowered to linalg on tensors, fused"),
                          clEnumValN(CudaStage::Bufferized, "bufferized", "on buffers"),
                          clEnumValN(CudaStage::Gpu, "gpu", "GEMM calls and gpu.module kernels (all of it)")},
                         CudaStage::Gpu) {}
};

void buildStages(OpPassManager &pm, const std::vector<PipelineStage> &stages, size_t last) {
  for (size_t i = 0; i <= last && i < stages.size(); ++i) stages[i].build(pm);
}

}  // namespace

void registerFusorPipelines() {
  PassPipelineRegistration<CpuStopAfter>(
      "fusor-cpu-pipeline",
      "Compile fusor-dialect functions on tensors to the LLVM dialect for the host CPU",
      [](OpPassManager &pm, const CpuStopAfter &o) {
        buildStages(pm, cpuPipelineStages(), static_cast<size_t>(CpuStage(o.stopAfter)));
      });
  PassPipelineRegistration<CudaStopAfter>(
      "fusor-cuda-pipeline",
      "Compile fusor-dialect functions on tensors to GPU-mapped kernels (gpu.module) for CUDA",
      [](OpPassManager &pm, const CudaStopAfter &o) {
        buildStages(pm, cudaPipelineStages(), static_cast<size_t>(CudaStage(o.stopAfter)));
      });
}

}  // namespace mlir::fusor
