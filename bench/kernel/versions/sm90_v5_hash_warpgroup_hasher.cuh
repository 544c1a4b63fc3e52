// hasher.cuh — the hash warpgroup of the sm_90a kernel (Tr::kHashWG): for every query tile of the CTA it
// loads the raw Q tile (TMA), computes sigma_b of its LSH block(s) (DESIGN.md §3 steps 1-3), writes them
// to perm_out when asked, builds the expansion matrix W and writes Q~ = Q W^T into Q buffer n % 2, where
// the consumers read it as the A operand of S = Q~ K^T. It runs up to two query tiles ahead of the
// consumers (two Q buffers), so hashing overlaps the key loop instead of preceding it.
//
// Hash: thread u < d*2 owns 4 consecutive columns x 2 projections (8 independent fp32 fma chains over
// the rows in order: bit-exact with da_reference_permutation; one 8-byte load of Q and one of R per row).
// The 8 lanes of a column quad OR their sign bits with shuffles. Then the rank sort of the composite
// keys (gray << 8 | c), W as in ../lsh.cuh (build_expand_matrix), and Q~ on tensor cores (mma.sync, fp32
// sums, one rounding), stored into the swizzled Q buffer; fence.proxy.async makes it visible to wgmma.
#pragma once
#include "../../common/fwd_args.h"
#include "../smem_access.cuh"
#include "../utils.cuh"
#include "params.h"
#include "tma.cuh"
#include "traits.cuh"
#include "wgmma.cuh"

