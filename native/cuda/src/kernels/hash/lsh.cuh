// lsh.cuh — in-kernel LSH of the query tile (docs/semantics.md steps 1-3) and the grouping matrices.
//
// Step 1: p_j(c) = sum_i Q[i,c] R[i,j], accumulated i = 0..l-1 in order with fmaf (bit-exact with
//         da_reference_permutation; rows past Nq are zero, so they are skipped: they would add +0).
// Step 2: bits_c from a warp ballot (16 lanes per column), inverse Gray code.
// Step 3: rank sort of the d composite keys (gray << 8 | c) — all distinct, so the rank is the
//         position in sigma_b.
// Then the grouping matrices in shared memory (rows t < kDg, columns c < d):
//   Mk[t][c] = 1 if c is in group t                      (K-hat = K Mk^T: sum over the group)
//   Mq[t][c] = 1/G if c in group t (Mean), or 1 if c == sigma_b[tG] (Sample)   (Q-hat = Q Mq^T)
// Padding rows t >= d/G are zero, so the padded contraction adds nothing.
#pragma once
#include "kernels/common/fault_injection.h"
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
#if DA_INJECT_FAULT == 2
        // FAULT INJECTION 2 (tests only, fault_injection.h): column 0 is counted in the next group
        const bool in_group = (c == 0 ? (pos / G + 1) % (D / G) : pos / G) == t;
#else
        const bool in_group = (pos / G) == t;  // t >= d/G never matches
#endif
        float mk = in_group ? 1.f : 0.f;
        float mq = (mode == 0) ? (in_group ? inv_g : 0.f) : ((pos == t * G) ? 1.f : 0.f);
        sMk[t * Tr::kStrideD + c] = T(mk);
        sMq[t * Tr::kStrideD + c] = T(mq);
    }
}

// Expansion matrix for the kernel's "expand" mode (G > 1 without K-hat), W [d][kStrideD] as the B
// operand of Q~ = Q W^T: row n (output column), column k (input column):
//   Mean:   W[n][k] = 1/G if k is in n's group, else 0        (Q~[i,n] = Q-hat[i, group(n)])
//   Sample: W[n][k] = 1 if k == sigma_b[group(n) * G], else 0
// so that S = Q~ K^T = sum_t Q-hat[i,t] sum_{c in t} K[j,c] = Q-hat K-hat^T. G is a power of two.
template <typename Tr>
__device__ __forceinline__ void build_expand_matrix(const int32_t* sRank, typename Elem<Tr::kBF16>::T* sW, int G,
                                                    int mode) {
    using E = Elem<Tr::kBF16>;
    constexpr int D = Tr::kHeadDim;
    // Each thread writes a contiguous run of kEPT elements of one row n, two per 32-bit store.
    constexpr int kEPT = D * D / Tr::kNThreads;
    static_assert(kEPT % 2 == 0 && D % kEPT == 0 && kEPT * Tr::kNThreads == D * D, "W work split");
    const int lg = __ffs(G) - 1;
    const float wv = (mode == 0) ? 1.0f / static_cast<float>(G) : 1.f;
    const int idx0 = threadIdx.x * kEPT;
    const int n = idx0 / D;
    const int k0 = idx0 - n * D;
#if DA_INJECT_FAULT == 2
    // FAULT INJECTION 2 (tests only, fault_injection.h): output column 0 takes the next group's value
    const int rn = n == 0 ? ((sRank[n] >> lg) + 1) % (D >> lg) : sRank[n] >> lg;
#else
    const int rn = sRank[n] >> lg;
#endif
#pragma unroll 8
    for (int e = 0; e < kEPT; e += 2) {
        const int rk0 = sRank[k0 + e];
        const int rk1 = sRank[k0 + e + 1];
        const bool h0 = (mode == 0) ? ((rk0 >> lg) == rn) : (rk0 == (rn << lg));
        const bool h1 = (mode == 0) ? ((rk1 >> lg) == rn) : (rk1 == (rn << lg));
        *reinterpret_cast<uint32_t*>(sW + n * Tr::kStrideD + k0 + e) = E::pack(h0 ? wv : 0.f, h1 ? wv : 0.f);
    }
}

}  // namespace da
