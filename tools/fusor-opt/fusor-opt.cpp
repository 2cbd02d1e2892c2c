// fusor-opt: mlir-opt over the fusor dialect, fusor's passes and all of upstream MLIR.
#include "../RegisterEverything.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  fusor::tools::registerAllDialects(registry);
  fusor::tools::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "fusor optimizer driver\n", registry));
}
