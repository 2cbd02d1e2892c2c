#include "fusor/codegen/AotLibrary.h"

#include <filesystem>
#include <fstream>

#include <dlfcn.h>
#include <unistd.h>

#include <cstddef>

#include "fusor/Error.h"
#include "fusor/aot/Runtime.h"
#include "fusor/codegen/LlvmModules.h"
#include "fusor/ir/DType.h"
#include "lld/Common/Driver.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"

LLD_HAS_DRIVER(elf)

extern "C" int omp_get_num_procs(void);  // libomp's; its address names the library

namespace fusor::codegen {
namespace {

namespace fs = std::filesystem;

std::string dtypeName(int32_t code) { return std::string(toString(static_cast<DType>(code))); }

std::unique_ptr<llvm::TargetMachine> hostMachine() {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto builder = llvm::cantFail(llvm::orc::JITTargetMachineBuilder::detectHost());
  builder.setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  builder.setRelocationModel(llvm::Reloc::PIC_);
  builder.setCodeModel(llvm::CodeModel::Small);
  return llvm::cantFail(builder.createTargetMachine());
}

// Builds the descriptor and the NAME_* functions into an LLVM module.
class DescriptorBuilder {
 public:
  DescriptorBuilder(llvm::Module &module, const AotModel &model)
      : m_(module), ctx_(module.getContext()), model_(model) {
    ptr_ = llvm::PointerType::getUnqual(ctx_);
    i32_ = llvm::Type::getInt32Ty(ctx_);
    i64_ = llvm::Type::getInt64Ty(ctx_);
  }

  llvm::GlobalVariable *build(llvm::Function *entry) {
    llvm::Constant *null = llvm::ConstantPointerNull::get(ptr_);
    std::string blob;
    std::vector<int64_t> bytes, offsets;
    for (const std::string &w : model_.weights) {
      blob.resize((blob.size() + 63) / 64 * 64);  // each weight 64-byte aligned
      offsets.push_back(static_cast<int64_t>(blob.size()));
      bytes.push_back(static_cast<int64_t>(w.size()));
      blob += w;
    }
    llvm::Constant *weights = model_.weightsInFile || model_.weights.empty() ? null : data("weights", blob, 64);
    weightsBlob_ = std::move(blob);
    // fusor_tensor_info and fusor_model_descriptor (fusor/aot/Runtime.h), each field placed by
    // its offset in the C struct; layoutOf checks that LLVM lays them out alike.
    Fields info;
    info.add(offsetof(fusor_tensor_info, name), ptr_);
    info.add(offsetof(fusor_tensor_info, dtype), i32_);
    info.add(offsetof(fusor_tensor_info, rank), i32_);
    info.add(offsetof(fusor_tensor_info, shape), ptr_);
    auto *infoType = layoutOf(info, sizeof(fusor_tensor_info), "fusor_tensor_info");
    Fields d;
    using D = fusor_model_descriptor;
    d.add(offsetof(D, abi_version), i32_, llvm::ConstantInt::get(i32_, FUSOR_AOT_ABI_VERSION));
    d.add(offsetof(D, target), i32_, llvm::ConstantInt::get(i32_, model_.cuda ? FUSOR_TARGET_CUDA : FUSOR_TARGET_CPU));
    d.add(offsetof(D, name), ptr_, string(model_.name));
    d.add(offsetof(D, num_inputs), i32_, llvm::ConstantInt::get(i32_, model_.inputs.size()));
    d.add(offsetof(D, num_outputs), i32_, llvm::ConstantInt::get(i32_, model_.outputs.size()));
    d.add(offsetof(D, num_weights), i32_, llvm::ConstantInt::get(i32_, model_.weights.size()));
    d.add(offsetof(D, inputs), ptr_, infos(infoType, model_.inputs, "inputs"));
    d.add(offsetof(D, outputs), ptr_, infos(infoType, model_.outputs, "outputs"));
    d.add(offsetof(D, weight_bytes), ptr_, int64s(bytes, "weight_bytes"));
    d.add(offsetof(D, weight_offsets), ptr_, int64s(offsets, "weight_offsets"));
    d.add(offsetof(D, weights), ptr_, weights);
    d.add(offsetof(D, weights_file), ptr_, model_.weightsInFile ? string(model_.name + ".weights") : null);
    d.add(offsetof(D, weights_total), i64_, llvm::ConstantInt::get(i64_, weightsBlob_.size()));
    d.add(offsetof(D, entry), ptr_, entry ? static_cast<llvm::Constant *>(entry) : null);
    d.add(offsetof(D, cubin), ptr_, model_.cuda ? data("cubin", model_.cubin, 16) : null);
    d.add(offsetof(D, cubin_size), i64_, llvm::ConstantInt::get(i64_, model_.cubin.size()));
    d.add(offsetof(D, ptx), ptr_, model_.cuda ? data("ptx", model_.ptx, 16) : null);
    d.add(offsetof(D, ptx_size), i64_, llvm::ConstantInt::get(i64_, model_.ptx.size()));
    d.add(offsetof(D, cuda_arch), i32_, llvm::ConstantInt::get(i32_, model_.cudaArch));
    d.add(offsetof(D, plan), ptr_, model_.cuda ? data("plan", model_.plan, 16) : null);
    d.add(offsetof(D, plan_size), i64_, llvm::ConstantInt::get(i64_, model_.plan.size()));
    auto *type = layoutOf(d, sizeof(D), "fusor_model_descriptor");
    auto *descriptor = new llvm::GlobalVariable(m_, type, true, llvm::GlobalValue::InternalLinkage,
                                                llvm::ConstantStruct::get(type, d.values), model_.name + "_model");
    forwarders(descriptor);
    return descriptor;
  }

