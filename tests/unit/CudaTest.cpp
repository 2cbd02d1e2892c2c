// CUDA without a GPU: availability is reported consistently, asking for CUDA is a clear
// error, and NVRTC compiles kernels (it needs no GPU) through the disk cache.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "fusor/codegen/CudaRenderer.h"
#include "fusor/codegen/LaunchPlanBuilder.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "fusor/fusor.h"
#include "fusor/ir/FusorDialect.h"
#include "fusor/passes/Pipelines.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "fusor/runtime/cuda/Api.h"
#include "fusor/runtime/cuda/Nvrtc.h"

namespace {

using namespace fusor;
namespace rc = fusor::runtime::cuda;

const char *kKernel = R"cuda(
extern "C" __global__ void scale(const float *__restrict__ x, float *__restrict__ y, long n) {
  long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
  if (i < n) y[i] = 2.0f * x[i];
}
)cuda";

mlir::DialectRegistry cudaRegistry() {
  mlir::DialectRegistry registry;
  registry.insert<mlir::fusor::FusorDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  return registry;
}

// The lit test cuda/kernels.mlir through --fusor-cuda-pipeline, or null if that fails.
mlir::OwningOpRef<mlir::ModuleOp> gpuMappedKernels(mlir::MLIRContext &context) {
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(FUSOR_CUDA_KERNELS_FILE, &context);
  if (!module) return nullptr;
  mlir::PassManager pm(&context, mlir::ModuleOp::getOperationName());
  mlir::fusor::buildCudaPipeline(pm);
  if (mlir::failed(pm.run(*module))) return nullptr;
  return module;
}

TEST(CudaDriver, AvailabilityIsReportedConsistently) {
  Tensor x = from_vector<float>({1, 2}, {2});
  EXPECT_FALSE(x.is_cuda());
  EXPECT_EQ(x.to(Device(kCPU)).node(), x.node());
  if (!cuda::is_available()) {
    EXPECT_EQ(cuda::device_count(), 0);
    EXPECT_FALSE(cuda::unavailable_reason().empty());
    try {
      x.to(Device(kCUDA));
      ADD_FAILURE() << "no error";
    } catch (const Error &e) {
      EXPECT_NE(std::string(e.what()).find("CUDA was asked for but is not available"), std::string::npos)
          << e.what();
    }
  } else {
    EXPECT_GT(cuda::device_count(), 0);
    EXPECT_THROW(x.to(Device(kCUDA, cuda::device_count())), Error);  // no such device
  }
}

TEST(CudaDevices, FactoriesAndDefaultDeviceNeedCuda) {
  if (cuda::is_available()) GTEST_SKIP() << "a GPU is present: suite_on_gpu covers this";
  EXPECT_THROW(zeros({2, 3}, kCUDA), Error);
  EXPECT_THROW(rand({4}, TensorOptions(kFloat64).device(Device(kCUDA, 0))), Error);
  EXPECT_THROW(arange(5, Device(kCUDA)), Error);
  EXPECT_THROW(set_default_device(kCUDA), Error);
  EXPECT_EQ(get_default_device(), Device(kCPU));
  EXPECT_FALSE(zeros({2}).is_cuda());
  EXPECT_EQ(zeros({2}, kFloat64).dtype(), kFloat64);  // a dtype still converts to options
}

// Operands on different devices are an error when the op is recorded (no GPU needed: a node
// placed on cuda:0 that is never computed stands in for a CUDA tensor).
TEST(CudaDevices, MixingDevicesIsAnErrorNamingBoth) {
  auto node = std::make_shared<ir::Node>();
  node->op = ir::OpKind::Buffer;
  node->dtype = kFloat32;
  node->shape = {2};
  node->device = 0;
  Tensor onGpu(node), onCpu = from_vector<float>({1, 2}, {2});
  EXPECT_TRUE(onGpu.is_cuda());
  EXPECT_EQ(onGpu.device().str(), "cuda:0");
  EXPECT_TRUE((onGpu * 2.0).is_cuda());  // numbers fit any device
  try {
    Tensor sum = onCpu + onGpu;
    ADD_FAILURE() << "no error";
  } catch (const Error &e) {
    std::string what = e.what();
    EXPECT_NE(what.find("expected all tensors on the same device"), std::string::npos) << what;
    EXPECT_NE(what.find("on cuda:0"), std::string::npos) << what;
  }
}

