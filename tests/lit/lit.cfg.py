# lit configuration of fusor's FileCheck tests.
import os

import lit.formats

config.name = "fusor"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.fusor_binary_dir, "tests", "lit")

# Our tools first, then FileCheck, not, count, split-file from LLVM 22.
path = [config.fusor_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")]
config.environment["PATH"] = os.pathsep.join(path)
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
# The ONNX node-test data (../shared/onnx-node-tests by default); tests needing it are
# unsupported without it.
config.substitutions.append(("%onnx", config.onnx_node_tests))
if os.path.isdir(config.onnx_node_tests):
    config.available_features.add("onnx-data")
