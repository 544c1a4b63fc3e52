// producer.cuh — the producer of the sm_90a kernel: one thread issues the TMA copies of the Q tile of
// every query tile the CTA works on (two buffers) and of the K and V tiles into kStages shared-memory
// stages; the stage ring runs on across query tiles, so the next tile's first K/V tiles load while
// this one's last ones are consumed. K and V have their own full/empty barriers, so S(j) can start
// before V(j) has landed and K's stage is refilled as soon as S(j) is done.
//   full barriers: 1 arrival (arrive.expect_tx) + the tile's bytes;
//   empty barriers: one arrival per consumer thread, after its wgmma on the buffer completed.
#pragma once
#include "barriers.cuh"
#include "params.h"
#include "tma.cuh"
#include "traits.cuh"

namespace da {
namespace sm90 {

// The key tile starting at key0 of head (h, b), the it-th tile through the stage ring.
template <typename Tr>
__device__ __forceinline__ void produce_kv(uint32_t smem, const void* tmap_k, const void* tmap_v, int it, int key0,
                                           int h, int b) {
    constexpr int S = Tr::kStages;
    const int s = it % S;
    const uint32_t bars = smem + Tr::kOffBars;
    const uint32_t phase = ((it / S) & 1) ^ 1;  // parity of the previous use of stage s
    const bool wait_empty = it >= S;
    if (wait_empty) mbar_wait(bars + Tr::bar_empty_k(s), phase);
    mbar_arrive_expect_tx(bars + Tr::bar_full_k(s), Tr::kKBytes);
    tma_load_tile<Tr::kHeadDim>(smem + Tr::kOffK + s * Tr::kKBytes, tmap_k, bars + Tr::bar_full_k(s), Tr::kBlockN,
                                key0, h, b);
    if (wait_empty) mbar_wait(bars + Tr::bar_empty_v(s), phase);
    mbar_arrive_expect_tx(bars + Tr::bar_full_v(s), Tr::kVBytes);
    tma_load_tile<Tr::kHeadDim>(smem + Tr::kOffV + s * Tr::kVBytes, tmap_v, bars + Tr::bar_full_v(s), Tr::kBlockN,
                                key0, h, b);
}

// Query tile number n of this CTA (m0, h, b) with n_tiles key tiles (tiling: Sm90Traits::key0); it = key
// tiles issued so far; key tiles before j0 were issued already (produce_first_kv).
template <typename Tr>
__device__ __forceinline__ void produce_query_tile(uint32_t smem, const Sm90Params& p, int n, int m0, int n_tiles,
                                                   int first_keys, int it, int h, int b, int j0 = 0) {
    const uint32_t bars = smem + Tr::kOffBars;
    const int qb = n & 1;
    if (n >= 2) mbar_wait(bars + Tr::bar_empty_q(qb), ((n >> 1) & 1) ^ 1);
    mbar_arrive_expect_tx(bars + Tr::bar_full_q(qb), Tr::kQBytes);
    tma_load_tile<Tr::kHeadDim>(smem + Tr::kOffQ + qb * Tr::kQBytes, &p.tmap_q, bars + Tr::bar_full_q(qb),
                                Tr::kBlockM, m0, h, b);
#pragma unroll 1
    for (int j = j0; j < n_tiles; ++j)
        produce_kv<Tr>(smem, &p.tmap_k, &p.tmap_v, it + j, Tr::key0(j, first_keys), h, b);
}

// The first min(n_tiles, kStages) key tiles of the CTA's first query tile (it = 0: every stage is empty, no wait);
// returns how many were issued.
template <typename Tr>
__device__ __forceinline__ int produce_first_kv(uint32_t smem, const Sm90Params& p, int n_tiles, int first_keys, int h,
                                                int b) {
    const int count = n_tiles < Tr::kStages ? n_tiles : Tr::kStages;
#pragma unroll 1
    for (int j = 0; j < count; ++j) produce_kv<Tr>(smem, &p.tmap_k, &p.tmap_v, j, Tr::key0(j, first_keys), h, b);
    return count;
}

}  // namespace sm90
}  // namespace da
