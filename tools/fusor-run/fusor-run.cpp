// fusor-run: runs an ONNX model or a fusor-dialect .mlir file through the JIT, or a libNAME.so
// made by fusor-compile, on NumPy inputs, writing NumPy outputs. A .mlir function's inputs are
// named by position: arg0, arg1, ...
//
// usage: fusor-run MODEL.onnx|MODEL.mlir|libNAME.so --input NAME=FILE.npy ... --output FILE.npy ...
//                  [--bench N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fusor/Mlir.h"
#include "fusor/Npy.h"
#include "fusor/fusor.h"
#include "fusor/onnx/Model.h"
#include "AotModel.h"

namespace {

int usage(const char *why) {
  std::fprintf(stderr, "fusor-run: %s\nusage: fusor-run MODEL.onnx|MODEL.mlir|libNAME.so --input NAME=FILE.npy ... "
                       "--output FILE.npy ... [--bench N]\n", why);
  return 2;
}

}  // namespace

int main(int argc, char **argv) {
  std::string model;
  std::map<std::string, std::string> inputFiles;
  std::vector<std::string> outputFiles;
  int bench = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char * { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--input") {
      const char *v = value();
      std::string spec = v ? v : "";
      size_t eq = spec.find('=');
      if (eq == std::string::npos || eq == 0) return usage("--input takes NAME=FILE.npy");
      inputFiles[spec.substr(0, eq)] = spec.substr(eq + 1);
    } else if (arg == "--output") {
      const char *v = value();
      if (!v) return usage("--output takes FILE.npy");
      outputFiles.push_back(v);
    } else if (arg == "--bench") {
      const char *v = value();
      bench = v ? std::atoi(v) : 0;
      if (bench < 1) return usage("--bench takes a positive count");
    } else if (model.empty() && arg.rfind("--", 0) != 0) {
      model = arg;
    } else {
      return usage(("unknown argument '" + arg + "'").c_str());
    }
  }
  if (model.empty()) return usage("no model given");
  try {
    bool mlir = model.size() > 5 && model.substr(model.size() - 5) == ".mlir";
    bool onnx = model.size() > 5 && model.substr(model.size() - 5) == ".onnx";
    bool library = model.size() > 3 && model.substr(model.size() - 3) == ".so";
    if (!mlir && !onnx && !library)
      throw fusor::Error("fusor-run: " + model + ": expected a .onnx or .mlir file, or a library made by fusor-compile");
    std::optional<fusor::onnx::Model> m;
    std::unique_ptr<fusor::tools::AotModel> aot;
    std::vector<std::string> inputNames, outputNames;
    if (library) {
      aot = std::make_unique<fusor::tools::AotModel>(model);
      inputNames = aot->inputNames();
    } else if (onnx) {
      m.emplace(fusor::onnx::Model::load(model));
      inputNames = m->inputNames();
      outputNames = m->outputNames();
    } else {
      for (size_t i = 0; i < inputFiles.size(); ++i) inputNames.push_back("arg" + std::to_string(i));
    }
    std::vector<fusor::Tensor> inputs;
    for (const std::string &name : inputNames) {
      auto it = inputFiles.find(name);
      if (it == inputFiles.end()) throw fusor::Error("fusor-run: no --input for the model's input '" + name + "'");
      inputs.push_back(fusor::load_npy(it->second));
      inputFiles.erase(it);
    }
    if (!inputFiles.empty()) throw fusor::Error("fusor-run: the model has no input '" + inputFiles.begin()->first + "'");
    auto runOnce = [&] {
      std::vector<fusor::Tensor> outs = aot ? aot->run(inputs) : onnx ? m->run(inputs) : fusor::run_mlir(model, inputs);
      fusor::realize(std::span<const fusor::Tensor>(outs));
      return outs;
    };
    std::vector<fusor::Tensor> outputs = runOnce();
    if (outputFiles.size() > outputs.size())
      throw fusor::Error("fusor-run: " + std::to_string(outputFiles.size()) + " --output files for " +
                         std::to_string(outputs.size()) + " outputs");
    for (size_t i = 0; i < outputFiles.size(); ++i) fusor::save_npy(outputs[i], outputFiles[i]);
    if (bench) {
      std::vector<double> ms;
      for (int r = 0; r < bench; ++r) {
        auto start = std::chrono::steady_clock::now();
        runOnce();
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      }
      std::sort(ms.begin(), ms.end());
      std::printf("fusor-run: %s: median %.3f ms over %d runs\n", model.c_str(), ms[ms.size() / 2], bench);
    }
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
