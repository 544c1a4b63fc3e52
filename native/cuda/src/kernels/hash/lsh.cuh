// lsh.cuh — in-kernel LSH of the query tile (docs/semantics.md steps 1-3); the grouping matrices built from its
// ranks are in grouping.cuh.
//
// Step 1: p_j(c) = sum_i Q[i,c] R[i,j], accumulated i = 0..l-1 in order with fmaf (bit-exact with
//         da_reference_permutation; rows past Nq are zero, so they are skipped: they would add +0).
// Step 2: bits_c from a warp ballot (16 lanes per column), inverse Gray code.
// Step 3: rank sort of the d composite keys (gray << 8 | c) — all distinct, so the rank is the
//         position in sigma_b.
#pragma once
#include "kernels/common/utils.cuh"

namespace da {

// Step 2: position of a 16-bit code in the reflected Gray sequence.
__device__ __forceinline__ uint32_t inverse_gray16(uint32_t x) {
    x ^= x >> 1;
    x ^= x >> 2;
    x ^= x >> 4;
    x ^= x >> 8;
    return x;
}

// Step 3 over all threads of the block, from the d distinct composite keys in sComp: column
// c = tid / kP, kP consecutive lanes count interleaved slices (c2 = i*kP + part: adjacent words, no
// bank conflict) and add their counts by shuffles. Writes sPerm (sigma_b) and sRank.
template <typename Tr>
__device__ __forceinline__ void lsh_rank_sort(const uint32_t* sComp, int32_t* sPerm, int32_t* sRank) {
    constexpr int D = Tr::kHeadDim;
    constexpr int kP = Tr::kNThreads / D;
    static_assert(kP >= 1 && kP * D == Tr::kNThreads && kP <= 32 && (kP & (kP - 1)) == 0, "rank split");
    const int c = threadIdx.x / kP;
    const int part = threadIdx.x - c * kP;
    const uint32_t mine = sComp[c];
    int rank = 0;
#pragma unroll 8
    for (int i = 0; i < D / kP; ++i) rank += (sComp[i * kP + part] < mine) ? 1 : 0;
#pragma unroll
    for (int o = 1; o < kP; o *= 2) rank += __shfl_xor_sync(0xffffffffu, rank, o);
    if (part == 0) {
        sPerm[rank] = c;
        sRank[c] = rank;
    }
}

template <typename Tr>
__device__ __forceinline__ void lsh_permutation(const typename Elem<Tr::kBF16>::T* sQ, const float* sR,
                                                uint32_t* sComp, int32_t* sPerm, int32_t* sRank,
                                                bool identity, int nrows) {
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
    // Thread (tid >> 4, j = tid & 15) owns projection j of kCPT consecutive columns: kCPT independent
    // fmaf chains (each still in row order i = 0..l-1, so bit-exact with the host reference), one
    // 8-byte Q load per 4 columns and one R load per row. Lanes 0-15 / 16-31 of a warp share their
    // columns, so a ballot per column gives its 16 sign bits.
    constexpr int kCPT = D * 16 / Tr::kNThreads;
    static_assert(kCPT % 4 == 0 && kCPT * Tr::kNThreads == D * 16, "hash work split");
    const int j = tid & 15;
    const int c0 = (tid >> 4) * kCPT;
    float p[kCPT];
#pragma unroll
    for (int k = 0; k < kCPT; ++k) p[k] = 0.f;
    const typename E::T* qc = sQ + c0;
    // Rows past Nq (nrows < l) are zero and would add exactly +0: skipped, same bits.
#pragma unroll 4
    for (int i = 0; i < nrows; ++i) {
        const float r = sR[i * 16 + j];
#pragma unroll
        for (int v = 0; v < kCPT / 4; ++v) {
            const uint2 w = *reinterpret_cast<const uint2*>(qc + i * Tr::kStrideD + 4 * v);
            const float2 f0 = E::to_float2(w.x);
            const float2 f1 = E::to_float2(w.y);
            p[4 * v + 0] = __fmaf_rn(f0.x, r, p[4 * v + 0]);
            p[4 * v + 1] = __fmaf_rn(f0.y, r, p[4 * v + 1]);
            p[4 * v + 2] = __fmaf_rn(f1.x, r, p[4 * v + 2]);
            p[4 * v + 3] = __fmaf_rn(f1.y, r, p[4 * v + 3]);
        }
    }
#pragma unroll
    for (int k = 0; k < kCPT; ++k) {
        const uint32_t ballot = __ballot_sync(0xffffffffu, p[k] > 0.f);
        if (j == 0) {
            const uint32_t x = inverse_gray16((lane < 16) ? (ballot & 0xffffu) : (ballot >> 16));
            sComp[c0 + k] = (x << 8) | static_cast<uint32_t>(c0 + k);
        }
    }
    __syncthreads();
    lsh_rank_sort<Tr>(sComp, sPerm, sRank);
}

}  // namespace da
