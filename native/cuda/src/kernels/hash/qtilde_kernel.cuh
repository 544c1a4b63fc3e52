// qtilde_kernel.cuh — the hashing pre-pass of the sm_90a path: for every (LSH block, head, batch) it computes
// sigma_b (docs/semantics.md steps 1-3, bit-exact with da_reference_permutation; projections on tensor cores,
// lsh_tc.cuh), writes it to perm_out when asked, and for G > 1 writes
//   Q~ = Q W^T,  Q~[i,c] = Q-hat[i, group(c)]   (W: build_expand_matrix, grouping.cuh; fp32 sums, one rounding)
// to `dst` (the output buffer O, which the attention kernel reads back before it overwrites the same
// rows). S = Q~ K^T equals Q-hat K-hat^T with K-hat kept in fp32, so the attention kernel that follows
// is exact attention on Q~. Running the hash as its own grid spreads it over every SM instead of
// leaving the tensor cores idle in each attention CTA's prologue.
// Each block is a latency-bound chain of short phases, so the grid is persistent: every resident CTA splits R once,
// then hashes one block while the next block's Q is loading (two Q tiles), instead of every CTA of a wave loading,
// then computing, in step with the others. The tile is one block (l rows, an instance per l), Q~ is formed in two
// column halves (fewer live accumulators), and each warp stores its own rows as soon as they are formed. It is
// launched as a dependent launch (dependent_launch.cuh) and lets the attention kernel after it launch early.
#pragma once
#include "common/fwd_args.h"
#include "common/prepass_args.h"
#include "grouping.cuh"
#include "kernels/common/dependent_launch.cuh"
#include "kernels/common/device_props.cuh"
#include "kernels/common/smem_access.cuh"
#include "kernels/common/smem_attr.cuh"
#include "kernels/common/tile_mma.cuh"
#include "kernels/common/utils.cuh"
#include "lsh.cuh"
#include "lsh_tc.cuh"

// CTAs per SM the registers must allow (__launch_bounds__); A/B builds override it with -DDA_PREPASS_MIN_BLOCKS=n.
#ifndef DA_PREPASS_MIN_BLOCKS
#define DA_PREPASS_MIN_BLOCKS 4
#endif

