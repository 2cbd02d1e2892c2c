#include "fusor/codegen/CpuJit.h"
#include "fusor/codegen/LlvmModules.h"

#include <atomic>
#include <mutex>

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "fusor/runtime/HostAlloc.h"
#include "fusor/runtime/abi/Entries.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

extern "C" int omp_get_max_threads(void);

namespace fusor::codegen {

struct CpuJit::Impl {
  std::mutex mutex;
  std::unique_ptr<llvm::orc::LLJIT> jit;
  std::unique_ptr<llvm::TargetMachine> machine;
  std::string cpu, features;
  std::atomic<uint64_t> counter{0};
  bool keepIR = false;
  std::string lastIR;
};

namespace {

}  // namespace

CpuJit::CpuJit() : impl_(std::make_unique<Impl>()) {
  // A call into libomp keeps it linked: compiled parallel loops call __kmpc_* functions,
  // which the JIT resolves from the process.
  (void)omp_get_max_threads();
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto builder = llvm::cantFail(llvm::orc::JITTargetMachineBuilder::detectHost());
  builder.setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  impl_->cpu = builder.getCPU();
  impl_->features = builder.getFeatures().getString();
  impl_->machine = llvm::cantFail(builder.createTargetMachine());
  impl_->jit = llvm::cantFail(llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(builder).create());
  // Generated code calls malloc, free, libm and the OpenMP runtime (libomp, linked in).
  impl_->jit->getMainJITDylib().addGenerator(llvm::cantFail(
      llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
          impl_->jit->getDataLayout().getGlobalPrefix())));
  // fusor's runtime entry points, by address (they need not be exported by the executable).
  llvm::orc::MangleAndInterner mangle(impl_->jit->getExecutionSession(), impl_->jit->getDataLayout());
  llvm::orc::SymbolMap runtime;
  auto add = [&](const char *name, auto *fn) {
    runtime[mangle(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn), llvm::JITSymbolFlags::Exported};
  };
#define FUSOR_RT_HOST(Id, symbol) add(#symbol, &::symbol);
#include "fusor/runtime/abi/Entries.def"
  add("_mlir_memref_to_llvm_alloc", &_mlir_memref_to_llvm_alloc);
  add("_mlir_memref_to_llvm_aligned_alloc", &_mlir_memref_to_llvm_aligned_alloc);
  add("_mlir_memref_to_llvm_free", &_mlir_memref_to_llvm_free);
  llvm::cantFail(impl_->jit->getMainJITDylib().define(llvm::orc::absoluteSymbols(runtime)));
}

CpuJit::~CpuJit() = default;

CpuJit &CpuJit::get() {
  static CpuJit *jit = new CpuJit();  // never destroyed: compiled code may run until exit
  return *jit;
}

void CpuJit::setKeepIR(bool keep) { impl_->keepIR = keep; }
const std::string &CpuJit::lastIR() const { return impl_->lastIR; }

KernelFn CpuJit::compile(mlir::ModuleOp module, const std::string &function, std::string &error) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  mlir::registerBuiltinDialectTranslation(*module->getContext());
  mlir::registerLLVMDialectTranslation(*module->getContext());
  mlir::registerOpenMPDialectTranslation(*module->getContext());
  auto ctx = std::make_unique<llvm::LLVMContext>();
  std::unique_ptr<llvm::Module> llvmModule = mlir::translateModuleToLLVMIR(module, *ctx, "fusor");
  if (!llvmModule) {
    error = "translation to LLVM IR failed";
    return nullptr;
  }
  llvm::Function *target = llvmModule->getFunction(function);
  if (!target) {
    error = "no function '" + function + "' in the module";
    return nullptr;
  }
  // The packed entry passes one pointer per buffer: the bare-pointer convention.
  for (llvm::Argument &arg : target->args())
    if (!arg.getType()->isPointerTy()) {
      error = "'" + function + "' does not take bare pointers (a memref the convention rejects?)";
      return nullptr;
    }
  llvmModule->setDataLayout(impl_->machine->createDataLayout());
  llvmModule->setTargetTriple(impl_->machine->getTargetTriple());
  for (llvm::Function &f : *llvmModule) {
    if (f.isDeclaration()) continue;
    f.addFnAttr("target-cpu", impl_->cpu);
    f.addFnAttr("target-features", impl_->features);
  }
  std::string entryName = "fusor_entry";
  addPackedEntry(*llvmModule, *target, entryName, llvm::Function::ExternalLinkage);
  optimizeModule(*llvmModule, *impl_->machine);
  if (impl_->keepIR) {
    impl_->lastIR.clear();
    llvm::raw_string_ostream os(impl_->lastIR);
    llvmModule->print(os, nullptr);
  }
  // Each compile gets a dylib of its own, so names never clash.
  auto &jit = *impl_->jit;
  auto dylib = jit.createJITDylib("fusor" + std::to_string(impl_->counter++));
  if (!dylib) {
    error = llvm::toString(dylib.takeError());
    return nullptr;
  }
  dylib->addToLinkOrder(jit.getMainJITDylib());
  if (auto e = jit.addIRModule(*dylib, llvm::orc::ThreadSafeModule(std::move(llvmModule), std::move(ctx)))) {
    error = llvm::toString(std::move(e));
    return nullptr;
  }
  auto address = jit.lookup(*dylib, entryName);
  if (!address) {
    error = llvm::toString(address.takeError());
    return nullptr;
  }
  return address->toPtr<KernelFn>();
}

}  // namespace fusor::codegen
