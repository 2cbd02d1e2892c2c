#include "fusor/codegen/CpuJit.h"
#include "fusor/codegen/LlvmModules.h"

#include <atomic>
#include <mutex>
#include <optional>

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
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

extern "C" int omp_get_max_threads(void);

namespace fusor::codegen {

namespace {

constexpr const char *kEntry = "fusor_entry";

}  // namespace

struct CpuJit::Impl {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  std::optional<llvm::orc::JITTargetMachineBuilder> builder;
  std::string hostId;
  std::atomic<uint64_t> counter{0};
};

CpuJit::CpuJit() : impl_(std::make_unique<Impl>()) {
  // A call into libomp keeps it linked: compiled parallel loops call __kmpc_* functions,
  // which the JIT resolves from the process.
  (void)omp_get_max_threads();
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto builder = llvm::cantFail(llvm::orc::JITTargetMachineBuilder::detectHost());
  builder.setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  // Position-independent objects, as LLJIT's JITLink layer wants them (emitObject makes them).
  builder.setRelocationModel(llvm::Reloc::PIC_);
  builder.setCodeModel(llvm::CodeModel::Small);
  impl_->builder = builder;
  impl_->hostId = builder.getTargetTriple().str() + " " + builder.getCPU() + " " + builder.getFeatures().getString();
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

const std::string &CpuJit::hostId() const { return impl_->hostId; }

std::optional<std::string> CpuJit::emitObject(mlir::ModuleOp module, const std::string &function, std::string &error,
                                              std::string *optimizedIR, const ArgShapes *shapes) {
  mlir::registerBuiltinDialectTranslation(*module->getContext());
  mlir::registerLLVMDialectTranslation(*module->getContext());
  mlir::registerOpenMPDialectTranslation(*module->getContext());
  llvm::LLVMContext ctx;
  std::unique_ptr<llvm::Module> llvmModule = mlir::translateModuleToLLVMIR(module, ctx, "fusor");
  if (!llvmModule) {
    error = "translation to LLVM IR failed";
    return std::nullopt;
  }
  llvm::Function *target = llvmModule->getFunction(function);
  if (!target) {
    error = "no function '" + function + "' in the module";
    return std::nullopt;
  }
  // The packed entry passes one pointer per buffer (the bare-pointer convention), or
  // descriptors where sizes are dynamic.
  size_t expected = 0;
  if (shapes)
    for (const std::vector<int64_t> &shape : *shapes) expected += 3 + 2 * shape.size();
  else
    expected = target->arg_size();
  if (target->arg_size() != expected ||
      (!shapes && llvm::any_of(target->args(), [](llvm::Argument &a) { return !a.getType()->isPointerTy(); }))) {
    error = "'" + function + "' does not take the arguments its entry passes (bare pointers, or descriptors where "
            "sizes are dynamic)";
    return std::nullopt;
  }
  // A machine per compile: compiles of different programs may run at once.
  auto machine = impl_->builder->createTargetMachine();
  if (!machine) {
    error = llvm::toString(machine.takeError());
    return std::nullopt;
  }
  llvmModule->setDataLayout((*machine)->createDataLayout());
  llvmModule->setTargetTriple((*machine)->getTargetTriple());
  for (llvm::Function &f : *llvmModule) {
    if (f.isDeclaration()) continue;
    f.addFnAttr("target-cpu", impl_->builder->getCPU());
    f.addFnAttr("target-features", impl_->builder->getFeatures().getString());
  }
  addPackedEntry(*llvmModule, *target, kEntry, llvm::Function::ExternalLinkage, shapes);
  optimizeModule(*llvmModule, **machine);
  if (optimizedIR) {
    llvm::raw_string_ostream os(*optimizedIR);
    llvmModule->print(os, nullptr);
  }
  llvm::SmallVector<char, 0> object;
  llvm::raw_svector_ostream out(object);
  llvm::legacy::PassManager pm;
  if ((*machine)->addPassesToEmitFile(pm, out, nullptr, llvm::CodeGenFileType::ObjectFile)) {
    error = "the host target cannot emit object files";
    return std::nullopt;
  }
  pm.run(*llvmModule);
  return std::string(object.begin(), object.end());
}

KernelFn CpuJit::load(const std::string &object, std::string &error) {
  // Each object gets a dylib of its own, so names never clash.
  auto &jit = *impl_->jit;
  auto dylib = jit.createJITDylib("fusor" + std::to_string(impl_->counter++));
  if (!dylib) {
    error = llvm::toString(dylib.takeError());
    return nullptr;
  }
  dylib->addToLinkOrder(jit.getMainJITDylib());
  if (auto e = jit.addObjectFile(*dylib, llvm::MemoryBuffer::getMemBufferCopy(object, "fusor-program"))) {
    error = llvm::toString(std::move(e));
    return nullptr;
  }
  auto address = jit.lookup(*dylib, kEntry);
  if (!address) {
    error = llvm::toString(address.takeError());
    return nullptr;
  }
  return address->toPtr<KernelFn>();
}

}  // namespace fusor::codegen
