// Helpers shared by the JIT and ahead-of-time compilation of LLVM modules.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "llvm/IR/GlobalValue.h"

namespace llvm {
class Function;
class Module;
class TargetMachine;
}  // namespace llvm

namespace fusor::codegen {

// The sizes of a function's memref arguments (mlir::ShapedType::kDynamic for `?`), where some
// are dynamic: its LLVM function then takes a memref descriptor per argument.
using ArgShapes = std::vector<std::vector<int64_t>>;

// `void name(void **buffers)` calling `target(buffers[0], buffers[1], ...)` (bare pointers).
// With `shapes`, target takes descriptors (allocated and aligned pointer, offset, sizes,
// strides) of dense row-major buffers, and buffers[shapes.size()] points to the int64 sizes
// of every `?` dim of the arguments, in argument then dim order.
llvm::Function *addPackedEntry(llvm::Module &module, llvm::Function &target, const std::string &name,
                               llvm::GlobalValue::LinkageTypes linkage, const ArgShapes *shapes = nullptr);

// LLVM's O3 pipeline for `machine`.
void optimizeModule(llvm::Module &module, llvm::TargetMachine &machine);

}  // namespace fusor::codegen
