// tile_mma.cuh — a 16-row strip of A times B^T on tensor cores (mma.sync m16n8k16, fp32 accumulators)
// from padded row-major shared tiles: the Q-hat / Q~ projections (Q Mq^T, Q W^T) of both kernels.
#pragma once
#include "smem_access.cuh"
#include "utils.cuh"

namespace da {

// acc[n / 8] (m16n8 C fragments) = A[row0 .. row0+15][0 .. K) * B[0 .. NOUT)[0 .. K)^T; both tiles have
// row stride SD elements.
template <int K, int NOUT, int SD, bool kBF16, typename T>
__device__ __forceinline__ void mma_strip_bt(float (&acc)[NOUT / 8][4], const T* sA, const T* sB, int row0, int lane) {
    using E = Elem<kBF16>;
#pragma unroll
    for (int i = 0; i < NOUT / 8; ++i)
#pragma unroll
        for (int e = 0; e < 4; ++e) acc[i][e] = 0.f;
#pragma unroll
    for (int ks = 0; ks < K / 16; ++ks) {
        uint32_t aq[4];
        ldsm_x4(aq[0], aq[1], aq[2], aq[3], addr_a<SD>(sA, row0, ks * 16, lane));
#pragma unroll
        for (int np = 0; np < NOUT / 16; ++np) {
            uint32_t b0, b1, b2, b3;
            ldsm_x4(b0, b1, b2, b3, addr_b<SD>(sB, np * 16, ks * 16, lane));
            E::mma(acc[2 * np], aq, b0, b1);
            E::mma(acc[2 * np + 1], aq, b2, b3);
        }
    }
}

}  // namespace da
