// producer.cuh — the producer of the sm_90a kernel: one thread issues the TMA copies of the K and V
// tiles into kStages shared-memory stages. K and V have their own full/empty barriers, so S(j) can
// start before V(j) has landed and K's stage is refilled as soon as S(j) is done.
//   full barriers: 1 arrival (arrive.expect_tx) + the tile's bytes;
//   empty barriers: 256 arrivals (every consumer thread, after its wgmma on the stage completed).
#pragma once
#include "tma.cuh"
#include "traits.cuh"

namespace da {
namespace sm90 {

template <typename Tr>
__device__ __forceinline__ void produce_tile(uint32_t smem, const void* tmap_k, const void* tmap_v, int j, int h, int b,
                                             bool wait_empty) {
    constexpr int S = Tr::kStages;
    const int s = j % S;
    const uint32_t bars = smem + Tr::kOffBars;
    const uint32_t phase = ((j / S) & 1) ^ 1;  // parity of the previous use of stage s
    if (wait_empty) mbar_wait(bars + Tr::bar_empty_k(s), phase);
    mbar_arrive_expect_tx(bars + Tr::bar_full_k(s), Tr::kKBytes);
    tma_load_tile<Tr::kHeadDim>(smem + Tr::kOffK + s * Tr::kKBytes, tmap_k, bars + Tr::bar_full_k(s), Tr::kBlockN,
                                j * Tr::kBlockN, h, b);
    if (wait_empty) mbar_wait(bars + Tr::bar_empty_v(s), phase);
    mbar_arrive_expect_tx(bars + Tr::bar_full_v(s), Tr::kVBytes);
    tma_load_tile<Tr::kHeadDim>(smem + Tr::kOffV + s * Tr::kVBytes, tmap_v, bars + Tr::bar_full_v(s), Tr::kBlockN,
                                j * Tr::kBlockN, h, b);
}

// Tiles kStages .. n_tiles-1 (the prologue issued the first kStages).
template <typename Tr>
__device__ __forceinline__ void producer_loop(uint32_t smem, const void* tmap_k, const void* tmap_v, int n_tiles, int h,
                                              int b) {
#pragma unroll 1
    for (int j = Tr::kStages; j < n_tiles; ++j) produce_tile<Tr>(smem, tmap_k, tmap_v, j, h, b, true);
}

}  // namespace sm90
}  // namespace da
