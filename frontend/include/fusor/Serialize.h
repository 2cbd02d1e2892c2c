// Saving and loading a module's parameters and buffers in the safetensors format (readable by
// PyTorch's safetensors package and Hugging Face tools).
#pragma once

#include <string>

#include "fusor/nn/Module.h"

namespace fusor {

// Writes every named parameter and buffer of `module` to `path`. The file is written beside
// its destination and renamed into place: a failure leaves an existing file as it was.
void save(const nn::Module &module, const std::string &path);

// Reads `path` into `module`'s parameters and buffers, which keep their identity (optimizers
// holding them see the loaded values). Every name must match with its shape and dtype, in both
// directions; otherwise a fusor::Error names the first mismatch and nothing is changed.
void load(nn::Module &module, const std::string &path);

}  // namespace fusor
