// The CPU GEMM's blocking, in one place per instruction set (as BLIS keeps its block sizes in
// a configuration): the register tile, the cache blocks, and the thresholds that choose how A
// and B are read. The measurement behind each number is in docs/kernels.md ("GEMM block
// sizes"); change one only with a new measurement there.
#pragma once

#include <cstdint>

namespace fusor::runtime::gemm {

// The register tile: 6 rows of C by 16 columns (one AVX-512 vector, two AVX2 ones).
inline constexpr int64_t kTileRows = 6, kTileCols = 16;
// K in slices of kDepth; C in blocks of kBlockRows x kBlockCols (B's packed block ~ L2-sized).
inline constexpr int64_t kDepth = 768, kBlockRows = 96, kBlockCols = 256;
// Rows of an in-place A per block: up to this many floats of A (512 KiB).
inline constexpr int64_t kL2Floats = 128 * 1024;
// A row-major B is read in place, not packed, up to this many rows of C, or of columns of B.
inline constexpr int64_t kInPlaceBRows = 48;
inline constexpr int64_t kInPlaceBColumns = 64;
// Up to this depth of K, C is walked row tile by row tile across each block of columns.
inline constexpr int64_t kRowsOuterDepth = 256;
// Up to this depth of K, an A in registered (constant) weights is packed once and kept.
inline constexpr int64_t kPrepackedADepth = 320;

// Per instruction set: how many 16-column panels of B one tile spans, whether a registered A
// is packed into the tile's row panels, and how many rows a dot-product column takes at once.
struct Avx2Blocking {
  static constexpr int64_t kPanels = 1;
  static constexpr bool kPrepacksA = false;  // (its dot columns read A in place)
  static constexpr int kDotRows = 4;
};
struct Avx512Blocking {
  static constexpr int64_t kPanels = 3;
  static constexpr bool kPrepacksA = true;
  static constexpr int kDotRows = 8;
};

}  // namespace fusor::runtime::gemm
