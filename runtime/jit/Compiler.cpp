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

std::mutex &compileMutex() {
  static std::mutex *m = new std::mutex();
  return *m;
}

mlir::MLIRContext &jitContext() { return context(); }

codegen::KernelFn compileModule(mlir::ModuleOp module, const std::string &function, bool fromUser,
                                std::vector<mlir::Type> *resultTypes) {
  mlir::MLIRContext &ctx = *module->getContext();
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    llvm::raw_string_ostream os(diagnostics);
    os << d.getLocation() << ": " << d << "\n";
    return mlir::success();
  });
  // A user's module is only as good as its text; a traced one failing is fusor's bug.
  auto fail = [&](const std::string &what) -> codegen::KernelFn {
    if (fromUser) throw Error("fusor: " + what + ":\n" + diagnostics);
    throwInternalError(what + ":\n" + diagnostics);
  };
  Dumper dump;
  dump.write(0, "fusor", print(module));
  if (mlir::failed(mlir::verify(module))) return fail("the module does not verify");
  if (const char *check = std::getenv("FUSOR_CUDA_CHECK"); check && *check && *check != '0')
    checkCudaCodegen(module, diagnostics);
  mlir::fusor::CpuPipelineOptions options;
  options.refineShapes = fromUser;  // traced shapes are static already
  int step = 1;
  for (const mlir::fusor::PipelineStage &stage : mlir::fusor::cpuPipelineStages(options)) {
    mlir::PassManager pm(&ctx, mlir::ModuleOp::getOperationName());
    stage.build(pm);
    if (mlir::failed(pm.run(module))) return fail("the " + stage.name + " stage failed");
    dump.write(step++, stage.name, print(module));
    if (step == 2 && resultTypes) {  // after the fusor stage: refined, still on tensors
      auto func = module.lookupSymbol<mlir::func::FuncOp>(function);
      if (!func) return fail("no function '" + function + "'");
      resultTypes->assign(func.getResultTypes().begin(), func.getResultTypes().end());
    }
  }
  codegen::CpuJit &jit = codegen::CpuJit::get();
  jit.setKeepIR(dump.enabled());
  std::string error;
  codegen::KernelFn fn = jit.compile(module, function, error);
  if (!fn) return fail("LLVM JIT: " + error);
  if (dump.enabled()) dump.write(step, "optimized", jit.lastIR());
  return fn;
}

codegen::KernelFn compileProgram(const ir::Program &program) {
  std::lock_guard<std::mutex> lock(compileMutex());  // one MLIR context, one compile at a time
  mlir::OwningOpRef<mlir::ModuleOp> module = ir::toDialect(context(), program, kFunction);
  return compileModule(*module, kFunction, /*fromUser=*/false, nullptr);
}

}  // namespace fusor::runtime::jit
