// lsh.cuh — LSH of the 128-row query tile (DESIGN.md §3 steps 1-3) by all 384 threads of the CTA,
// while the producer's first K/V tiles are in flight.
//
// Each thread owns 2 adjacent columns x 2 adjacent projections (4 independent fp32 fma chains, one
// 4-byte load of Q and one 8-byte load of R per row): p_j(c) = sum_i Q[i,c] R[i,j] accumulated
// i = 0..127 in order with fmaf, bit-exact with da_reference_permutation (rows past Nq are zero).
// The 8 threads of a column pair are adjacent lanes: their sign bits are OR-reduced with shuffles.
// Then the rank sort of (inverse Gray << 8 | c) and the grouping matrices of ../lsh.cuh.
#pragma once
#include "../utils.cuh"

namespace da {
namespace sm90 {

template <typename Tr>
__device__ __forceinline__ void lsh_hash(const typename Elem<Tr::kBF16>::T* sQ, const float* sR, uint32_t* sComp) {
    using T = typename Elem<Tr::kBF16>::T;
    constexpr int D = Tr::kHeadDim;
    constexpr int UNITS = D * 4;  // (D/2 column pairs) x (8 projection pairs)
    static_assert(UNITS % 32 == 0, "warp-uniform units");
    const int tid = threadIdx.x;
#pragma unroll 1
    for (int u0 = tid & ~31; u0 < UNITS; u0 += Tr::kNThreads) {  // warp-uniform loop
        const int u = u0 + (tid & 31);
        const int jp = u & 7;
        const int c0 = (u >> 3) * 2;
        const int j0 = jp * 2;
        float p00 = 0.f, p01 = 0.f, p10 = 0.f, p11 = 0.f;  // p[column][projection]
#pragma unroll 8
        for (int i = 0; i < Tr::kBlockM; ++i) {
            float q0, q1;
            if constexpr (Tr::kBF16) {
                const __nv_bfloat162 q2 = *reinterpret_cast<const __nv_bfloat162*>(sQ + i * Tr::kStrideD + c0);
                q0 = __low2float(q2);
                q1 = __high2float(q2);
            } else {
                const __half2 q2 = *reinterpret_cast<const __half2*>(sQ + i * Tr::kStrideD + c0);
                q0 = __low2float(q2);
                q1 = __high2float(q2);
            }
            const float2 r = *reinterpret_cast<const float2*>(sR + i * 16 + j0);
            p00 = __fmaf_rn(q0, r.x, p00);
            p01 = __fmaf_rn(q0, r.y, p01);
            p10 = __fmaf_rn(q1, r.x, p10);
            p11 = __fmaf_rn(q1, r.y, p11);
        }
        uint32_t b0 = ((p00 > 0.f) ? (1u << j0) : 0u) | ((p01 > 0.f) ? (2u << j0) : 0u);
        uint32_t b1 = ((p10 > 0.f) ? (1u << j0) : 0u) | ((p11 > 0.f) ? (2u << j0) : 0u);
#pragma unroll
        for (int m = 1; m < 8; m <<= 1) {
            b0 |= __shfl_xor_sync(0xffffffffu, b0, m);
            b1 |= __shfl_xor_sync(0xffffffffu, b1, m);
        }
        if (jp == 0) {
            uint32_t x0 = b0, x1 = b1;
            x0 ^= x0 >> 1; x0 ^= x0 >> 2; x0 ^= x0 >> 4; x0 ^= x0 >> 8;
            x1 ^= x1 >> 1; x1 ^= x1 >> 2; x1 ^= x1 >> 4; x1 ^= x1 >> 8;
            sComp[c0] = (x0 << 8) | static_cast<uint32_t>(c0);
            sComp[c0 + 1] = (x1 << 8) | static_cast<uint32_t>(c0 + 1);
        }
    }
    (void)sizeof(T);
}

// Rank sort (keys are distinct): sPerm[rank] = c, sRank[c] = rank. identity: sigma = id.
template <typename Tr>
__device__ __forceinline__ void lsh_rank(const uint32_t* sComp, int32_t* sPerm, int32_t* sRank, bool identity) {
    constexpr int D = Tr::kHeadDim;
    for (int c = threadIdx.x; c < D; c += Tr::kNThreads) {
        int rank = c;
        if (!identity) {
            const uint32_t mine = sComp[c];
            const uint4* v = reinterpret_cast<const uint4*>(sComp);  // broadcast 16-byte reads
            rank = 0;
#pragma unroll 8
            for (int c4 = 0; c4 < D / 4; ++c4) {
                const uint4 x = v[c4];
                rank += (x.x < mine ? 1 : 0) + (x.y < mine ? 1 : 0) + (x.z < mine ? 1 : 0) + (x.w < mine ? 1 : 0);
            }
        }
        sPerm[rank] = c;
        sRank[c] = rank;
    }
}

}  // namespace sm90
}  // namespace da