  // The weights as one blob, laid out as the descriptor's offsets say.
  const std::string &weightsBlob() const { return weightsBlob_; }

 private:
  llvm::Module &m_;
  llvm::LLVMContext &ctx_;
  const AotModel &model_;
  llvm::PointerType *ptr_;
  llvm::IntegerType *i32_, *i64_;
  std::string weightsBlob_;
  int counter_ = 0;

  // A C struct's fields in order, with their offsets (and, for a constant, their values).
  struct Fields {
    std::vector<size_t> offsets;
    std::vector<llvm::Type *> types;
    std::vector<llvm::Constant *> values;
    void add(size_t offset, llvm::Type *type, llvm::Constant *value = nullptr) {
      offsets.push_back(offset);
      types.push_back(type);
      values.push_back(value);
    }
  };

  // The LLVM struct of `fields`; an internal error unless it has the C struct's layout.
  llvm::StructType *layoutOf(const Fields &fields, size_t size, const char *what) {
    auto *type = llvm::StructType::get(ctx_, fields.types);
    const llvm::StructLayout *layout = m_.getDataLayout().getStructLayout(type);
    bool same = layout->getSizeInBytes() == size;
    for (size_t i = 0; i < fields.offsets.size(); ++i) same &= layout->getElementOffset(i) == fields.offsets[i];
    if (!same) throwInternalError(std::string("the AOT descriptor's ") + what + " does not match fusor/aot/Runtime.h");
    return type;
  }

