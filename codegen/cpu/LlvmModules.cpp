#include "fusor/codegen/LlvmModules.h"

#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Target/TargetMachine.h"

namespace fusor::codegen {

llvm::Function *addPackedEntry(llvm::Module &module, llvm::Function &target, const std::string &name,
                               llvm::GlobalValue::LinkageTypes linkage) {
  llvm::LLVMContext &ctx = module.getContext();
  auto *ptr = llvm::PointerType::getUnqual(ctx);
  auto *type = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false);
  auto *entry = llvm::Function::Create(type, linkage, name, module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
  llvm::SmallVector<llvm::Value *> args;
  for (unsigned i = 0; i < target.arg_size(); ++i)
    args.push_back(b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, entry->getArg(0), i)));
  b.CreateCall(&target, args);
  b.CreateRetVoid();
  return entry;
}

namespace {

// fusor asks LLVM to vectorize every inner parallel loop; where a loop cannot be (a libm call
// in it, say) LLVM says why in a remark and a warning, which are noise to a user: dropped.
struct DropMissedTransformations : llvm::DiagnosticHandler {
  bool handleDiagnostics(const llvm::DiagnosticInfo &info) override {
    return info.getSeverity() == llvm::DS_Remark || info.getKind() == llvm::DK_OptimizationFailure;
  }
};

}  // namespace

void optimizeModule(llvm::Module &module, llvm::TargetMachine &machine) {
  llvm::LLVMContext &ctx = module.getContext();
  std::unique_ptr<llvm::DiagnosticHandler> previous = ctx.getDiagnosticHandler();
  ctx.setDiagnosticHandler(std::make_unique<DropMissedTransformations>());
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&machine);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3).run(module, mam);
  ctx.setDiagnosticHandler(std::move(previous));
}

}  // namespace fusor::codegen
