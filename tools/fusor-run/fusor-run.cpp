// fusor-run: runs an ONNX model through the JIT on NumPy inputs, writing NumPy outputs.
//
// usage: fusor-run MODEL.onnx --input NAME=FILE.npy ... --output FILE.npy ... [--bench N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "fusor/Npy.h"
#include "fusor/fusor.h"
#include "fusor/onnx/Model.h"

namespace {

int usage(const char *why) {
  std::fprintf(stderr, "fusor-run: %s\nusage: fusor-run MODEL.onnx --input NAME=FILE.npy ... "
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
    if (model.size() < 5 || model.substr(model.size() - 5) != ".onnx")
      throw fusor::Error("fusor-run: " + model + ": only .onnx models run yet");
    fusor::onnx::Model m = fusor::onnx::Model::load(model);
    std::vector<fusor::Tensor> inputs;
    for (const std::string &name : m.inputNames()) {
      auto it = inputFiles.find(name);
      if (it == inputFiles.end()) throw fusor::Error("fusor-run: no --input for the model's input '" + name + "'");
      inputs.push_back(fusor::load_npy(it->second));
      inputFiles.erase(it);
    }
    if (!inputFiles.empty()) throw fusor::Error("fusor-run: the model has no input '" + inputFiles.begin()->first + "'");
    std::vector<std::string> names = m.outputNames();
    if (outputFiles.size() > names.size())
      throw fusor::Error("fusor-run: " + std::to_string(outputFiles.size()) + " --output files for " +
                         std::to_string(names.size()) + " outputs");
    std::vector<fusor::Tensor> outputs = m.run(inputs);
    fusor::realize(std::span<const fusor::Tensor>(outputs));
    for (size_t i = 0; i < outputFiles.size(); ++i) fusor::save_npy(outputs[i], outputFiles[i]);
    if (bench) {
      std::vector<double> ms;
      for (int r = 0; r < bench; ++r) {
        auto start = std::chrono::steady_clock::now();
        std::vector<fusor::Tensor> again = m.run(inputs);
        fusor::realize(std::span<const fusor::Tensor>(again));
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
