// lsh.cuh — in-kernel LSH of the query tile (DESIGN.md §3 steps 1-3) and the grouping matrices.
//
// Step 1: p_j(c) = sum_i Q[i,c] R[i,j], accumulated i = 0..l-1 in order with fmaf (bit-exact with
//         da_reference_permutation; rows past Nq are zero in shared memory, so they add nothing).
// Step 2: bits_c from a warp ballot (16 lanes per column), inverse Gray code.
// Step 3: rank sort of the d composite keys (gray << 8 | c) — all distinct, so the rank is the
//         position in sigma_b.
// Then the grouping matrices in shared memory (rows t < kDg, columns c < d):
//   Mk[t][c] = 1 if c is in group t                      (K-hat = K Mk^T: sum over the group)
//   Mq[t][c] = 1/G if c in group t (Mean), or 1 if c == sigma_b[tG] (Sample)   (Q-hat = Q Mq^T)
// Padding rows t >= d/G are zero, so the padded contraction adds nothing.
#pragma once
#include "utils.cuh"

namespace da {

template <typename Tr>
__device__ __forceinline__ void lsh_permutation(const typename Elem<Tr::kBF16>::T* sQ, const float* sR,
                                                uint32_t* sComp, int32_t* sPerm, int32_t* sRank,
                                                bool identity) {
    using E = Elem<Tr::kBF16>;
    constexpr int D = Tr::kHeadDim;
    const int tid = threadIdx.x;
    if (identity) {
        for (int c = tid; c < D; c += Tr::kNThreads) {
            sPerm[c] = c;
            sRank[c] = c;
        }
        return;
    }
    const int lane = tid & 31;
    const int j = lane & 15;
    static_assert((D * 16) % Tr::kNThreads == 0, "hash work split");
#pragma unroll 1
    for (int pair = tid; pair < D * 16; pair += Tr::kNThreads) {
        const int c = pair >> 4;
        float p = 0.f;
#pragma unroll 8
        for (int i = 0; i < Tr::kBlockM; ++i)
            p = __fmaf_rn(E::to_float(sQ[i * Tr::kStrideD + c]), sR[i * 16 + j], p);
        const uint32_t ballot = __ballot_sync(0xffffffffu, p > 0.f);
        if (j == 0) {
            uint32_t x = (lane < 16) ? (ballot & 0xffffu) : (ballot >> 16);
            x ^= x >> 1;
            x ^= x >> 2;
            x ^= x >> 4;
            x ^= x >> 8;
            sComp[c] = (x << 8) | static_cast<uint32_t>(c);
        }
    }
    __syncthreads();
    for (int c = tid; c < D; c += Tr::kNThreads) {
        const uint32_t mine = sComp[c];
        int rank = 0;
#pragma unroll 8
        for (int c2 = 0; c2 < D; ++c2) rank += (sComp[c2] < mine) ? 1 : 0;
        sPerm[rank] = c;
        sRank[c] = rank;
    }
}

// Needs sRank (position of each column in sigma_b). Writes Mq and Mk ([kDg][kStrideD]).
template <typename Tr>
__device__ __forceinline__ void build_group_matrices(const int32_t* sRank, typename Elem<Tr::kBF16>::T* sMq,
                                                     typename Elem<Tr::kBF16>::T* sMk, int G, int mode) {
    using T = typename Elem<Tr::kBF16>::T;
    constexpr int D = Tr::kHeadDim;
    const float inv_g = 1.0f / static_cast<float>(G);
    for (int idx = threadIdx.x; idx < Tr::kDg * D; idx += Tr::kNThreads) {
        const int t = idx / D;
        const int c = idx - t * D;
        const int pos = sRank[c];
        const bool in_group = (pos / G) == t;  // t >= d/G never matches
        float mk = in_group ? 1.f : 0.f;
        float mq = (mode == 0) ? (in_group ? inv_g : 0.f) : ((pos == t * G) ? 1.f : 0.f);
        sMk[t * Tr::kStrideD + c] = T(mk);
        sMq[t * Tr::kStrideD + c] = T(mq);
    }
}

}  // namespace da