namespace da {
namespace sm90 {

constexpr int kBarHash = 8;  // named barrier of the hash warpgroup's 128 threads

__device__ __forceinline__ void hash_sync() { named_bar_sync(kBarHash, 128); }

// Composite keys of one LSH block: rows row0 .. row0+rows-1 of the swizzled raw Q tile.
template <typename Tr>
__device__ __forceinline__ void hash_block(const unsigned char* sRaw, const float* sR, uint32_t* sComp, int row0,
                                           int rows, int ht) {
    using Tile = typename Tr::Tile;
    constexpr int D = Tr::kHeadDim;
    constexpr int UNITS = (D / 4) * 8;  // column quads x projection pairs
    static_assert(UNITS % 32 == 0 && UNITS <= 128, "one unit per thread, warp-uniform");
    if (ht >= UNITS) return;
    const int jp = ht & 7;
    const int c0 = (ht >> 3) * 4;
    float p[4][2];
#pragma unroll
    for (int c = 0; c < 4; ++c) p[c][0] = p[c][1] = 0.f;
    // Rows in groups of 8: the swizzle repeats every 8 rows, so the 8 row offsets are computed once.
    // A partial block ends the sequence, so the rows that round it up to 8 are TMA zero fill and add +0.
    uint32_t off[8];
#pragma unroll
    for (int s = 0; s < 8; ++s) off[s] = Tile::offset(Tr::kBlockM, row0 + s, c0);
    const int groups = (rows + 7) >> 3;
    const unsigned char* qrow = sRaw;
    const float* rrow = sR + jp * 2;
#pragma unroll 1
    for (int g = 0; g < groups; ++g) {
#pragma unroll
        for (int s = 0; s < 8; ++s) {
            const uint2 w = *reinterpret_cast<const uint2*>(qrow + off[s]);
            const float2 q01 = Elem<Tr::kBF16>::to_float2(w.x);
            const float2 q23 = Elem<Tr::kBF16>::to_float2(w.y);
            const float2 r = *reinterpret_cast<const float2*>(rrow + s * 16);
            const float qv[4] = {q01.x, q01.y, q23.x, q23.y};
#pragma unroll
            for (int c = 0; c < 4; ++c) {
                p[c][0] = __fmaf_rn(qv[c], r.x, p[c][0]);
                p[c][1] = __fmaf_rn(qv[c], r.y, p[c][1]);
            }
        }
        qrow += 8 * Tile::kRowBytes;
        rrow += 8 * 16;
    }
#pragma unroll
    for (int c = 0; c < 4; ++c) {
        uint32_t bits = ((p[c][0] > 0.f) ? (1u << (2 * jp)) : 0u) | ((p[c][1] > 0.f) ? (2u << (2 * jp)) : 0u);
        bits |= __shfl_xor_sync(0xffffffffu, bits, 1);
        bits |= __shfl_xor_sync(0xffffffffu, bits, 2);
        bits |= __shfl_xor_sync(0xffffffffu, bits, 4);
        if (jp == 0) {
            uint32_t x = bits;
            x ^= x >> 1;
            x ^= x >> 2;
            x ^= x >> 4;
            x ^= x >> 8;
            sComp[c0 + c] = (x << 8) | static_cast<uint32_t>(c0 + c);
        }
    }
}

// Rank of column c among the block's d distinct keys: sPerm[rank] = c, sRank[c] = rank.
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

// Element idx (< d*d) of W [d][kStrideW] of a block (G a power of two > 1): W[n][k] = 1/G (Mean) if k
// is in n's group, or 1 if k is the first column of n's group (Sample).
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

// Q~ rows 16 rg .. 16 rg + 15 = Q rows (raw tile) x W^T, stored into the swizzled Q buffer.
template <typename Tr>
__device__ __forceinline__ void qtilde_rows(const unsigned char* sRaw, const typename Elem<Tr::kBF16>::T* sW,
                                            unsigned char* sQt, int rg, int lane) {
    using E = Elem<Tr::kBF16>;
    using Tile = typename Tr::Tile;
    constexpr int D = Tr::kHeadDim;
    const int mi = lane >> 3;
    const int arow = rg * 16 + (lane & 7) + (mi & 1) * 8;
    const uint32_t raw_base = smem_u32(sRaw);
    float acc[D / 8][4];
#pragma unroll
    for (int i = 0; i < D / 8; ++i)
#pragma unroll
        for (int e = 0; e < 4; ++e) acc[i][e] = 0.f;
#pragma unroll
    for (int ks = 0; ks < D / 16; ++ks) {
        uint32_t aq[4];
        ldsm_x4(aq[0], aq[1], aq[2], aq[3], raw_base + Tile::offset(Tr::kBlockM, arow, ks * 16 + (mi >> 1) * 8));
#pragma unroll
        for (int np = 0; np < D / 16; ++np) {
            uint32_t b0, b1, b2, b3;
            ldsm_x4(b0, b1, b2, b3, addr_b<Tr::kStrideW>(sW, np * 16, ks * 16, lane));
            E::mma(acc[2 * np], aq, b0, b1);
            E::mma(acc[2 * np + 1], aq, b2, b3);
        }
    }
    const int row = rg * 16 + (lane >> 2);
#pragma unroll
    for (int nb = 0; nb < D / 8; ++nb) {
        const int col = nb * 8 + 2 * (lane & 3);
        *reinterpret_cast<uint32_t*>(sQt + Tile::offset(Tr::kBlockM, row, col)) = E::pack(acc[nb][0], acc[nb][1]);
        *reinterpret_cast<uint32_t*>(sQt + Tile::offset(Tr::kBlockM, row + 8, col)) = E::pack(acc[nb][2], acc[nb][3]);
    }
}

template <typename Tr, typename NextTile>
__device__ __forceinline__ void hasher_loop(uint32_t sbase, unsigned char* smem, const Sm90Params& p, int ht,
                                            NextTile&& tile_of) {
    using T = typename Elem<Tr::kBF16>::T;
    constexpr int D = Tr::kHeadDim;
    const FwdArgs& a = p.args;
    const uint32_t bars = sbase + Tr::kOffBars;
    const unsigned char* sRaw = smem + Tr::kOffRaw;
    float* sR = reinterpret_cast<float*>(smem + Tr::kOffR);
    uint32_t* sComp = reinterpret_cast<uint32_t*>(smem + Tr::kOffComp);
    int32_t* sPerm = reinterpret_cast<int32_t*>(smem + Tr::kOffPerm);
    int32_t* sRank = reinterpret_cast<int32_t*>(smem + Tr::kOffRank);
    T* sW = reinterpret_cast<T*>(smem + Tr::kOffW);
    const int l = p.block_l;
    const int n_lblocks = Tr::kBlockM / l;
    const int warp = ht >> 5;
    const int lane = ht & 31;
    const int log2g = __ffs(a.group) - 1;
    auto load_raw = [&](int t) {
        const auto q = tile_of(t);
        mbar_arrive_expect_tx(bars + Tr::bar_raw(), Tr::kQBytes);
        tma_load_tile<D>(sbase + Tr::kOffRaw, &p.tmap_q, bars + Tr::bar_raw(), Tr::kBlockM, q.m0, q.h, q.b);
    };
    if (!a.no_lsh)
        for (int i = ht; i < l * 16; i += 128) sR[i] = a.r[i];
    if (ht == 0 && static_cast<int>(blockIdx.x) < p.n_query_tiles) load_raw(blockIdx.x);
    hash_sync();
    int n = 0;
#pragma unroll 1
    for (int t = blockIdx.x; t < p.n_query_tiles; t += gridDim.x, ++n) {
        const auto q = tile_of(t);
        mbar_wait(bars + Tr::bar_raw(), n & 1);
        if (!a.no_lsh) {
            for (int blk = 0; blk < n_lblocks; ++blk)
                hash_block<Tr>(sRaw, sR, sComp + blk * D, blk * l, max(0, min(l, a.nq - q.m0 - blk * l)), ht);
        }
        hash_sync();
        if (ht < n_lblocks * D) {
            const int blk = ht / D;
            rank_column<D>(sComp + blk * D, sPerm + blk * D, sRank + blk * D, ht - blk * D, a.no_lsh != 0);
        }
        hash_sync();
        if (a.perm_out != nullptr) {
            for (int i = ht; i < n_lblocks * D; i += 128) {
                const int blk = i / D;
                const int lb = q.m0 / l + blk;  // global LSH block index
                if (lb * l < a.nq)
                    a.perm_out[((static_cast<int64_t>(q.b) * a.heads + q.h) * a.n_mblocks + lb) * D + (i - blk * D)] =
                        sPerm[i];
            }
        }
        for (int i = ht; i < n_lblocks * D * D; i += 128) {
            const int blk = i / (D * D);
            expand_matrix_element<Tr>(sRank + blk * D, sW + blk * (Tr::kWBytes / 2), i - blk * D * D, log2g, a.mode);
        }
        hash_sync();
        const int qb = n & 1;
        if (n >= 2) mbar_wait(bars + Tr::bar_empty_q(qb), ((n >> 1) & 1) ^ 1);  // consumers done with it
        unsigned char* sQt = smem + Tr::kOffQ + qb * Tr::kQBytes;
        for (int rg = warp; rg < Tr::kBlockM / 16; rg += 4)
            qtilde_rows<Tr>(sRaw, sW + ((rg * 16) / l) * (Tr::kWBytes / 2), sQt, rg, lane);
        fence_proxy_async();  // Q~ (st.shared) -> visible to wgmma
        hash_sync();          // every thread is done with the raw tile, W and the keys
        if (ht == 0 && t + static_cast<int>(gridDim.x) < p.n_query_tiles) load_raw(t + gridDim.x);
        mbar_arrive(bars + Tr::bar_full_q(qb));
    }
}

}  // namespace sm90
}  // namespace da