// Launch plans of the lit test's kernels: built from the host functions, serialized and
// parsed back unchanged; malformed bytes are a fusor::Error, never a crash.
TEST(CudaLaunchPlan, RoundTripsAndRejectsMalformedBytes) {
  mlir::MLIRContext context(cudaRegistry());
  mlir::OwningOpRef<mlir::ModuleOp> module = gpuMappedKernels(context);
  ASSERT_TRUE(module);
  int plans = 0;
  for (auto func : module->getOps<mlir::func::FuncOp>()) {
    if (func.isExternal()) continue;
    mlir::FailureOr<rc::LaunchPlan> plan = fusor::codegen::buildLaunchPlan(*module, func.getName());
    ASSERT_TRUE(mlir::succeeded(plan)) << func.getName().str();
    ++plans;
    std::string bytes = plan->serialize();
    EXPECT_EQ(rc::LaunchPlan::parse(bytes).describe(), plan->describe());
    for (size_t cut = 0; cut < bytes.size(); cut += 7)
      EXPECT_THROW(rc::LaunchPlan::parse(bytes.substr(0, cut)), Error);
    std::mt19937 random(plans);
    for (int trial = 0; trial < 200; ++trial) {
      std::string mutated = bytes;
      mutated[random() % mutated.size()] = static_cast<char>(random());
      try {
        rc::LaunchPlan::parse(mutated);  // may still be well formed
      } catch (const Error &) {
      }
    }
  }
  EXPECT_GE(plans, 7);
}

class CudaNvrtc : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!rc::nvrtc(&why)) GTEST_SKIP() << "NVRTC is not installed: " << why;
    dir_ = std::filesystem::temp_directory_path() / ("fusor-nvrtc-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    setenv("FUSOR_CACHE_DIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("FUSOR_CACHE_DIR");
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
};

TEST_F(CudaNvrtc, CompilesToCubinAndPtx) {
  rc::CudaBinary cubin = rc::compileCuda(kKernel, 90);
  ASSERT_GT(cubin.image.size(), 4u);
  EXPECT_EQ(cubin.image.substr(0, 4), "\x7f" "ELF");
  rc::CudaBinary ptx = rc::compileCuda(kKernel, 90, /*ptx=*/true);
  EXPECT_NE(ptx.image.find(".entry scale"), std::string::npos);
  EXPECT_FALSE(rc::nvrtcVersion().empty());
}

TEST_F(CudaNvrtc, DiskCacheHitsAndRebuildsCorruptEntries) {
  std::string source = std::string(kKernel) + "// disk cache test\n";
  rc::NvrtcStats before = rc::nvrtcStats();
  std::string first = rc::compileCuda(source, 80).image;
  EXPECT_EQ(rc::nvrtcStats().compiles, before.compiles + 1);
  EXPECT_EQ(rc::compileCuda(source, 80).image, first);  // read back from disk
  EXPECT_EQ(rc::nvrtcStats().diskHits, before.diskHits + 1);
  EXPECT_EQ(rc::nvrtcStats().compiles, before.compiles + 1);
  // Truncate every entry: each is detected and rebuilt, not returned.
  for (const auto &entry : std::filesystem::directory_iterator(dir_ / "nvrtc"))
    std::filesystem::resize_file(entry.path(), std::filesystem::file_size(entry.path()) / 2);
  EXPECT_EQ(rc::compileCuda(source, 80).image, first);
  EXPECT_EQ(rc::nvrtcStats().compiles, before.compiles + 2);
  // A flipped byte in the payload is caught by the checksum.
  for (const auto &entry : std::filesystem::directory_iterator(dir_ / "nvrtc")) {
    std::fstream f(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(entry.path()) - 20));
    f.put('\x5a');
  }
  EXPECT_EQ(rc::compileCuda(source, 80).image, first);
  EXPECT_EQ(rc::nvrtcStats().compiles, before.compiles + 3);
}

TEST_F(CudaNvrtc, BadSourceIsAClearError) {
  try {
    rc::compileCuda("__global__ void broken() { undeclared(); }", 90);
    ADD_FAILURE() << "no error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("undeclared"), std::string::npos) << e.what();
  }
}

// The kernels of the lit test cuda/kernels.mlir, through the CUDA pipeline, rendered and
// compiled with NVRTC for sm_90 (H100) and sm_80.
TEST_F(CudaNvrtc, RenderedKernelsCompile) {
  mlir::MLIRContext context(cudaRegistry());
  mlir::OwningOpRef<mlir::ModuleOp> module = gpuMappedKernels(context);
  ASSERT_TRUE(module);
  mlir::FailureOr<std::string> source = fusor::codegen::renderCuda(*module);
  ASSERT_TRUE(mlir::succeeded(source));
  for (int arch : {90, 80}) {
    rc::CudaBinary binary = rc::compileCuda(*source, arch);
    EXPECT_EQ(binary.image.substr(0, 4), "\x7f" "ELF") << "sm_" << arch;
  }
}

}  // namespace