  llvm::Constant *data(const std::string &what, const std::string &bytes, unsigned align) {
    auto *init = llvm::ConstantDataArray::getRaw(bytes, bytes.size(), llvm::Type::getInt8Ty(ctx_));
    auto *g = new llvm::GlobalVariable(m_, init->getType(), true, llvm::GlobalValue::InternalLinkage, init,
                                       model_.name + "_" + what);
    g->setAlignment(llvm::Align(align));
    return g;
  }
  llvm::Constant *string(const std::string &s) {
    auto *init = llvm::ConstantDataArray::getString(ctx_, s);
    return new llvm::GlobalVariable(m_, init->getType(), true, llvm::GlobalValue::PrivateLinkage, init,
                                    ".str" + std::to_string(counter_++));
  }
  llvm::Constant *int64s(const std::vector<int64_t> &v, const std::string &what) {
    auto *init = llvm::ConstantDataArray::get(ctx_, llvm::ArrayRef<int64_t>(v));
    return new llvm::GlobalVariable(m_, init->getType(), true, llvm::GlobalValue::InternalLinkage, init,
                                    model_.name + "_" + what + std::to_string(counter_++));
  }
  llvm::Constant *infos(llvm::StructType *infoType, const std::vector<AotTensor> &tensors, const std::string &what) {
    std::vector<llvm::Constant *> entries;
    for (const AotTensor &t : tensors)
      entries.push_back(llvm::ConstantStruct::get(
          infoType, {string(t.name), llvm::ConstantInt::get(i32_, t.dtype),
                     llvm::ConstantInt::get(i32_, t.shape.size()), int64s(t.shape, what + "_shape")}));
    auto *arrayType = llvm::ArrayType::get(infoType, entries.size());
    return new llvm::GlobalVariable(m_, arrayType, true, llvm::GlobalValue::InternalLinkage,
                                    llvm::ConstantArray::get(arrayType, entries), model_.name + "_" + what);
  }

  // NAME_<suffix>(params...) { return runtime(&descriptor?, params...); }
  void forward(const std::string &suffix, const std::string &runtime, llvm::Type *result,
               std::vector<llvm::Type *> params, llvm::GlobalVariable *descriptor) {
    std::vector<llvm::Type *> runtimeParams = params;
    if (descriptor) runtimeParams.insert(runtimeParams.begin(), ptr_);
    llvm::FunctionCallee callee = m_.getOrInsertFunction(runtime, llvm::FunctionType::get(result, runtimeParams, false));
    auto *f = llvm::Function::Create(llvm::FunctionType::get(result, params, false),
                                     llvm::Function::ExternalLinkage, model_.name + "_" + suffix, m_);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx_, "entry", f));
    std::vector<llvm::Value *> args;
    if (descriptor) args.push_back(descriptor);
    for (llvm::Argument &a : f->args()) args.push_back(&a);
    llvm::Value *r = b.CreateCall(callee, args);
    if (result->isVoidTy()) b.CreateRetVoid();
    else b.CreateRet(r);
  }

  void forwarders(llvm::GlobalVariable *d) {
    llvm::Type *voidTy = llvm::Type::getVoidTy(ctx_);
    forward("create", "fusor_aot_create", ptr_, {}, d);
    forward("run", "fusor_aot_run", i32_, {ptr_, ptr_, ptr_}, nullptr);
    forward("destroy", "fusor_aot_destroy", voidTy, {ptr_}, nullptr);
    forward("last_error", "fusor_aot_last_error", ptr_, {}, nullptr);
    forward("num_inputs", "fusor_aot_num_inputs", i32_, {}, d);
    forward("num_outputs", "fusor_aot_num_outputs", i32_, {}, d);
    for (const char *kind : {"input", "output"}) {
      std::string k = kind;
      forward(k + "_name", "fusor_aot_" + k + "_name", ptr_, {i32_}, d);
      forward(k + "_dtype", "fusor_aot_" + k + "_dtype", i32_, {i32_}, d);
      forward(k + "_rank", "fusor_aot_" + k + "_rank", i32_, {i32_}, d);
      forward(k + "_shape", "fusor_aot_" + k + "_shape", ptr_, {i32_}, d);
    }
    // A name every model library has, for loaders that do not know NAME (fusor-run); weak, so
    // that several model libraries can be linked into one program.
    auto *f = llvm::Function::Create(llvm::FunctionType::get(ptr_, {}, false), llvm::Function::WeakAnyLinkage,
                                     "fusor_model_descriptor", m_);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx_, "entry", f));
    b.CreateRet(d);
  }
};

