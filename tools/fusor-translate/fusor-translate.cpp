// fusor-translate: mlir-translate for fusor's translations (--fusor-to-cuda,
// --fusor-to-launch-plan).
#include "../RegisterEverything.h"
#include "fusor/codegen/CudaRenderer.h"
#include "fusor/codegen/LaunchPlanBuilder.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"

int main(int argc, char **argv) {
  mlir::TranslateFromMLIRRegistration toCuda(
      "fusor-to-cuda", "Render the kernels of GPU-mapped MLIR (--fusor-cuda-pipeline) as CUDA C++",
      [](mlir::Operation *op, llvm::raw_ostream &os) -> mlir::LogicalResult {
        auto module = llvm::dyn_cast<mlir::ModuleOp>(op);
        if (!module) return op->emitError("expected a builtin.module");
        mlir::FailureOr<std::string> source = fusor::codegen::renderCuda(module);
        if (mlir::failed(source)) return mlir::failure();
        os << *source;
        return mlir::success();
      },
      [](mlir::DialectRegistry &registry) { fusor::tools::registerAllDialects(registry); });
  mlir::TranslateFromMLIRRegistration toPlan(
      "fusor-to-launch-plan",
      "Print the launch plan of the host function of GPU-mapped MLIR (what the CUDA runtime runs)",
      [](mlir::Operation *op, llvm::raw_ostream &os) -> mlir::LogicalResult {
        auto module = llvm::dyn_cast<mlir::ModuleOp>(op);
        if (!module) return op->emitError("expected a builtin.module");
        for (auto func : module.getOps<mlir::func::FuncOp>()) {
          if (func.isExternal()) continue;
          mlir::FailureOr<fusor::runtime::cuda::LaunchPlan> plan =
              fusor::codegen::buildLaunchPlan(module, func.getName());
          if (mlir::failed(plan)) return mlir::failure();
          os << "// @" << func.getName() << "\n" << plan->describe();
        }
        return mlir::success();
      },
      [](mlir::DialectRegistry &registry) { fusor::tools::registerAllDialects(registry); });
  return mlir::failed(mlir::mlirTranslateMain(argc, argv, "fusor translation driver\n")) ? 1 : 0;
}
