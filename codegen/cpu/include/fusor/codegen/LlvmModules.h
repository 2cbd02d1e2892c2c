// Helpers shared by the JIT and ahead-of-time compilation of LLVM modules.
#pragma once

#include <string>

#include "llvm/IR/GlobalValue.h"

namespace llvm {
class Function;
class Module;
class TargetMachine;
}  // namespace llvm

namespace fusor::codegen {

// `void name(void **buffers)` calling `target(buffers[0], buffers[1], ...)`.
llvm::Function *addPackedEntry(llvm::Module &module, llvm::Function &target, const std::string &name,
                               llvm::GlobalValue::LinkageTypes linkage);

// LLVM's O3 pipeline for `machine`.
void optimizeModule(llvm::Module &module, llvm::TargetMachine &machine);

}  // namespace fusor::codegen
