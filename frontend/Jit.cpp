#include "fusor/Jit.h"

#include "fusor/jit/Realize.h"

namespace fusor {

CacheStats cache_stats() {
  jit::CacheStats s = jit::cacheStats();
  return {s.hits, s.misses, s.compiles, s.compileMs, s.entries};
}

void clear_cache() { jit::clearCache(); }

}  // namespace fusor
