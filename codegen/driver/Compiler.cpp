#include "fusor/driver/Compiler.h"

#include "Donation.h"

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
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"

namespace fusor::driver {
namespace {

constexpr const char *kFunction = "fusor_main";

// A context with what the pipeline needs (bufferization models too). Each thread that
// compiles traced programs has one, so compiles of different programs run at once; one more
// serves users' modules (jitContext()).
mlir::MLIRContext *newContext() {
  mlir::DialectRegistry registry;
  registry.insert<mlir::fusor::FusorDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  auto *c = new mlir::MLIRContext(registry, mlir::MLIRContext::Threading::DISABLED);
  c->loadDialect<mlir::fusor::FusorDialect, mlir::func::FuncDialect>();
  return c;
}

mlir::MLIRContext &context() {
  static mlir::MLIRContext *ctx = newContext();
  return *ctx;
}

mlir::MLIRContext &threadContext() {
  thread_local std::unique_ptr<mlir::MLIRContext> ctx(newContext());
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

}  // namespace

std::mutex &compileMutex() {
  static std::mutex *m = new std::mutex();
  return *m;
}

mlir::MLIRContext &jitContext() { return context(); }

namespace {

// FUSOR_CUDA_CHECK: also takes the program through the CUDA pipeline, the launch plan, the
// renderer and NVRTC (no GPU needed), so CPU-only runs test the CUDA code generator on every
// graph they build.
void checkCudaCodegen(mlir::ModuleOp module, const std::string &function) {
  mlir::OwningOpRef<mlir::ModuleOp> copy = module.clone();
  CompileOptions options;
  options.target = Target::Cuda;
  options.load = false;
  CompileResult lowered = compile(*copy, function, options);
  runtime::cuda::LaunchPlan::parse(lowered.cudaPlan.serialize());  // round-trips
#ifdef FUSOR_HAS_CUDA_HEADERS
  runtime::cuda::compileCuda(lowered.cudaSource, /*arch=*/90);
#endif
}

std::atomic<uint64_t> passesRun{0};

struct CountPasses : mlir::PassInstrumentation {
  void runAfterPass(mlir::Pass *, mlir::Operation *) override { passesRun.fetch_add(1, std::memory_order_relaxed); }
};

bool hasDynamicSizes(mlir::ModuleOp module) {
  bool dynamic = false;
  module.walk([&](mlir::func::FuncOp f) {
    for (mlir::Type t : f.getArgumentTypes())
      if (auto shaped = llvm::dyn_cast<mlir::ShapedType>(t); shaped && !shaped.hasStaticShape()) dynamic = true;
  });
  return dynamic;
}

// The function's memref arguments (inputs, then outputs) and which of their sizes are `?`.
void recordArguments(mlir::func::FuncOp func, codegen::ArgShapes &shapes, Compiled &program) {
  shapes.clear();
  program.dynamicDims.clear();
  for (auto [a, type] : llvm::enumerate(func.getArgumentTypes())) {
    auto memref = llvm::dyn_cast<mlir::MemRefType>(type);
    if (!memref) continue;
    shapes.emplace_back(memref.getShape().begin(), memref.getShape().end());
    for (auto [d, extent] : llvm::enumerate(memref.getShape()))
      if (mlir::ShapedType::isDynamic(extent)) program.dynamicDims.push_back({static_cast<int>(a), static_cast<int>(d)});
  }
}

}  // namespace

bool dumpRequested() {
  const char *dir = std::getenv("FUSOR_DUMP");
  return dir && *dir;
}

bool cudaCheckRequested() {
  const char *check = std::getenv("FUSOR_CUDA_CHECK");
  return check && *check && *check != '0';
}

uint64_t mlirPassesRun() { return passesRun.load(std::memory_order_relaxed); }

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

bool specializeArgument(mlir::func::FuncOp func, unsigned index, llvm::ArrayRef<int64_t> shape) {
  auto declared = llvm::dyn_cast<mlir::RankedTensorType>(func.getArgument(index).getType());
  if (!declared || declared.getRank() != static_cast<int64_t>(shape.size()) ||
      mlir::failed(mlir::verifyCompatibleShape(declared.getShape(), shape)))
    return false;
  func.getArgument(index).setType(mlir::RankedTensorType::get(shape, declared.getElementType()));
  func.setType(mlir::FunctionType::get(func.getContext(), func.getBody().getArgumentTypes(), func.getResultTypes()));
  return true;
}

CompileResult compile(mlir::ModuleOp module, const std::string &function, const CompileOptions &options) {
  mlir::MLIRContext &ctx = *module->getContext();
  std::string diagnostics;
  DiagnosticCollector collect(ctx, diagnostics);
  // A user's module is only as good as its text; a traced one failing is fusor's bug.
  auto fail = [&](const std::string &what) {
    if (options.fromUser) throw Error("fusor: " + what + ":\n" + diagnostics);
    throwInternalError(what + ":\n" + diagnostics);
  };
  bool cuda = options.target == Target::Cuda;
  Dumper dump;
  dump.write(0, "fusor", print(module));
  if (mlir::failed(mlir::verify(module))) fail("the module does not verify");
  // The CUDA backend takes no `?` sizes yet: programs with them are CPU programs.
  if (!cuda && cudaCheckRequested() && !hasDynamicSizes(module)) checkCudaCodegen(module, function);

  mlir::fusor::CpuPipelineOptions cpuOptions;
  cpuOptions.refineShapes = options.fromUser;  // traced shapes are static already
  std::vector<mlir::fusor::PipelineStage> stages =
      cuda ? mlir::fusor::cudaPipelineStages() : mlir::fusor::cpuPipelineStages(cpuOptions);
  CompileResult result;
  codegen::ArgShapes argShapes;  // the function's buffers, once bufferized
  int step = 1;
  for (const mlir::fusor::PipelineStage &stage : stages) {
    mlir::PassManager pm(&ctx, mlir::ModuleOp::getOperationName());
    pm.addInstrumentation(std::make_unique<CountPasses>());
    stage.build(pm);
    if (mlir::failed(pm.run(module))) fail("the " + stage.name + " stage " + (cuda ? "of the CUDA pipeline " : "") + "failed");
    dump.write(step++, (cuda ? "cuda-" : "") + stage.name, print(module));
    if (!cuda && stage.name == std::string("loops") && !options.donate.empty())
      if (auto func = module.lookupSymbol<mlir::func::FuncOp>(function))
        result.program.donations = donateInPlace(func, options.donate);
    if (stage.name == std::string("bufferized"))
      if (auto func = module.lookupSymbol<mlir::func::FuncOp>(function)) recordArguments(func, argShapes, result.program);
    if (stage.name == mlir::fusor::kRefinedStage) {  // shapes refined, still on tensors
      auto func = module.lookupSymbol<mlir::func::FuncOp>(function);
      if (!func) fail("no function '" + function + "'");
      result.resultTypes.assign(func.getResultTypes().begin(), func.getResultTypes().end());
    }
  }

  if (cuda) {
    mlir::FailureOr<runtime::cuda::LaunchPlan> plan = codegen::buildLaunchPlan(module, function);
    if (mlir::failed(plan)) fail("no CUDA launch plan");
    mlir::FailureOr<std::string> source = codegen::renderCuda(module);
    if (mlir::failed(source)) fail("CUDA rendering failed");
    dump.write(step, "cuda-source", *source);
    if (!options.load) {
      result.cudaPlan = std::move(*plan);
      result.cudaSource = std::move(*source);
      return result;
    }
#ifdef FUSOR_HAS_CUDA_HEADERS
    static std::mutex *cudaMutex = new std::mutex();  // one NVRTC compile and module load at a time
    std::lock_guard<std::mutex> lock(*cudaMutex);
    int arch = runtime::cuda::computeCapability(options.device);
    runtime::cuda::CudaBinary binary = runtime::cuda::compileCuda(*source, arch);
    result.program.cuda = std::make_shared<runtime::cuda::Executable>(options.device, std::move(*plan), binary.image);
    return result;
#else
    throw Error("fusor: CUDA is not available: fusor was built without the CUDA toolkit's headers");
#endif
  }

  if (!options.load) return result;
  codegen::CpuJit &jit = codegen::CpuJit::get();
  std::string error, optimizedIR;
  bool dynamic = !result.program.dynamicDims.empty();
  std::optional<std::string> object =
      jit.emitObject(module, function, error, dump.enabled() ? &optimizedIR : nullptr, dynamic ? &argShapes : nullptr);
  if (!object) fail("LLVM: " + error);
  if (dump.enabled()) dump.write(step, "optimized", optimizedIR);
  result.program.cpu = jit.load(*object, error);
  if (!result.program.cpu) fail("LLVM JIT: " + error);
  result.cpuObject = std::move(*object);
  return result;
}

void Compiled::run(void **buffers) const {
#ifdef FUSOR_HAS_CUDA_HEADERS
  if (cuda) return cuda->run(buffers);
#endif
  cpu(buffers);
}

Compiled compileProgram(const ir::Program &program, std::string *object) {
  mlir::MLIRContext &ctx = threadContext();
  mlir::OwningOpRef<mlir::ModuleOp> module = ir::toDialect(ctx, program, kFunction);
  CompileOptions options;
  int numInputs = static_cast<int>(program.inputs.size());
  for (auto [in, out] : program.donate) options.donate.push_back({in, numInputs + out});
  if (program.device != ir::Node::kHost) {
    options.target = Target::Cuda;
    options.device = program.device;
  }
  CompileResult result = compile(*module, kFunction, options);
  Compiled compiled = std::move(result.program);
  if (object) *object = std::move(result.cpuObject);
  for (auto &[in, out] : compiled.donations) out -= numInputs;  // output indices, as run() takes them
  return compiled;
}

}  // namespace fusor::driver