// The OpenMP runtime this process runs with (fusor-compile links the same libomp as
// libfusor_runtime.so), by path: a machine with only libomp.so.5, and no libomp.so for -lomp,
// can still link libraries.
std::string openmpRuntime() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void *>(&omp_get_num_procs), &info) && info.dli_fname && fs::exists(info.dli_fname))
    return info.dli_fname;
  return "-lomp";
}

void writeFile(const fs::path &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw Error("fusor-compile: cannot write " + path.string());
}

}  // namespace

std::string aotHeader(const AotModel &model) {
  const std::string &n = model.name;
  std::string guard = n;
  for (char &c : guard) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string h = "/* " + n + ".h: the C API of lib" + n + ".so, made by fusor-compile (" +
                  (model.cuda ? "CUDA" : "CPU") + ").\n * Link with -L<dir> -l" + n +
                  "; it needs libfusor_runtime.so, found beside it. */\n";
  h += "#ifndef " + guard + "_H\n#define " + guard + "_H\n\n#include <stdint.h>\n\n";
  h += "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  h += "/* Inputs and outputs: contiguous row-major host buffers of these dtypes and shapes. */\n";
  auto describe = [&](const char *kind, const std::vector<AotTensor> &ts) {
    for (size_t i = 0; i < ts.size(); ++i) {
      h += "/*   " + std::string(kind) + " " + std::to_string(i) + " \"" + ts[i].name + "\": " +
           dtypeName(ts[i].dtype) + " [";
      for (size_t d = 0; d < ts[i].shape.size(); ++d) h += (d ? ", " : "") + std::to_string(ts[i].shape[d]);
      h += "] */\n";
    }
  };
  describe("input", model.inputs);
  describe("output", model.outputs);
  h += "enum { " + guard + "_NUM_INPUTS = " + std::to_string(model.inputs.size()) + ", " + guard +
       "_NUM_OUTPUTS = " + std::to_string(model.outputs.size()) + " };\n\n";
  h += "typedef struct fusor_model " + n + "_model;\n\n";
  h += "/* Creates the model (" + std::string(model.weightsInFile ? "reading " + n + ".weights beside the library" : "weights embedded") +
       "); NULL on failure, with " + n + "_last_error() saying why. */\n";
  h += n + "_model *" + n + "_create(void);\n";
  h += "/* Runs it: inputs[i] and outputs[i] point to the buffers above. 0 on success, -1 on failure. */\n";
  h += "int " + n + "_run(" + n + "_model *model, const void *const *inputs, void *const *outputs);\n";
  h += "void " + n + "_destroy(" + n + "_model *model);\n";
  h += "/* The last error on this thread, \"\" if none. */\nconst char *" + n + "_last_error(void);\n\n";
  h += "/* The signature at run time. dtype:";
  for (int32_t code = FUSOR_BOOL; code <= FUSOR_FLOAT64; ++code)
    h += (code == 4 ? "\n  " : "") + std::string(" ") + std::to_string(code) + " " + dtypeName(code) + (code < FUSOR_FLOAT64 ? "," : ".");
  h += " An index out of range gives NULL or -1. */\n";
  h += "int " + n + "_num_inputs(void);\nint " + n + "_num_outputs(void);\n";
  for (const char *k : {"input", "output"}) {
    std::string kind = k;
    h += "const char *" + n + "_" + kind + "_name(int index);\n";
    h += "int " + n + "_" + kind + "_dtype(int index);\n";
    h += "int " + n + "_" + kind + "_rank(int index);\n";
    h += "const int64_t *" + n + "_" + kind + "_shape(int index);\n";
  }
  h += "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return h;
}

