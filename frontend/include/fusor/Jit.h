// The compile cache, seen from the API.
#pragma once

#include <cstdint>

namespace fusor {

struct CacheStats {
  uint64_t hits = 0;      // realizations that found their program compiled
  uint64_t misses = 0;    // realizations that had to compile
  uint64_t compiles = 0;  // programs compiled
  double compile_ms = 0;  // total compile time
  uint64_t entries = 0;   // programs in the cache now
};

CacheStats cache_stats();
// Forgets compiled programs (statistics are kept).
void clear_cache();

}  // namespace fusor
