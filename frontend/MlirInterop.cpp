// export_mlir and run_mlir: the JIT's compiler on fusor-dialect text.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>

#include "Trace.h"
#include "fusor/Mlir.h"
#include "fusor/MlirModule.h"
#include "fusor/driver/Compiler.h"
#include "fusor/driver/Program.h"
#include "fusor/driver/Realize.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"

namespace fusor {



mlir::OwningOpRef<mlir::ModuleOp> trace_to_module(const TensorFunction &fn, const std::vector<Tensor> &examples,
                                                  std::vector<Tensor> *weights, Where where) {
  std::vector<Tensor> params;
  for (const Tensor &e : examples) params.push_back(Tensor(trace::placeholder(trace::check(e, "export_mlir", where), where)));
  std::vector<Tensor> outs = fn(params);
  std::vector<ir::Node *> roots;
  for (const Tensor &o : outs) {
    if (trace::check(o, "export_mlir", where).node()->realized())
      trace::fail("export_mlir", "every result must be computed from the inputs (a result is an input or a "
                                 "constant)", {}, where);
    roots.push_back(o.node().get());
  }
  ir::Program program = driver::capture(roots).program;
  // The function takes the placeholders in order; other data it reads is compiled in, or
  // passed after them (weights).
  std::vector<ir::Node *> constants;
  for (ir::Node *in : program.inputs)
    if (std::none_of(params.begin(), params.end(), [&](const Tensor &p) { return p.node().get() == in; }))
      constants.push_back(in);
  program.inputs.clear();
  for (const Tensor &p : params) program.inputs.push_back(p.node().get());
  if (weights) {
    for (ir::Node *c : constants) {
      program.inputs.push_back(c);
      weights->push_back(Tensor(c->shared_from_this()));
    }
  } else {
    program.nodes.insert(program.nodes.begin(), constants.begin(), constants.end());
  }

  std::lock_guard<std::mutex> lock(driver::compileMutex());
  return ir::toDialect(driver::jitContext(), program, "main");
}

std::string trace_to_mlir(const TensorFunction &fn, const std::vector<Tensor> &examples,
                          std::vector<Tensor> *weights, Where where) {
  mlir::OwningOpRef<mlir::ModuleOp> module = trace_to_module(fn, examples, weights, where);
  std::lock_guard<std::mutex> lock(driver::compileMutex());
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  module = nullptr;  // let go under the lock, as the context it lives in asks
  return text;
}

void export_mlir(const TensorFunction &fn, const std::vector<Tensor> &examples, const std::string &path,
                 Where where) {
  std::string text = trace_to_mlir(fn, examples, nullptr, where);
  std::ofstream file(path);
  if (!file) trace::fail("export_mlir", "cannot write '" + path + "'", {}, where);
  file << text << "\n";
}

namespace {

// A file's function compiled for some input types, and its results' types.
struct CompiledFile {
  driver::Compiled program;
  std::vector<std::pair<DType, std::vector<int64_t>>> results;
};

std::vector<Tensor> runCompiled(const CompiledFile &compiled, const std::vector<Tensor> &inputs, const Where &where) {
  std::vector<ir::NodePtr> results;
  std::vector<const ir::Node *> shapes;
  for (const auto &[dtype, shape] : compiled.results) {
    auto node = std::make_shared<ir::Node>();
    node->op = ir::OpKind::Buffer;
    node->dtype = dtype;
    node->shape = shape;
    node->location = where;
    results.push_back(node);
    shapes.push_back(node.get());
  }
  std::vector<runtime::Buffer *> buffers;
  for (const Tensor &t : inputs) buffers.push_back(t.node()->buffer.get());
  std::vector<std::shared_ptr<runtime::Buffer>> outputs = driver::run(compiled.program, buffers, shapes, ir::Node::kHost);
  std::vector<Tensor> out;
  for (size_t i = 0; i < results.size(); ++i) {
    results[i]->buffer = outputs[i];
    out.push_back(Tensor(results[i]));
  }
  return out;
}

}  // namespace

std::vector<Tensor> run_mlir(const std::string &path, const std::vector<Tensor> &given, Where where) {
  std::vector<Tensor> inputs;  // it runs on the host
  for (const Tensor &t : given) inputs.push_back(trace::check(t, "run_mlir", where).to(kCPU, where));
  std::vector<ir::Node *> pending;
  for (const Tensor &t : inputs) pending.push_back(t.node().get());
  driver::realize(pending);

  // Compiled programs by file text and input types: a file run again does not recompile.
  std::string text;
  {
    std::ifstream file(path, std::ios::binary);
    if (file) text.assign(std::istreambuf_iterator<char>(file), {});
  }
  std::string key = text;
  for (const Tensor &t : inputs) {
    key += "\n" + std::string(toString(t.dtype()));
    for (int64_t d : t.sizes()) key += " " + std::to_string(d);
  }
  std::lock_guard<std::mutex> lock(driver::compileMutex());
  static auto *compiledFiles = new std::map<std::string, CompiledFile>();
  auto hit = compiledFiles->find(key);
  if (hit != compiledFiles->end()) {
    driver::noteHit();
    return runCompiled(hit->second, inputs, where);
  }
  mlir::MLIRContext &ctx = driver::jitContext();
  std::string diagnostics;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (!text.empty() || std::ifstream(path)) module = driver::parseModule(text, path, diagnostics);
  else diagnostics = "no such file";
  if (!module) trace::fail("run_mlir", "cannot read '" + path + "':\n" + diagnostics, {}, where);
  mlir::func::FuncOp func = driver::entryFunction(*module);
  if (!func) trace::fail("run_mlir", "'" + path + "' has no public function", {}, where);
  if (func.getNumArguments() != inputs.size())
    trace::fail("run_mlir", std::string("@").append(func.getName().str()).append(" takes ") +
                                std::to_string(func.getNumArguments()) + " inputs, got " +
                                std::to_string(inputs.size()),
                {}, where);
  // Specialize the arguments to the inputs' sizes; fusor-refine-shapes carries them through.
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto declared = llvm::dyn_cast<mlir::RankedTensorType>(func.getArgument(i).getType());
    if (!declared || declared.getElementType() != ir::toMlirType(ctx, inputs[i].dtype()) ||
        !driver::specializeArgument(func, i, inputs[i].sizes()))
      trace::fail("run_mlir", "input " + std::to_string(i) + " does not fit the declared argument type (" +
                                  [&] { std::string s; llvm::raw_string_ostream o(s); o << func.getArgument(i).getType(); return s; }() +
                                  ")", {&inputs[i]}, where);
  }
  driver::CompileOptions options;
  options.fromUser = true;
  driver::CompileResult result = driver::compile(*module, func.getName().str(), options);
  CompiledFile compiled;
  compiled.program = result.program;
  for (mlir::Type t : result.resultTypes) {
    auto tensor = llvm::dyn_cast<mlir::RankedTensorType>(t);
    std::optional<DType> dtype = tensor ? ir::fromMlirType(tensor.getElementType()) : std::nullopt;
    if (!tensor || !tensor.hasStaticShape() || !dtype)
      trace::fail("run_mlir", "a result's size is not known from the inputs", {}, where);
    compiled.results.push_back({*dtype, std::vector<int64_t>(tensor.getShape().begin(), tensor.getShape().end())});
  }
  if (compiledFiles->size() >= 64) compiledFiles->clear();  // a bound, not an LRU: rarely reached
  return runCompiled(compiledFiles->emplace(key, std::move(compiled)).first->second, inputs, where);
}

}  // namespace fusor
