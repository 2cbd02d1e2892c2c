#include "fusor/driver/Compiler.h"

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
#include "fusor/codegen/LaunchPlanBuilder.h"
#ifdef FUSOR_HAS_CUDA_HEADERS
#include "fusor/runtime/cuda/Device.h"
#include "fusor/runtime/cuda/Executable.h"
#include "fusor/runtime/cuda/Nvrtc.h"
#endif
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"

namespace fusor::driver {
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
                  (stage == "optimized" ? ".ll" : stage == "cuda-source" ? ".cu" : ".mlir"))
        << text << "\n";  // as fusor-opt ends its output
  }

 private:
  std::filesystem::path base_;
};

struct CudaProgram {
  runtime::cuda::LaunchPlan plan;
  std::string source;
};

// The CUDA pipeline, the launch plan of the host side and the kernels' source. `dump` and
// `step` continue a FUSOR_DUMP series.
CudaProgram lowerForCuda(mlir::ModuleOp module, const std::string &function,
                         const std::string &diagnostics, const Dumper *dump, int step) {
  for (const mlir::fusor::PipelineStage &stage : mlir::fusor::cudaPipelineStages()) {
    mlir::PassManager pm(module->getContext(), mlir::ModuleOp::getOperationName());
    stage.build(pm);
    if (mlir::failed(pm.run(module)))
      throwInternalError("the " + stage.name + " stage of the CUDA pipeline failed:\n" + diagnostics);
    if (dump) dump->write(step++, "cuda-" + stage.name, print(module));
  }
  mlir::FailureOr<runtime::cuda::LaunchPlan> plan = codegen::buildLaunchPlan(module, function);
  if (mlir::failed(plan)) throwInternalError("no CUDA launch plan:\n" + diagnostics);
  mlir::FailureOr<std::string> source = codegen::renderCuda(module);
  if (mlir::failed(source)) throwInternalError("CUDA rendering failed:\n" + diagnostics);
  if (dump) dump->write(step, "cuda-source", *source);
  return {std::move(*plan), std::move(*source)};
}

// FUSOR_CUDA_CHECK: also takes the program through the CUDA pipeline, the launch plan, the
// renderer and NVRTC (no GPU needed), so CPU-only runs test the CUDA code generator on every
// graph they build.
void checkCudaCodegen(mlir::ModuleOp module, const std::string &function, const std::string &diagnostics) {
  mlir::OwningOpRef<mlir::ModuleOp> copy = module.clone();
  CudaProgram program = lowerForCuda(*copy, function, diagnostics, nullptr, 0);
  runtime::cuda::LaunchPlan::parse(program.plan.serialize());  // round-trips
#ifdef FUSOR_HAS_CUDA_HEADERS
  runtime::cuda::compileCuda(program.source, /*arch=*/90);
#endif
}

}  // namespace

std::mutex &compileMutex() {
  static std::mutex *m = new std::mutex();
  return *m;
}

mlir::MLIRContext &jitContext() { return context(); }

namespace {

// The CPU pipeline up to the LLVM dialect (compileModule's first half); `dump` continues.
void lowerModule(mlir::ModuleOp module, const std::string &function, bool fromUser,
                 std::vector<mlir::Type> *resultTypes, const Dumper &dump, std::string &diagnostics,
                 int &step) {
  mlir::MLIRContext &ctx = *module->getContext();
  auto fail = [&](const std::string &what) {
    if (fromUser) throw Error("fusor: " + what + ":\n" + diagnostics);
    throwInternalError(what + ":\n" + diagnostics);
  };
  dump.write(0, "fusor", print(module));
  if (mlir::failed(mlir::verify(module))) fail("the module does not verify");
  if (const char *check = std::getenv("FUSOR_CUDA_CHECK"); check && *check && *check != '0')
    checkCudaCodegen(module, function, diagnostics);
  mlir::fusor::CpuPipelineOptions options;
  options.refineShapes = fromUser;  // traced shapes are static already
  step = 1;
  for (const mlir::fusor::PipelineStage &stage : mlir::fusor::cpuPipelineStages(options)) {
    mlir::PassManager pm(&ctx, mlir::ModuleOp::getOperationName());
    stage.build(pm);
    if (mlir::failed(pm.run(module))) fail("the " + stage.name + " stage failed");
    dump.write(step++, stage.name, print(module));
    if (step == 2 && resultTypes) {  // after the fusor stage: refined, still on tensors
      auto func = module.lookupSymbol<mlir::func::FuncOp>(function);
      if (!func) fail("no function '" + function + "'");
      resultTypes->assign(func.getResultTypes().begin(), func.getResultTypes().end());
    }
  }
}

}  // namespace

