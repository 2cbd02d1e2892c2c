// Ahead-of-time model libraries: a compiled program, its weights and signature as a shared
// library (libNAME.so) whose C API (NAME.h) forwards to libfusor_runtime.so.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mlir/IR/BuiltinOps.h"

namespace fusor::codegen {

struct AotTensor {
  std::string name;
  int32_t dtype;  // fusor::DType's number (enum fusor_dtype)
  std::vector<int64_t> shape;
};

struct AotModel {
  std::string name;  // a C identifier
  std::vector<AotTensor> inputs, outputs;
  std::vector<std::string> weights;  // bytes of each, passed after the inputs
  bool weightsInFile = false;        // NAME.weights beside the library instead of embedded
  // CPU: the LLVM-dialect module and its function (inputs, weights, outputs as bare pointers).
  mlir::ModuleOp cpuModule;
  std::string cpuFunction;
  // CUDA: kernels and the serialized launch plan.
  bool cuda = false;
  std::string cubin, ptx, plan;
  int cudaArch = 90;
};

// Writes OUTDIR/libNAME.so, OUTDIR/NAME.h and (if weightsInFile) OUTDIR/NAME.weights, and
// copies `runtimeLibrary` (libfusor_runtime.so) beside them; the library finds it through its
// RUNPATH ($ORIGIN). Throws fusor::Error on failure.
void writeAotLibrary(const AotModel &model, const std::string &outDir, const std::string &runtimeLibrary);

// NAME.h: the C API of the library.
std::string aotHeader(const AotModel &model);

}  // namespace fusor::codegen
