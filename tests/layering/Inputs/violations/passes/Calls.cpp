// Two violations: a runtime entry named in a string, and codegen included from passes.
#include "fusor/codegen/CpuJit.h"
#include "mlir/IR/Builders.h"
const char *name = "fusor_rt_gemm_f32";
// "fusor_rt_gemm_f32" in a comment is not a use.
