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
    // Each thread writes a contiguous run of kEPT elements of one row n, two per 32-bit store.
    constexpr int kEPT = D * D / Tr::kNThreads;
    static_assert(kEPT % 2 == 0 && D % kEPT == 0 && kEPT * Tr::kNThreads == D * D, "W work split");
    const int lg = __ffs(G) - 1;
    constexpr bool kMean = kMode == GroupMode::kMean;
    const float wv = kMean ? 1.0f / static_cast<float>(G) : 1.f;
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
        const bool h0 = kMean ? ((rk0 >> lg) == rn) : (rk0 == (rn << lg));
        const bool h1 = kMean ? ((rk1 >> lg) == rn) : (rk1 == (rn << lg));
        *reinterpret_cast<uint32_t*>(sW + n * Tr::kStrideD + k0 + e) = E::pack(h0 ? wv : 0.f, h1 ? wv : 0.f);
    }
}

}  // namespace da
