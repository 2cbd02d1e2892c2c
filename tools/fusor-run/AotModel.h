// A library made by fusor-compile, loaded with dlopen and run through its runtime's C API.
#pragma once

#include <string>
#include <vector>

#include "fusor/Tensor.h"

namespace fusor::tools {

class AotModel {
 public:
  // Loads libNAME.so; throws fusor::Error if it is not a fusor model library or cannot start.
  explicit AotModel(const std::string &path);
  ~AotModel();
  AotModel(const AotModel &) = delete;
  AotModel &operator=(const AotModel &) = delete;

  std::vector<std::string> inputNames() const;
  // Checks the inputs' dtypes and shapes against the library's, then runs it.
  std::vector<Tensor> run(const std::vector<Tensor> &inputs) const;

 private:
  struct Api;
  void *handle_ = nullptr;
  const void *descriptor_ = nullptr;
  void *model_ = nullptr;
  Api *api_ = nullptr;
};

}  // namespace fusor::tools
