// fusor-compile: an ONNX model or a fusor-dialect .mlir file, compiled ahead of time into
// OUTDIR/libNAME.so with a C API in OUTDIR/NAME.h (plus libfusor_runtime.so, which it needs).
//
// usage: fusor-compile MODEL.onnx|MODEL.mlir -o OUTDIR [--name NAME] [--target cpu|cuda]
//                      [--shape INPUT=1x3x224x224 ...] [--weights-file] [--cuda-arch 90]
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "fusor/MlirModule.h"
#include "fusor/codegen/AotLibrary.h"
#include "fusor/fusor.h"
#include "fusor/ir/GraphToDialect.h"
#include "fusor/driver/Compiler.h"
#include "fusor/onnx/Model.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#ifdef FUSOR_HAS_CUDA_HEADERS
#include "fusor/runtime/cuda/Nvrtc.h"
#endif

namespace {

namespace fs = std::filesystem;
using fusor::Error;

constexpr const char *kUsage =
    "usage: fusor-compile MODEL.onnx|MODEL.mlir -o OUTDIR [--name NAME] [--target cpu|cuda]\n"
    "                     [--shape INPUT=1x3x224x224 ...] [--weights-file] [--cuda-arch 90]\n";

struct Options {
  std::string model, outDir, name, target = "cpu";
  std::map<std::string, std::vector<int64_t>> shapes;
  bool weightsFile = false;
  int cudaArch = 90;
};

[[noreturn]] void usageError(const std::string &why) { throw Error("fusor-compile: " + why + "\n" + kUsage); }

std::vector<int64_t> parseShape(const std::string &spec, const std::string &text) {
  std::vector<int64_t> shape;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, 'x')) {
    char *end = nullptr;
    long long v = std::strtoll(part.c_str(), &end, 10);
    if (part.empty() || *end || v < 0) usageError("--shape " + spec + ": sizes are non-negative integers joined by 'x'");
    shape.push_back(v);
  }
  if (text == "scalar") shape.clear();
  else if (shape.empty()) usageError("--shape " + spec + ": no sizes");
  return shape;
}