DiagnosticCollector::DiagnosticCollector(mlir::MLIRContext &context, std::string &text)
    : handler_(&context, [&text](mlir::Diagnostic &d) {
        llvm::raw_string_ostream os(text);
        os << d.getLocation() << ": " << d << "\n";
        return mlir::success();
      }) {}

mlir::OwningOpRef<mlir::ModuleOp> parseModule(const std::string &text, const std::string &name,
                                              std::string &diagnostics) {
  DiagnosticCollector collect(context(), diagnostics);
  return mlir::parseSourceString<mlir::ModuleOp>(text, &context(), name);
}

mlir::func::FuncOp entryFunction(mlir::ModuleOp module) {
  mlir::func::FuncOp func;
  for (auto f : module.getOps<mlir::func::FuncOp>())
    if (!f.isExternal() && (f.isPublic() || f.getName() == "main") && (!func || f.getName() == "main")) func = f;
  return func;
}

void lowerForCpu(mlir::ModuleOp module, const std::string &function, bool fromUser,
                 std::vector<mlir::Type> *resultTypes) {
  std::string diagnostics;
  DiagnosticCollector collect(*module->getContext(), diagnostics);
  int step = 0;
  lowerModule(module, function, fromUser, resultTypes, Dumper(), diagnostics, step);
}

CudaLowering lowerForCudaTarget(mlir::ModuleOp module, const std::string &function) {
  std::string diagnostics;
  DiagnosticCollector collect(*module->getContext(), diagnostics);
  if (mlir::failed(mlir::verify(module))) throw Error("fusor: the module does not verify:\n" + diagnostics);
  CudaProgram program = lowerForCuda(module, function, diagnostics, nullptr, 0);
  return {std::move(program.plan), std::move(program.source)};
}

codegen::KernelFn compileModule(mlir::ModuleOp module, const std::string &function, bool fromUser,
                                std::vector<mlir::Type> *resultTypes) {
  mlir::MLIRContext &ctx = *module->getContext();
  std::string diagnostics;
  DiagnosticCollector collect(ctx, diagnostics);
  // A user's module is only as good as its text; a traced one failing is fusor's bug.
  auto fail = [&](const std::string &what) -> codegen::KernelFn {
    if (fromUser) throw Error("fusor: " + what + ":\n" + diagnostics);
    throwInternalError(what + ":\n" + diagnostics);
  };
  Dumper dump;
  int step = 0;
  lowerModule(module, function, fromUser, resultTypes, dump, diagnostics, step);
  codegen::CpuJit &jit = codegen::CpuJit::get();
  jit.setKeepIR(dump.enabled());
  std::string error;
  codegen::KernelFn fn = jit.compile(module, function, error);
  if (!fn) return fail("LLVM JIT: " + error);
  if (dump.enabled()) dump.write(step, "optimized", jit.lastIR());
  return fn;
}

namespace {

Compiled compileForCuda(mlir::ModuleOp module, int device) {
#ifdef FUSOR_HAS_CUDA_HEADERS
  std::string diagnostics;
  DiagnosticCollector collect(*module->getContext(), diagnostics);
  Dumper dump;
  dump.write(0, "fusor", print(module));
  CudaProgram program = lowerForCuda(module, kFunction, diagnostics, &dump, 1);
  int arch = runtime::cuda::computeCapability(device);
  runtime::cuda::CudaBinary binary = runtime::cuda::compileCuda(program.source, arch);
  Compiled compiled;
  compiled.cuda = std::make_shared<runtime::cuda::Executable>(device, std::move(program.plan), binary.image);
  return compiled;
#else
  (void)module;
  (void)device;
  throw Error("fusor: CUDA is not available: fusor was built without the CUDA toolkit's headers");
#endif
}

}  // namespace

void Compiled::run(void **buffers) const {
#ifdef FUSOR_HAS_CUDA_HEADERS
  if (cuda) return cuda->run(buffers);
#endif
  cpu(buffers);
}

Compiled compileProgram(const ir::Program &program) {
  std::lock_guard<std::mutex> lock(compileMutex());  // one MLIR context, one compile at a time
  mlir::OwningOpRef<mlir::ModuleOp> module = ir::toDialect(context(), program, kFunction);
  if (program.device != ir::Node::kHost) return compileForCuda(*module, program.device);
  Compiled compiled;
  compiled.cpu = compileModule(*module, kFunction, /*fromUser=*/false, nullptr);
  return compiled;
}

}  // namespace fusor::driver
