#include "fusor/runtime/Threads.h"

#include <stdexcept>

extern "C" {
// From libomp (LLVM's OpenMP runtime), which compiled parallel loops call.
void omp_set_num_threads(int);
int omp_get_max_threads(void);
}

namespace fusor {

void set_num_threads(int threads) {
  if (threads < 1) throw std::invalid_argument("fusor::set_num_threads: need at least 1 thread");
  omp_set_num_threads(threads);
}

int get_num_threads() { return omp_get_max_threads(); }

}  // namespace fusor