Options parse(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usageError(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "-o") o.outDir = value();
    else if (arg == "--name") o.name = value();
    else if (arg == "--target") o.target = value();
    else if (arg == "--weights-file") o.weightsFile = true;
    else if (arg == "--cuda-arch") o.cudaArch = std::atoi(value().c_str());
    else if (arg == "--shape") {
      std::string spec = value();
      size_t eq = spec.find('=');
      if (eq == std::string::npos || eq == 0) usageError("--shape takes INPUT=1x3x224x224");
      o.shapes[spec.substr(0, eq)] = parseShape(spec, spec.substr(eq + 1));
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (o.model.empty() && arg.rfind("-", 0) != 0) o.model = arg;
    else usageError("unknown argument '" + arg + "'");
  }
  if (o.model.empty()) usageError("no model given");
  if (o.outDir.empty()) usageError("no output directory (-o OUTDIR)");
  if (o.target != "cpu" && o.target != "cuda") usageError("--target is cpu or cuda, not '" + o.target + "'");
  if (o.cudaArch < 50 || o.cudaArch > 200) usageError("--cuda-arch takes a compute capability such as 90");
  if (o.name.empty()) {  // the file stem, as a C identifier
    o.name = fs::path(o.model).stem().string();
    for (char &c : o.name)
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    if (o.name.empty() || std::isdigit(static_cast<unsigned char>(o.name[0]))) o.name = "m_" + o.name;
  }
  for (char c : o.name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      usageError("--name must be a C identifier, not '" + o.name + "'");
  if (std::isdigit(static_cast<unsigned char>(o.name[0]))) usageError("--name must not start with a digit");
  return o;
}

// A model as a fusor-dialect module with @main(inputs..., weights...).
struct Traced {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::vector<std::string> inputNames, outputNames;
  std::vector<fusor::Tensor> weights;
};

std::string shapeText(const std::vector<int64_t> &s) {
  std::string t;
  for (size_t i = 0; i < s.size(); ++i) t += (i ? "x" : "") + std::to_string(s[i]);
  return s.empty() ? "scalar" : t;
}

Traced traceOnnx(const Options &o) {
  fusor::onnx::Model model = fusor::onnx::Model::load(o.model);
  Traced t;
  t.inputNames = model.inputNames();
  t.outputNames = model.outputNames();
  std::map<std::string, std::vector<int64_t>> shapes = o.shapes;
  std::vector<fusor::Tensor> examples;
  for (const std::string &name : t.inputNames) {
    fusor::onnx::Model::InputType type = model.inputType(name);
    std::vector<int64_t> shape;
    if (auto given = shapes.find(name); given != shapes.end()) {
      shape = given->second;
      shapes.erase(given);
      if (type.rank >= 0 && static_cast<int64_t>(shape.size()) != type.rank)
        throw Error("fusor-compile: --shape " + name + "=" + shapeText(shape) + " has rank " +
                    std::to_string(shape.size()) + ", the model's input has rank " + std::to_string(type.rank));
      for (int64_t d = 0; d < type.rank; ++d)
        if (type.sizes[d] >= 0 && type.sizes[d] != shape[d])
          throw Error("fusor-compile: --shape " + name + "=" + shapeText(shape) + " conflicts with the model's size " +
                      std::to_string(type.sizes[d]) + " in dim " + std::to_string(d));
    } else {
      if (type.rank < 0)
        throw Error("fusor-compile: input '" + name + "' has no declared shape; give it with --shape " + name + "=...");
      for (int64_t d = 0; d < type.rank; ++d)
        if (type.sizes[d] < 0)
          throw Error("fusor-compile: input '" + name + "' has an unknown size in dim " + std::to_string(d) +
                      (type.symbols[d].empty() ? "" : " ('" + type.symbols[d] + "')") + "; fix it with --shape " +
                      name + "=...");
      shape = type.sizes;
    }
    examples.push_back(fusor::zeros(shape, type.dtype));
  }
  if (!shapes.empty()) throw Error("fusor-compile: the model has no input '" + shapes.begin()->first + "'");
  t.module = fusor::trace_to_module([&](const std::vector<fusor::Tensor> &in) { return model.run(in); }, examples,
                                    &t.weights);
  return t;
}

// A fusor-dialect file: its public function (@main if several) becomes @main, with --shape
// fixing the sizes of arguments arg0, arg1, ... (the caller holds the compile mutex).
Traced readMlir(const Options &o) {
  std::ifstream in(o.model);
  if (!in) throw Error("fusor-compile: cannot read " + o.model);
  std::stringstream text;
  text << in.rdbuf();
  std::string diagnostics;
  Traced t;
  t.module = fusor::driver::parseModule(text.str(), o.model, diagnostics);
  if (!t.module) throw Error("fusor-compile: cannot parse " + o.model + ":\n" + diagnostics);
  return t;
}

mlir::func::FuncOp mainFunction(mlir::ModuleOp module, const std::string &path) {
  mlir::func::FuncOp func = fusor::driver::entryFunction(module);
  if (!func) throw Error("fusor-compile: " + path + " has no public function");
  return func;
}

std::string findRuntimeLibrary() {
  fs::path exe = fs::canonical("/proc/self/exe");
  for (fs::path candidate : {exe.parent_path().parent_path() / "lib" / "libfusor_runtime.so",
                             exe.parent_path() / "libfusor_runtime.so"})
    if (fs::exists(candidate)) return candidate.string();
  throw Error("fusor-compile: cannot find libfusor_runtime.so next to " + exe.string() + " (in ../lib)");
}

int run(int argc, char **argv) {
  Options o = parse(argc, argv);
  bool onnx = fs::path(o.model).extension() == ".onnx";
  bool mlirFile = fs::path(o.model).extension() == ".mlir";
  if (!onnx && !mlirFile) throw Error("fusor-compile: " + o.model + ": expected a .onnx or .mlir file");
  if (!fs::exists(o.model)) throw Error("fusor-compile: " + o.model + ": no such file");
  std::string runtimeLibrary = findRuntimeLibrary();

  Traced traced = onnx ? traceOnnx(o) : Traced{};
  std::lock_guard<std::mutex> lock(fusor::driver::compileMutex());
  if (mlirFile) traced = readMlir(o);
  mlir::ModuleOp module = *traced.module;
  mlir::func::FuncOp func = mainFunction(module, o.model);
  if (func.getName() != "main") func.setName("main");
  if (mlirFile) {  // arguments named by position; --shape fixes their sizes
    std::map<std::string, std::vector<int64_t>> shapes = o.shapes;
    for (const auto &[name, shape] : shapes) {
      bool exists = false;
      for (unsigned i = 0; i < func.getNumArguments(); ++i) exists |= name == "arg" + std::to_string(i);
      if (!exists) throw Error("fusor-compile: the function has no argument '" + name + "'");
    }
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      std::string name = "arg" + std::to_string(i);
      traced.inputNames.push_back(name);
      auto type = llvm::dyn_cast<mlir::RankedTensorType>(func.getArgument(i).getType());
      if (!type) throw Error("fusor-compile: argument " + name + " is not a ranked tensor");
      if (auto given = shapes.find(name); given != shapes.end()) {
        if (!fusor::driver::specializeArgument(func, i, given->second))
          throw Error("fusor-compile: --shape " + name + "=" + shapeText(given->second) + " does not fit its type");
        shapes.erase(given);
      } else if (!type.hasStaticShape()) {
        throw Error("fusor-compile: argument " + name + " has dynamic sizes; fix them with --shape " + name + "=...");
      }
    }
    for (unsigned i = 0; i < func.getNumResults(); ++i) traced.outputNames.push_back("result" + std::to_string(i));
  }

  fusor::codegen::AotModel model;
  model.name = o.name;
  model.weightsInFile = o.weightsFile;
  auto tensorOf = [](const std::string &name, mlir::Type type) {
    auto tensor = llvm::dyn_cast<mlir::RankedTensorType>(type);
    std::optional<fusor::DType> dtype = tensor ? fusor::ir::fromMlirType(tensor.getElementType()) : std::nullopt;
    if (!tensor || !tensor.hasStaticShape() || !dtype)
      throw Error("fusor-compile: '" + name + "' needs a static shape and a fusor dtype");
    return fusor::codegen::AotTensor{name, static_cast<int32_t>(*dtype),
                                     std::vector<int64_t>(tensor.getShape().begin(), tensor.getShape().end())};
  };
  for (size_t i = 0; i < traced.inputNames.size(); ++i)
    model.inputs.push_back(tensorOf(traced.inputNames[i], func.getArgument(i).getType()));
  for (const fusor::Tensor &w : traced.weights) {
    fusor::realize({w});
    const auto &buffer = w.node()->buffer;
    model.weights.emplace_back(static_cast<const char *>(buffer->data()), buffer->bytes());
  }

  fusor::driver::CompileOptions options;
  options.target = o.target == "cpu" ? fusor::driver::Target::Cpu : fusor::driver::Target::Cuda;
  options.fromUser = true;
  options.load = false;  // ahead of time: the module stays lowered, the CUDA source is returned
#ifndef FUSOR_HAS_CUDA_HEADERS
  if (options.target == fusor::driver::Target::Cuda)
    throw Error("fusor-compile: this build has no CUDA toolkit headers, so no --target cuda");
#endif
  fusor::driver::CompileResult compiled = fusor::driver::compile(module, "main", options);
  if (options.target == fusor::driver::Target::Cpu) {
    model.cpuModule = module;
    model.cpuFunction = "main";
  } else {
#ifdef FUSOR_HAS_CUDA_HEADERS
    model.cuda = true;
    model.cudaArch = o.cudaArch;
    model.cubin = fusor::runtime::cuda::compileCuda(compiled.cudaSource, o.cudaArch).image;
    model.ptx = fusor::runtime::cuda::compileCuda(compiled.cudaSource, o.cudaArch, /*ptx=*/true).image;
    model.plan = compiled.cudaPlan.serialize();
#endif
  }
  const std::vector<mlir::Type> &resultTypes = compiled.resultTypes;
  if (resultTypes.size() != traced.outputNames.size())
    throw Error("fusor-compile: the model has " + std::to_string(traced.outputNames.size()) + " outputs but " +
                std::to_string(resultTypes.size()) + " results");
  for (size_t i = 0; i < resultTypes.size(); ++i) model.outputs.push_back(tensorOf(traced.outputNames[i], resultTypes[i]));
  fusor::codegen::writeAotLibrary(model, o.outDir, runtimeLibrary);
  std::printf("fusor-compile: wrote %s/lib%s.so and %s/%s.h (%zu inputs, %zu outputs, %zu weights%s)\n",
              o.outDir.c_str(), o.name.c_str(), o.outDir.c_str(), o.name.c_str(), model.inputs.size(),
              model.outputs.size(), model.weights.size(), o.weightsFile ? " in a side file" : " embedded");
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
