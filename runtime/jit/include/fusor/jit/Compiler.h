// The compile driver: a captured program -> fusor dialect -> CPU pipeline -> LLVM JIT.
#pragma once

#include "fusor/codegen/CpuJit.h"
#include "fusor/ir/GraphToDialect.h"

namespace fusor::runtime::jit {

// Compiles `program`; throws fusor::Error if any stage fails. With FUSOR_DUMP=dir set, writes
// dir/NNNN-0-fusor.mlir (the input; `fusor-opt --fusor-cpu-pipeline` reproduces the rest),
// the IR after each pipeline stage, and the optimized LLVM IR.
codegen::KernelFn compileProgram(const ir::Program &program);

}  // namespace fusor::runtime::jit