void writeAotLibrary(const AotModel &model, const std::string &outDir, const std::string &runtimeLibrary) {
  auto machine = hostMachine();
  llvm::LLVMContext ctx;
  std::unique_ptr<llvm::Module> module;
  llvm::Function *entry = nullptr;
  if (!model.cuda) {
    mlir::MLIRContext *mctx = model.cpuModule->getContext();
    mlir::registerBuiltinDialectTranslation(*mctx);
    mlir::registerLLVMDialectTranslation(*mctx);
    mlir::registerOpenMPDialectTranslation(*mctx);
    module = mlir::translateModuleToLLVMIR(model.cpuModule, ctx, model.name);
    if (!module) throw Error("fusor-compile: translation to LLVM IR failed");
    llvm::Function *target = module->getFunction(model.cpuFunction);
    if (!target) throw Error("fusor-compile: no function '" + model.cpuFunction + "'");
    for (llvm::Function &f : *module)
      if (!f.isDeclaration() && &f != target) f.setLinkage(llvm::GlobalValue::InternalLinkage);
    target->setLinkage(llvm::GlobalValue::InternalLinkage);
    std::string cpu = machine->getTargetCPU().str(), features = machine->getTargetFeatureString().str();
    for (llvm::Function &f : *module) {
      if (f.isDeclaration()) continue;
      f.addFnAttr("target-cpu", cpu);
      f.addFnAttr("target-features", features);
    }
    entry = addPackedEntry(*module, *target, model.name + "_entry", llvm::GlobalValue::InternalLinkage);
  } else {
    module = std::make_unique<llvm::Module>(model.name, ctx);
  }
  module->setDataLayout(machine->createDataLayout());
  module->setTargetTriple(machine->getTargetTriple());
  DescriptorBuilder descriptor(*module, model);
  descriptor.build(entry);
  optimizeModule(*module, *machine);

  fs::path dir(outDir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("fusor-compile: cannot create " + outDir + ": " + ec.message());
  // The object file goes to a private temporary directory: nothing of the user's is touched.
  fs::path scratch = fs::temp_directory_path() / ("fusor-compile-" + std::to_string(::getpid()));
  fs::create_directories(scratch, ec);
  if (ec) throw Error("fusor-compile: cannot create " + scratch.string() + ": " + ec.message());
  struct RemoveAtExit {
    fs::path path;
    ~RemoveAtExit() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } removeScratch{scratch};
  fs::path object = scratch / (model.name + ".o");
  {
    std::error_code fileError;
    llvm::raw_fd_ostream out(object.string(), fileError);
    if (fileError) throw Error("fusor-compile: cannot write " + object.string() + ": " + fileError.message());
    llvm::legacy::PassManager pm;
    if (machine->addPassesToEmitFile(pm, out, nullptr, llvm::CodeGenFileType::ObjectFile))
      throw Error("fusor-compile: the target cannot emit object files");
    pm.run(*module);
  }
  if (model.weightsInFile && !model.weights.empty())
    writeFile(dir / (model.name + ".weights"), descriptor.weightsBlob());
  writeFile(dir / (model.name + ".h"), aotHeader(model));

  // Link in-process with lld: libNAME.so needs libfusor_runtime.so (copied beside it).
  fs::path runtime = dir / fs::path(runtimeLibrary).filename();
  if (fs::absolute(runtime) != fs::absolute(runtimeLibrary)) {
    fs::copy_file(runtimeLibrary, runtime, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error("fusor-compile: cannot copy " + runtimeLibrary + ": " + ec.message());
  }
  fs::path library = dir / ("lib" + model.name + ".so");
  std::vector<std::string> args = {"ld.lld", "-shared", "--no-undefined-version", "-o", library.string(),
                                   "-soname", "lib" + model.name + ".so", "-rpath", "$ORIGIN",
                                   object.string(), runtime.string(), "--as-needed", openmpRuntime(), "-lm", "-lc",
                                   "-L/usr/lib/x86_64-linux-gnu", "-L/lib/x86_64-linux-gnu"};
  std::vector<const char *> argv;
  for (const std::string &a : args) argv.push_back(a.c_str());
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  lld::Result result = lld::lldMain(argv, os, os, {{lld::Gnu, &lld::elf::link}});
  if (result.retCode != 0) throw Error("fusor-compile: linking " + library.string() + " failed:\n" + diagnostics);
}

}  // namespace fusor::codegen
