// grouping.cuh — the grouping matrices of docs/semantics.md step 4 in shared memory, from the ranks of the LSH
// (lsh.cuh: sRank[c] = position of column c in sigma_b). The grouping mode (Mean / Sample) is a template parameter.
//   Mk[t][c] = 1 if c is in group t                      (K-hat = K Mk^T: sum over the group)
//   Mq[t][c] = 1/G if c in group t (Mean), or 1 if c == sigma_b[tG] (Sample)   (Q-hat = Q Mq^T)
// (rows t < kDg, columns c < d). Padding rows t >= d/G are zero, so the padded contraction adds nothing.
// W, the expansion matrix of Q~ = Q W^T (the sm_90a pre-pass and the portable kernel's expand mode), is below.
#pragma once
#include "common/fwd_args.h"
#include "kernels/common/fault_injection.h"
#include "kernels/common/utils.cuh"

namespace da {

// Needs sRank (position of each column in sigma_b). Writes Mq and Mk ([kDg][kStrideD]).
template <typename Tr, GroupMode kMode>
__device__ __forceinline__ void build_group_matrices(const int32_t* sRank, typename Elem<Tr::kBF16>::T* sMq,
                                                     typename Elem<Tr::kBF16>::T* sMk, int G) {
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
        float mq = (kMode == GroupMode::kMean) ? (in_group ? inv_g : 0.f) : ((pos == t * G) ? 1.f : 0.f);
        sMk[t * Tr::kStrideD + c] = T(mk);
        sMq[t * Tr::kStrideD + c] = T(mq);
    }
}

// Expansion matrix for the kernel's "expand" mode (G > 1 without K-hat), W [d][kStrideD] as the B
// operand of Q~ = Q W^T: row n (output column), column k (input column):
//   Mean:   W[n][k] = 1/G if k is in n's group, else 0        (Q~[i,n] = Q-hat[i, group(n)])
//   Sample: W[n][k] = 1 if k == sigma_b[group(n) * G], else 0
// so that S = Q~ K^T = sum_t Q-hat[i,t] sum_{c in t} K[j,c] = Q-hat K-hat^T. G is a power of two.
template <typename Tr, GroupMode kMode>
__device__ __forceinline__ void build_expand_matrix(const int32_t* sRank, typename Elem<Tr::kBF16>::T* sW, int G) {
    using E = Elem<Tr::kBF16>;
    constexpr int D = Tr::kHeadDim;
    // One 16-byte piece of a row per step (columns k0 .. k0+7 of row n): two 16-byte rank loads and one store, where
    // 2-element stores with a rank load each were conflicted 2.6x (ncu, sm_90a pre-pass, 2026-12-05) and issue-bound.
    constexpr int kPieces = D / 8;
    static_assert(Tr::kOffRank % 16 == 0 && Tr::kOffW % 16 == 0 && (Tr::kStrideD * 2) % 16 == 0, "16-byte rank loads, W stores");
    const int lg = __ffs(G) - 1;
    constexpr bool kMean = kMode == GroupMode::kMean;
    const float wv = kMean ? 1.0f / static_cast<float>(G) : 1.f;
    for (int idx = threadIdx.x; idx < D * kPieces; idx += Tr::kNThreads) {
        const int n = idx / kPieces;
        const int k0 = (idx - n * kPieces) * 8;
#if DA_INJECT_FAULT == 2
        // FAULT INJECTION 2 (tests only, fault_injection.h): output column 0 takes the next group's value
        const int rn = n == 0 ? ((sRank[n] >> lg) + 1) % (D >> lg) : sRank[n] >> lg;
#else
        const int rn = sRank[n] >> lg;
#endif
        const int4 lo = *reinterpret_cast<const int4*>(sRank + k0);
        const int4 hi = *reinterpret_cast<const int4*>(sRank + k0 + 4);
        const int rk[8] = {lo.x, lo.y, lo.z, lo.w, hi.x, hi.y, hi.z, hi.w};
        uint32_t w[4];
#pragma unroll
        for (int e = 0; e < 4; ++e) {
            const bool h0 = kMean ? ((rk[2 * e] >> lg) == rn) : (rk[2 * e] == (rn << lg));
            const bool h1 = kMean ? ((rk[2 * e + 1] >> lg) == rn) : (rk[2 * e + 1] == (rn << lg));
            w[e] = E::pack(h0 ? wv : 0.f, h1 ? wv : 0.f);
        }
        *reinterpret_cast<uint4*>(sW + n * Tr::kStrideD + k0) = make_uint4(w[0], w[1], w[2], w[3]);
    }
}

}  // namespace da
