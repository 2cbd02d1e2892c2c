// fusor::save / fusor::load: a module's parameters and buffers through safetensors files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "GradCheck.h"

namespace fusor::testing {
namespace {

struct Net : nn::Module {
  explicit Net(int64_t hidden)
      : fc(register_module("fc", nn::Linear(5, hidden))), bn(register_module("bn", nn::BatchNorm2d(hidden))) {}
  nn::Linear fc;
  nn::BatchNorm2d bn;
};

// A fresh private directory, removed at the end.
struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fusor-serialize-XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

TEST(Serialize, RoundTripKeepsIdentityAndValues) {
  TempDir dir;
  std::string file = (dir.path / "net.safetensors").string();
  manual_seed(4);
  Net a(7), b(7);
  {
    NoGradGuard g;
    a.bn->running_mean.add_(randomDouble({7}).to(kFloat32));
  }
  save(a, file);
  Tensor weight = b.fc->weight;  // what an optimizer would hold
  optim::SGD opt(b.parameters(), optim::SGDOptions(0.1));
  load(b, file);
  EXPECT_EQ(weight.to_vector<float>(), a.fc->weight.to_vector<float>());
  EXPECT_EQ(b.bn->running_mean.to_vector<float>(), a.bn->running_mean.to_vector<float>());
  EXPECT_EQ(b.fc->bias.to_vector<float>(), a.fc->bias.to_vector<float>());
  EXPECT_TRUE(b.fc->weight.requires_grad() && b.fc->weight.is_leaf());
  // The header is JSON naming each tensor; the data starts 8-byte aligned.
  std::ifstream in(file, std::ios::binary);
  uint64_t length = 0;
  in.read(reinterpret_cast<char *>(&length), 8);
  std::string header(length, ' ');
  in.read(header.data(), static_cast<std::streamsize>(length));
  EXPECT_EQ(length % 8, 0u);
  EXPECT_NE(header.find("\"fc.weight\":{\"data_offsets\":[0,140],\"dtype\":\"F32\",\"shape\":[7,5]}"), std::string::npos)
      << header;
}

TEST(Serialize, MismatchesAreClearErrorsAndChangeNothing) {
  TempDir dir;
  std::string file = (dir.path / "net.safetensors").string();
  Net small(3), big(4);
  save(small, file);
  std::vector<float> before = big.fc->weight.to_vector<float>();
  std::string e = errorOf([&] { load(big, file); });
  EXPECT_NE(e.find("fc.weight has shape [3, 5] in the file, [4, 5] in the module"), std::string::npos) << e;
  EXPECT_EQ(big.fc->weight.to_vector<float>(), before);

  nn::Linear other(5, 3);
  e = errorOf([&] { load(*other.ptr(), file); });
  EXPECT_NE(e.find("has no tensor named weight"), std::string::npos) << e;

  nn::Linear lin(5, 3);
  save(*lin.ptr(), file);
  struct Double : nn::Module {
    Double() { w = register_parameter("weight", zeros({3, 5}, kFloat64)); register_parameter("bias", zeros({3})); }
    Tensor w;
  } wide;
  e = errorOf([&] { load(wide, file); });
  EXPECT_NE(e.find("weight has dtype F32 in the file, float64 in the module"), std::string::npos) << e;

  struct Fewer : nn::Module {
    Fewer() { register_parameter("weight", zeros({3, 5})); }
  } fewer;
  e = errorOf([&] { load(fewer, file); });
  EXPECT_NE(e.find("holds bias, which the module lacks"), std::string::npos) << e;

  std::ofstream(file, std::ios::binary) << "not a safetensors file at all";
  e = errorOf([&] { load(lin.operator*(), file); });
  EXPECT_NE(e.find("safetensors"), std::string::npos) << e;
  e = errorOf([&] { load(lin.operator*(), (dir.path / "missing").string()); });
  EXPECT_NE(e.find("cannot open"), std::string::npos) << e;
}

TEST(Serialize, FailedSaveKeepsTheOldFile) {
  TempDir dir;
  std::string file = (dir.path / "net.safetensors").string();
  nn::Linear lin(5, 3);
  save(*lin.ptr(), file);
  auto size = std::filesystem::file_size(file);
  // Nothing can be created beside a file in a missing directory; the error names the path.
  std::string e = errorOf([&] { save(*lin.ptr(), (dir.path / "no-such-dir" / "x.safetensors").string()); });
  EXPECT_NE(e.find("no-such-dir"), std::string::npos) << e;
  // A read-only directory (unless running as root, which may write anyway): no temp file left.
  chmod(dir.path.c_str(), 0500);
  bool denied = !std::ofstream((dir.path / "probe").string());
  if (denied) {
    e = errorOf([&] { save(*lin.ptr(), file); });
    EXPECT_NE(e.find("cannot create"), std::string::npos) << e;
  }
  chmod(dir.path.c_str(), 0700);
  EXPECT_EQ(std::filesystem::file_size(file), size);
  for (const auto &entry : std::filesystem::directory_iterator(dir.path))
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
}

}  // namespace
}  // namespace fusor::testing
