// tma.cuh — bulk tensor copies (TMA) into shared memory, completing on transaction mbarriers (barriers.cuh), and the
// swizzled shared-memory addressing that the copies and the wgmma descriptors share.
//
// A tile of ROWS rows x D columns (16-bit elements) is stored as D*2/kRowBytes boxes of ROWS rows of
// kRowBytes bytes (kRowBytes = min(2D, 128)); inside a box, the 16-byte chunk c of row r sits at chunk
// position c ^ (r's bits selected by the swizzle): the TMA SWIZZLE_128B / SWIZZLE_64B pattern, which
// is also wgmma's 128B / 64B swizzle. Tiles are aligned to 1024 bytes.
#pragma once
#include <stdint.h>

#include "swizzle.h"

namespace da {
namespace sm90 {

template <int D>
struct SwizzledTile {
    static constexpr int kRowBytes = box_row_bytes(D);            // bytes of one box row
    static constexpr int kBoxCols = kRowBytes / 2;                // elements of one box row
    static constexpr int kBoxes = D / kBoxCols;                   // boxes per tile (2 for d = 128)
    static constexpr int kSwizzle = kRowBytes;                    // 128B or 64B swizzle
    static constexpr int kAtomBytes = 8 * kRowBytes;              // 8-row swizzle atom
    static_assert(D == 32 || D == 64 || D == 128, "head dim");
};

__device__ __forceinline__ void prefetch_tensor_map(const void* tmap) {
    asm volatile("prefetch.tensormap [%0];\n" ::"l"(reinterpret_cast<uint64_t>(tmap)) : "memory");
}

// 4-D tiled copy: box at coordinates (c0 = column, c1 = row, c2 = head, c3 = batch) -> dst;
// out-of-range rows arrive as zeros; completion counts the box's bytes on `bar`.
__device__ __forceinline__ void tma_load_4d(uint32_t dst, const void* tmap, uint32_t bar, int c0, int c1, int c2,
                                            int c3) {
    asm volatile(
        "cp.async.bulk.tensor.4d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%3, %4, %5, %6}], "
        "[%2];\n" ::"r"(dst),
        "l"(reinterpret_cast<uint64_t>(tmap)), "r"(bar), "r"(c0), "r"(c1), "r"(c2), "r"(c3)
        : "memory");
}

// Loads a tile (all its boxes) of `rows` rows starting at row `row0` of head (h, b).
template <int D>
__device__ __forceinline__ void tma_load_tile(uint32_t dst, const void* tmap, uint32_t bar, int rows, int row0, int h,
                                              int b) {
    using Tile = SwizzledTile<D>;
#pragma unroll
    for (int x = 0; x < Tile::kBoxes; ++x)
        tma_load_4d(dst + x * rows * Tile::kRowBytes, tmap, bar, x * Tile::kBoxCols, row0, h, b);
}

}  // namespace sm90
}  // namespace da
