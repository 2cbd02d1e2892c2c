#include "fusor/jit/Compiler.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "fusor/Error.h"
#include "fusor/codegen/CudaRenderer.h"
#include "fusor/ir/FusorDialect.h"
#include "fusor/passes/Pipelines.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#ifdef FUSOR_HAS_CUDA_HEADERS
#include "fusor/runtime/cuda/Nvrtc.h"
#endif
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"

namespace fusor::runtime::jit {
namespace {

constexpr const char *kFunction = "fusor_main";

// One MLIR context for the process, with what the pipeline needs (bufferization models too).
mlir::MLIRContext &context() {
  static mlir::MLIRContext *ctx = [] {
    mlir::DialectRegistry registry;
    registry.insert<mlir::fusor::FusorDialect>();
    mlir::registerAllDialects(registry);
    mlir::registerAllExtensions(registry);
    auto *c = new mlir::MLIRContext(registry, mlir::MLIRContext::Threading::DISABLED);
    c->loadDialect<mlir::fusor::FusorDialect, mlir::func::FuncDialect>();
    return c;
  }();
  return *ctx;
}

std::string print(mlir::Operation *op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  op->print(os, mlir::OpPrintingFlags().enableDebugInfo(true, /*prettyForm=*/false));
  return text;
}

// Writes FUSOR_DUMP files for one compile, if asked.
class Dumper {
 public:
  Dumper() {
    const char *dir = std::getenv("FUSOR_DUMP");
    if (!dir || !*dir) return;
    static std::atomic<int> counter{0};
    std::filesystem::create_directories(dir);
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "%04d", counter++);
    base_ = std::filesystem::path(dir) / prefix;
  }
  bool enabled() const { return !base_.empty(); }
  void write(int step, const std::string &stage, const std::string &text) const {
    if (!enabled()) return;
    std::ofstream(base_.string() + "-" + std::to_string(step) + "-" + stage +
                  (stage == "optimized" ? ".ll" : ".mlir"))
        << text << "\n";  // as fusor-opt ends its output
  }

 private:
  std::filesystem::path base_;
};

// FUSOR_CUDA_CHECK: also takes the program through the CUDA pipeline, the renderer and NVRTC
// (no GPU needed), so CPU-only runs test the CUDA code generator on every graph they build.
void checkCudaCodegen(mlir::ModuleOp module, const std::string &diagnostics) {
  mlir::OwningOpRef<mlir::ModuleOp> copy = module.clone();
  mlir::PassManager pm(module->getContext(), mlir::ModuleOp::getOperationName());
  mlir::fusor::buildCudaPipeline(pm);
  if (mlir::failed(pm.run(*copy)))
    throwInternalError("the CUDA pipeline failed:\n" + diagnostics);
  mlir::FailureOr<std::string> source = codegen::renderCuda(*copy);
  if (mlir::failed(source)) throwInternalError("CUDA rendering failed:\n" + diagnostics);
#ifdef FUSOR_HAS_CUDA_HEADERS
  runtime::cuda::compileCuda(*source, /*arch=*/90);
#endif
}

}  // namespace

codegen::KernelFn compileProgram(const ir::Program &program) {
  static std::mutex mutex;  // one MLIR context, one compile at a time
  std::lock_guard<std::mutex> lock(mutex);
  mlir::MLIRContext &ctx = context();
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    llvm::raw_string_ostream os(diagnostics);
    os << d.getLocation() << ": " << d << "\n";
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> module = ir::toDialect(ctx, program, kFunction);
  Dumper dump;
  dump.write(0, "fusor", print(*module));
  if (mlir::failed(mlir::verify(*module)))
    throwInternalError("the traced graph does not verify:\n" + diagnostics);
  if (const char *check = std::getenv("FUSOR_CUDA_CHECK"); check && *check && *check != '0')
    checkCudaCodegen(*module, diagnostics);
  mlir::fusor::CpuPipelineOptions options;
  options.refineShapes = false;  // traced shapes are static already
  int step = 1;
  for (const mlir::fusor::PipelineStage &stage : mlir::fusor::cpuPipelineStages(options)) {
    mlir::PassManager pm(&ctx, mlir::ModuleOp::getOperationName());
    stage.build(pm);
    if (mlir::failed(pm.run(*module)))
      throwInternalError("the " + stage.name + " stage failed:\n" + diagnostics);
    dump.write(step++, stage.name, print(*module));
  }
  codegen::CpuJit &jit = codegen::CpuJit::get();
  jit.setKeepIR(dump.enabled());
  std::string error;
  codegen::KernelFn fn = jit.compile(*module, kFunction, error);
  if (!fn) throwInternalError("LLVM JIT: " + error);
  if (dump.enabled()) dump.write(step, "optimized", jit.lastIR());
  return fn;
}

}  // namespace fusor::runtime::jit
