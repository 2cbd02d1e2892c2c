// .npy files: what fusor writes, it reads back exactly.
#include <filesystem>

#include "Reference.h"
#include "fusor/Npy.h"

namespace fusor::testing {
namespace {

TEST(Npy, RoundTripsEveryType) {
  std::string path = (std::filesystem::temp_directory_path() / "fusor-npy-test.npy").string();
  for (DType dtype : {kFloat32, kFloat64, kInt8, kInt32, kInt64, kBool}) {
    Tensor t = dtype == kBool ? randomTensor({3, 1, 5}) > 0 : (randomTensor({3, 1, 5}) * 20).to(dtype);
    save_npy(t, path);
    Tensor back = load_npy(path);
    EXPECT_EQ(back.dtype(), dtype);
    expectClose(back, toRef(t), 0, 0, std::string("round trip of ") + std::string(toString(dtype)));
  }
  save_npy(scalar_tensor(2.5, kFloat16), path);  // float16 is written as float32
  EXPECT_EQ(load_npy(path).item<float>(), 2.5f);
  std::filesystem::remove(path);
  EXPECT_THROW(load_npy(path), Error);
}

}  // namespace
}  // namespace fusor::testing