namespace da {

template <int kHeadDim_, bool kBF16_, int kBlockL_>
struct QtildeTraits {
    static constexpr int kHeadDim = kHeadDim_;
    static constexpr bool kBF16 = kBF16_;
    static constexpr int kNThreads = kHeadDim * 4;  // one warp per 8 columns (lsh_tc_keys)
    // History at d = 64 with a 128-row tile for both l: 3 CTAs/SM (86 registers) -> 4 (63) took ~14 of ~73 µs off
    // N = 577 (c60f24a); 5 spilled while Q~ held 32 accumulators per thread. With the tile per l and Q~ in two halves
    // (H100, whole calls at B = 64, H = 12, G = 2, prepass_probe.py --calls): 4 CTAs/SM 76.7 / 72.9 µs at N = 197,
    // l = 64 / 128, against 77.7 / 74.1 with 5 and 78.7 / 79.0 with 6; equal at N = 577.
    static constexpr int kMinBlocks = DA_PREPASS_MIN_BLOCKS;
    static constexpr int kStrideD = kHeadDim + 8;   // padded rows: conflict-free ldmatrix
    static constexpr int kMaxRows = kBlockL_;       // one LSH block of l rows
    static constexpr int kQBytes = kMaxRows * kStrideD * 2;
    static constexpr int kOffQ = 0;                 // two Q tiles: the next block loads while this one is hashed
    static constexpr int kOffRt = kOffQ + 2 * kQBytes;  // R^T split once per CTA (lsh_tc.cuh), kept for every block
    static constexpr int kRtBytes = LshTcLayout<kBF16, kMaxRows>::kBytes;
    static constexpr int kOffW = kOffRt + kRtBytes;
    static constexpr int kWBytes = kHeadDim * kStrideD * 2;
    static constexpr int kOffComp = kOffW + kWBytes;
    static constexpr int kOffPerm = kOffComp + kHeadDim * 4;
    static constexpr int kOffRank = kOffPerm + kHeadDim * 4;
    static constexpr int kSmemBytes = kOffRank + kHeadDim * 4;
};

// Persistent: a CTA hashes blocks blockIdx.x, blockIdx.x + gridDim.x, ... (block-major over (b, h, block)), and
// loads each next block's Q (cp.async) while it hashes the current one.
template <typename Tr, GroupMode kMode>
__global__ void __launch_bounds__(Tr::kNThreads, Tr::kMinBlocks) qtilde_kernel(const QtildeArgs p) {
    using E = Elem<Tr::kBF16>;
    using T = typename E::T;
    constexpr int D = Tr::kHeadDim;
    constexpr int NT = Tr::kNThreads;
    constexpr int SD = Tr::kStrideD;
    constexpr int CPR = D / 8;  // 16-byte chunks per row
    constexpr int l = Tr::kMaxRows;
    extern __shared__ __align__(128) unsigned char smem[];
    T* sRt = reinterpret_cast<T*>(smem + Tr::kOffRt);
    T* sW = reinterpret_cast<T*>(smem + Tr::kOffW);
    uint32_t* sComp = reinterpret_cast<uint32_t*>(smem + Tr::kOffComp);
    int32_t* sPerm = reinterpret_cast<int32_t*>(smem + Tr::kOffPerm);
    int32_t* sRank = reinterpret_cast<int32_t*>(smem + Tr::kOffRank);
    const FwdArgs& a = p.a;
    const int tid = threadIdx.x;
    const int warp = tid >> 5;
    const int lane = tid & 31;
    const int nblk = (a.nq + l - 1) / l;
    const int64_t total = static_cast<int64_t>(nblk) * a.heads * a.batch;
    struct Item {
        int blk, h, b;
    };
    auto item = [&](int64_t t) {
        const int64_t bh = t / nblk;
        return Item{static_cast<int>(t - bh * nblk), static_cast<int>(bh % a.heads), static_cast<int>(bh / a.heads)};
    };
    // Block t's l rows of Q into tile s, zero from its last row on (the hash reads whole 32-row groups).
    auto load_q = [&](int64_t t, T* s) {
        const Item it = item(t);
        const int r0 = it.blk * l;
        const T* gQ = static_cast<const T*>(a.q) + it.b * a.q_bs + it.h * a.q_hs + static_cast<int64_t>(r0) * a.q_rs;
        load_tile_async<l, D, SD, NT>(s, gQ, a.q_rs, 0, a.nq - r0);
        cp_async_commit();
    };

    // Q, R and (through O) Q~ may be written or read by the kernel before this one on the stream
    grid_dependency_wait();
    allow_dependent_launch();  // the attention kernel may launch; it waits for this grid to finish
    int64_t t = blockIdx.x;
    if (t >= total) return;
    load_q(t, reinterpret_cast<T*>(smem + Tr::kOffQ));
    // R is split into shared memory once, while the first Q tile is in flight.
    if (a.no_lsh) {
        for (int c = tid; c < D; c += NT) sComp[c] = static_cast<uint32_t>(c);  // identity (debug flag), never overwritten
    } else {
        lsh_tc_stage_r<Tr>(sRt, a.r);
    }
    for (int n = 0; t < total; t += gridDim.x, ++n) {
        T* sQ = reinterpret_cast<T*>(smem + Tr::kOffQ + (n & 1) * Tr::kQBytes);
        cp_async_wait<0>();
        // this tile has arrived for every thread, and every thread is done with the previous block (its tile, sW, sComp)
        __syncthreads();
        if (t + gridDim.x < total) load_q(t + gridDim.x, reinterpret_cast<T*>(smem + Tr::kOffQ + ((n + 1) & 1) * Tr::kQBytes));
        const Item it = item(t);
        const int r0 = it.blk * l;
        const int rows = min(l, a.nq - r0);
        const int rows16 = (rows + 15) & ~15;  // the Q~ MMA reads whole 16-row groups,
        const int rows32 = (rows + 31) & ~31;  // the hash whole 32-row groups: the rest is zero

        if (!a.no_lsh) lsh_tc_keys<Tr>(sQ, sRt, a.r, sComp, rows, rows32, a.no_tie_recompute == 0);
        __syncthreads();
        lsh_rank_sort<Tr>(sComp, sPerm, sRank);
        __syncthreads();
        if (a.perm_out != nullptr)
            for (int c = tid; c < D; c += NT)
                a.perm_out[((static_cast<int64_t>(it.b) * a.heads + it.h) * a.n_mblocks + it.blk) * D + c] = sPerm[c];
        if (p.dst == nullptr) continue;

        build_expand_matrix<Tr, kMode>(sRank, sW, a.group);
        __syncthreads();
        T* gD = static_cast<T*>(p.dst) + it.b * p.dst_bs + it.h * p.dst_hs + static_cast<int64_t>(r0) * p.dst_rs;
        for (int rg = warp; rg * 16 < rows16; rg += NT / 32) {  // each warp owns its 16-row groups
            // Q~ in two halves of output columns: 16 accumulators live instead of 32 (registers -> CTAs per SM)
            constexpr int kHalfN = D / 2;
            uint32_t out[D / 8][2];  // packed Q~ of the strip: n-block nb, rows row and row + 8
#pragma unroll
            for (int half = 0; half < 2; ++half) {
                float acc[kHalfN / 8][4];
                mma_strip_bt<D, kHalfN, SD, Tr::kBF16>(acc, sQ, sW + half * kHalfN * SD, rg * 16, lane);
#pragma unroll
                for (int nb = 0; nb < kHalfN / 8; ++nb) {
                    out[half * (kHalfN / 8) + nb][0] = E::pack(acc[nb][0], acc[nb][1]);
                    out[half * (kHalfN / 8) + nb][1] = E::pack(acc[nb][2], acc[nb][3]);
                }
            }
            // Q~ replaces this warp's own rows of Q (no other warp reads them), then the warp stores them.
            __syncwarp();
            asm volatile("" ::: "memory");
            const int row = rg * 16 + (lane >> 2);
#pragma unroll
            for (int nb = 0; nb < D / 8; ++nb) {
                const int col = nb * 8 + 2 * (lane & 3);
                *reinterpret_cast<uint32_t*>(sQ + row * SD + col) = out[nb][0];
                *reinterpret_cast<uint32_t*>(sQ + (row + 8) * SD + col) = out[nb][1];
            }
            __syncwarp();
#pragma unroll
            for (int k = 0; k < 16 * CPR / 32; ++k) {
                const int id = lane + 32 * k;
                const int r = rg * 16 + id / CPR;
                const int ch = id % CPR;
                if (r < rows)
                    *reinterpret_cast<uint4*>(gD + static_cast<int64_t>(r) * p.dst_rs + ch * 8) =
                        *reinterpret_cast<const uint4*>(sQ + r * SD + ch * 8);
            }
        }
    }
}

template <typename Tr, GroupMode kMode>
cudaError_t launch_qtilde_l(const QtildeArgs& p, cudaStream_t stream) {
    constexpr auto kern = &qtilde_kernel<Tr, kMode>;
    if (Tr::kSmemBytes > 48 * 1024) {
        const cudaError_t e = ensure_smem_limit<kern>(Tr::kSmemBytes);
        if (e != cudaSuccess) return e;
    }
    const int64_t blocks = static_cast<int64_t>((p.a.nq + Tr::kMaxRows - 1) / Tr::kMaxRows) * p.a.heads * p.a.batch;
    int resident = 0;  // as many CTAs as fit at once (persistent), fewer when there are fewer blocks
    const cudaError_t e = resident_ctas<kern>(Tr::kNThreads, Tr::kSmemBytes, &resident);
    if (e != cudaSuccess) return e;
    const unsigned grid = static_cast<unsigned>(blocks < resident ? blocks : resident);
    return launch_dependent<kern>(dim3(grid), dim3(Tr::kNThreads), Tr::kSmemBytes, stream, p);
}

// One instance per (d, dtype, mode), explicitly instantiated in the generated hash_*.cu (cmake/instantiations.cmake);
// it holds a kernel per l.
template <int D, bool BF16, GroupMode kMode>
cudaError_t launch_qtilde(const QtildeArgs& p, cudaStream_t stream) {
    if (p.block_l == 64) return launch_qtilde_l<QtildeTraits<D, BF16, 64>, kMode>(p, stream);
    if (p.block_l == 128) return launch_qtilde_l<QtildeTraits<D, BF16, 128>, kMode>(p, stream);
    return cudaErrorInvalidValue;
}

}  // namespace da
