// smem_access.cuh — global->shared tile loads (cp.async) and ldmatrix address helpers for the
// padded row-major shared tiles (row stride = cols + 8 elements: conflict-free ldmatrix).
#pragma once
#include "utils.cuh"

namespace da {

// Loads ROWS x D elements, rows row0.. of a [N, D] global matrix with row stride `rs`, into a
// shared tile with row stride SD. Rows >= n are zero-filled.
template <int ROWS, int D, int SD, int NT, typename T>
__device__ __forceinline__ void load_tile_async(T* s, const T* g, int64_t rs, int row0, int n) {
    constexpr int CPR = D / 8;  // 16-byte chunks per row
    constexpr int TOTAL = ROWS * CPR;
    static_assert(TOTAL % NT == 0, "tile load split");
#pragma unroll
    for (int it = 0; it < TOTAL / NT; ++it) {
        const int id = threadIdx.x + it * NT;
        const int r = id / CPR;
        const int ch = id - r * CPR;
        const int grow = row0 + r;
        const bool ok = grow < n;
        const T* src = ok ? g + static_cast<int64_t>(grow) * rs + ch * 8 : g;
        cp_async_16(smem_u32(s + r * SD + ch * 8), src, ok);
    }
}

// ldmatrix.x4 address of an A operand (16 rows x 16 cols at row0, col0) of a row-major tile;
// the same formula gives the B operand of P·V (.trans) from a row-major [key][col] V tile.
template <int STRIDE, typename T>
__device__ __forceinline__ uint32_t addr_a(const T* base, int row0, int col0, int lane) {
    const int mi = lane >> 3;
    return smem_u32(base + (row0 + (lane & 7) + (mi & 1) * 8) * STRIDE + col0 + (mi >> 1) * 8);
}
// ldmatrix.x4 address of two B operands (n0..n0+15 by k0..k0+15) from an [n][k] row-major tile:
// registers 0,1 = b0,b1 of n-block n0, registers 2,3 = b0,b1 of n-block n0+8.
template <int STRIDE, typename T>
__device__ __forceinline__ uint32_t addr_b(const T* base, int n0, int k0, int lane) {
    const int mi = lane >> 3;
    return smem_u32(base + (n0 + (lane & 7) + (mi >> 1) * 8) * STRIDE + k0 + (mi & 1) * 8);
}

}  // namespace da
