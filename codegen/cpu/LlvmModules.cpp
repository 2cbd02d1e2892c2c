#include "fusor/codegen/LlvmModules.h"

#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Target/TargetMachine.h"

namespace fusor::codegen {

llvm::Function *addPackedEntry(llvm::Module &module, llvm::Function &target, const std::string &name,
                               llvm::GlobalValue::LinkageTypes linkage, const ArgShapes *shapes) {
  llvm::LLVMContext &ctx = module.getContext();
  auto *ptr = llvm::PointerType::getUnqual(ctx);
  auto *i64 = llvm::Type::getInt64Ty(ctx);
  auto *type = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false);
  auto *entry = llvm::Function::Create(type, linkage, name, module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
  llvm::SmallVector<llvm::Value *> args;
  auto buffer = [&](size_t i) { return b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, entry->getArg(0), i)); };
  if (!shapes) {
    for (unsigned i = 0; i < target.arg_size(); ++i) args.push_back(buffer(i));
  } else {
    llvm::Value *dynamicSizes = buffer(shapes->size());
    unsigned nextDynamic = 0;
    for (size_t a = 0; a < shapes->size(); ++a) {
      const std::vector<int64_t> &shape = (*shapes)[a];
      llvm::Value *data = buffer(a);
      llvm::SmallVector<llvm::Value *> sizes;
      for (int64_t extent : shape)
        sizes.push_back(extent >= 0 ? static_cast<llvm::Value *>(b.getInt64(extent))
                                    : b.CreateLoad(i64, b.CreateConstGEP1_64(i64, dynamicSizes, nextDynamic++)));
      llvm::SmallVector<llvm::Value *> strides(shape.size());
      llvm::Value *stride = b.getInt64(1);
      for (size_t d = shape.size(); d-- > 0;) {
        strides[d] = stride;
        stride = b.CreateMul(stride, sizes[d]);
      }
      args.append({data, data, b.getInt64(0)});
      args.append(sizes.begin(), sizes.end());
      args.append(strides.begin(), strides.end());
    }
  }
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
