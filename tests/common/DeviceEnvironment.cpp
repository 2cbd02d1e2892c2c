// Linked into the suites that run on CUDA too (e2e, autograd).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "fusor/fusor.h"

namespace fusor::testing {
namespace {

// FUSOR_TEST_DEVICE=cuda runs the whole suite with CUDA as the default device (inputs are made
// there, results copied back to compare). Without a usable GPU the run reports itself skipped
// (exit 77), never passed.
class DeviceEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char *device = std::getenv("FUSOR_TEST_DEVICE");
    if (!device || std::string(device) == "cpu") return;
    if (std::string(device) != "cuda") {
      std::fprintf(stderr, "FUSOR_TEST_DEVICE must be cpu or cuda, not '%s'\n", device);
      std::exit(2);
    }
    if (!cuda::is_available()) {
      std::fprintf(stderr, "SKIPPED: no CUDA device: %s\n", cuda::unavailable_reason().c_str());
      std::exit(77);
    }
    set_default_device(Device(kCUDA, 0));
  }
};

[[maybe_unused]] ::testing::Environment *const deviceEnvironment =
    ::testing::AddGlobalTestEnvironment(new DeviceEnvironment);

}  // namespace
}  // namespace fusor::testing
