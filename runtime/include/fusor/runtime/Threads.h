// Threads used by compiled kernels (LLVM's OpenMP runtime).
#pragma once

namespace fusor {

// As torch.set_num_threads / get_num_threads: threads for parallel kernels (default: cores).
void set_num_threads(int threads);
int get_num_threads();

}  // namespace fusor
