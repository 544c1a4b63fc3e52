// lsh.cuh — the sm_90a kernel's prologue: LSH of each query block (DESIGN.md §3 steps 1-3) from the
// swizzled Q tile, the expansion matrix W of expand mode, and Q~ = Q W^T in wgmma A-fragment registers.
//
// Hash: each thread owns 2 adjacent columns x 2 adjacent projections (4 independent fp32 fma chains,
// one 4-byte load of Q and one 8-byte load of R per row): p_j(c) = sum_i Q[i,c] R[i,j] accumulated
// i = 0..rows-1 in order with fmaf, bit-exact with da_reference_permutation (rows past Nq are zero
// and skipped). The 8 lanes of a column pair OR their sign bits with shuffles; inverse Gray code;
// composite key (gray << 8 | c); rank sort (keys are distinct).
// Expand mode: S = Q~ K^T with Q~[i,c] = Q-hat[i, group(c)], which equals Q-hat K-hat^T (K-hat kept
// in fp32): Q~ = Q W^T on tensor cores, W[n][k] = 1/G (Mean) if k is in n's group, or 1 if k is the
// first column of n's group (Sample).
#pragma once
#include "../smem_access.cuh"
#include "../utils.cuh"
#include "tma.cuh"

namespace da {
namespace sm90 {

// Composite keys of one LSH block: rows row0 .. row0+nrows-1 of the Q tile, NT threads (t < NT).
template <typename Tr, int NT>
__device__ __forceinline__ void hash_block(const unsigned char* sQ, const float* sR, uint32_t* sComp, int row0,
                                           int nrows, int t) {
    using Tile = typename Tr::Tile;
    constexpr int D = Tr::kHeadDim;
    constexpr int UNITS = D * 4;  // (D/2 column pairs) x (8 projection pairs)
    static_assert(UNITS % 32 == 0 && NT % 32 == 0, "warp-uniform units");
#pragma unroll 1
    for (int u0 = t & ~31; u0 < UNITS; u0 += NT) {  // warp-uniform loop
        const int u = u0 + (t & 31);
        const int jp = u & 7;
        const int c0 = (u >> 3) * 2;
        const int j0 = jp * 2;
        float p00 = 0.f, p01 = 0.f, p10 = 0.f, p11 = 0.f;  // p[column][projection]
#pragma unroll 8
        for (int i = 0; i < nrows; ++i) {
            const uint32_t w = *reinterpret_cast<const uint32_t*>(sQ + Tile::offset(Tr::kBlockM, row0 + i, c0));
            const float2 q = Elem<Tr::kBF16>::to_float2(w);
            const float2 r = *reinterpret_cast<const float2*>(sR + i * 16 + j0);
            p00 = __fmaf_rn(q.x, r.x, p00);
            p01 = __fmaf_rn(q.x, r.y, p01);
            p10 = __fmaf_rn(q.y, r.x, p10);
            p11 = __fmaf_rn(q.y, r.y, p11);
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
}

// Rank of column c among the block's d keys: sPerm[rank] = c, sRank[c] = rank (identity: sigma = id).
template <int D>
__device__ __forceinline__ void rank_column(const uint32_t* sComp, int32_t* sPerm, int32_t* sRank, int c,
                                            bool identity) {
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

// Element idx (< d*d) of the expansion matrix W [d][kStrideW] of a block (G a power of two > 1).
template <typename Tr>
__device__ __forceinline__ void expand_matrix_element(const int32_t* sRank, typename Elem<Tr::kBF16>::T* sW, int idx,
                                                      int log2g, int mode) {
    using T = typename Elem<Tr::kBF16>::T;
    constexpr int D = Tr::kHeadDim;
    const int n = idx / D;
    const int k = idx - n * D;
    const int gn = sRank[n] >> log2g;
    const int rk = sRank[k];
    const bool hit = (mode == 0) ? ((rk >> log2g) == gn) : (rk == (gn << log2g));
    const float w = (mode == 0) ? 1.0f / static_cast<float>(1 << log2g) : 1.f;
    sW[n * Tr::kStrideW + k] = T(hit ? w : 0.f);
}

// Q~ of this warp's 16 rows (row0.. of the Q tile) as wgmma A fragments: qf[ks] covers columns
// 16ks..16ks+15 in the m16n8k16 A layout (which is the wgmma m64nNk16 A layout of this warp's rows).
// sW == nullptr: G = 1, Q itself.
template <typename Tr>
__device__ __forceinline__ void load_qtilde(const unsigned char* sQ, const typename Elem<Tr::kBF16>::T* sW, int row0,
                                            int lane, uint32_t (&qf)[Tr::kHeadDim / 16][4]) {
    using E = Elem<Tr::kBF16>;
    using Tile = typename Tr::Tile;
    constexpr int D = Tr::kHeadDim;
    const int mi = lane >> 3;
    const int arow = row0 + (lane & 7) + (mi & 1) * 8;
    const uint32_t q_base = smem_u32(sQ);
    if (sW == nullptr) {
#pragma unroll
        for (int ks = 0; ks < D / 16; ++ks)
            ldsm_x4(qf[ks][0], qf[ks][1], qf[ks][2], qf[ks][3],
                    q_base + Tile::offset(Tr::kBlockM, arow, ks * 16 + (mi >> 1) * 8));
        return;
    }
    float acc[D / 8][4];
#pragma unroll
    for (int i = 0; i < D / 8; ++i)
#pragma unroll
        for (int e = 0; e < 4; ++e) acc[i][e] = 0.f;
#pragma unroll
    for (int ks = 0; ks < D / 16; ++ks) {
        uint32_t aq[4];
        ldsm_x4(aq[0], aq[1], aq[2], aq[3], q_base + Tile::offset(Tr::kBlockM, arow, ks * 16 + (mi >> 1) * 8));
#pragma unroll
        for (int np = 0; np < D / 16; ++np) {
            uint32_t b0, b1, b2, b3;
            ldsm_x4(b0, b1, b2, b3, addr_b<Tr::kStrideW>(sW, np * 16, ks * 16, lane));
            E::mma(acc[2 * np], aq, b0, b1);
            E::mma(acc[2 * np + 1], aq, b2, b3);
        }
    }
#pragma unroll
    for (int ks = 0; ks < D / 16; ++ks) {
        qf[ks][0] = E::pack(acc[2 * ks][0], acc[2 * ks][1]);
        qf[ks][1] = E::pack(acc[2 * ks][2], acc[2 * ks][3]);
        qf[ks][2] = E::pack(acc[2 * ks + 1][0], acc[2 * ks + 1][1]);
        qf[ks][3] = E::pack(acc[2 * ks + 1][2], acc[2 * ks + 1][3]);
    }
}

}  // namespace sm90
}  // namespace da
