// qtilde_kernel.cuh — the hashing pre-pass of the sm_90a path: one CTA per (LSH block, head, batch)
// computes sigma_b (docs/semantics.md steps 1-3, bit-exact with da_reference_permutation; projections
// on tensor cores, lsh_tc.cuh), writes it to
// perm_out when asked, and for G > 1 writes
//   Q~ = Q W^T,  Q~[i,c] = Q-hat[i, group(c)]   (W: build_expand_matrix, grouping.cuh; fp32 sums, one rounding)
// to `dst` (the output buffer O, which the attention kernel reads back before it overwrites the same
// rows). S = Q~ K^T equals Q-hat K-hat^T with K-hat kept in fp32, so the attention kernel that follows
// is exact attention on Q~. Running the hash as its own grid spreads it over every SM instead of
// leaving the tensor cores idle in each attention CTA's prologue.
// The kernel is latency-bound (a chain of short phases per CTA), so what makes it fast is how many CTAs an SM
// holds: the tile is one block (l rows, an instance per l), Q~ is formed in two column halves (fewer live
// accumulators), and each warp stores its own rows as soon as they are formed. It is launched as a dependent
// launch (dependent_launch.cuh) and lets the attention kernel after it launch early.
#pragma once
#include "common/fwd_args.h"
#include "common/prepass_args.h"
#include "grouping.cuh"
#include "kernels/common/dependent_launch.cuh"
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
    static constexpr int kOffQ = 0;
    static constexpr int kOffW = kOffQ + kMaxRows * kStrideD * 2;
    // W (expansion matrix) reuses the space of the split R^T, which the hash no longer needs
    static constexpr int kWBytes = kHeadDim * kStrideD * 2;
    static constexpr int kRtBytes = LshTcLayout<kBF16, kMaxRows>::kBytes;
    static constexpr int kOffComp = kOffW + (kWBytes > kRtBytes ? kWBytes : kRtBytes);
    static constexpr int kOffPerm = kOffComp + kHeadDim * 4;
    static constexpr int kOffRank = kOffPerm + kHeadDim * 4;
    static constexpr int kOffR = kOffRank + kHeadDim * 4;  // R [l][16] fp32 for the tie recomputations (lsh_tc.cuh)
    static constexpr int kSmemBytes = kOffR + kMaxRows * 16 * 4;
};

template <typename Tr, GroupMode kMode>
__global__ void __launch_bounds__(Tr::kNThreads, Tr::kMinBlocks) qtilde_kernel(const QtildeArgs p) {
    using E = Elem<Tr::kBF16>;
    using T = typename E::T;
    constexpr int D = Tr::kHeadDim;
    constexpr int NT = Tr::kNThreads;
    constexpr int SD = Tr::kStrideD;
    constexpr int CPR = D / 8;  // 16-byte chunks per row
    extern __shared__ __align__(128) unsigned char smem[];
    T* sQ = reinterpret_cast<T*>(smem + Tr::kOffQ);
    T* sW = reinterpret_cast<T*>(smem + Tr::kOffW);
    uint32_t* sComp = reinterpret_cast<uint32_t*>(smem + Tr::kOffComp);
    int32_t* sPerm = reinterpret_cast<int32_t*>(smem + Tr::kOffPerm);
    int32_t* sRank = reinterpret_cast<int32_t*>(smem + Tr::kOffRank);
    float* sR = reinterpret_cast<float*>(smem + Tr::kOffR);
    const FwdArgs& a = p.a;
    const int tid = threadIdx.x;
    const int blk = blockIdx.x;
    const int h = blockIdx.y;
    const int b = blockIdx.z;
    constexpr int l = Tr::kMaxRows;
    const int r0 = blk * l;
    const int rows = min(l, a.nq - r0);
    const int rows16 = (rows + 15) & ~15;  // the Q~ MMA reads whole 16-row groups,
    const int rows32 = (rows + 31) & ~31;  // the hash whole 32-row groups: the rest is zero

    // Q, R and (through O) Q~ may be written or read by the kernel before this one on the stream
    grid_dependency_wait();
    allow_dependent_launch();  // the attention kernel may launch; it waits for this grid to finish
    const T* gQ = static_cast<const T*>(a.q) + b * a.q_bs + h * a.q_hs + static_cast<int64_t>(r0) * a.q_rs;
    // All of this thread's 16-byte loads first (one memory latency), then the shared-memory copy.
    constexpr int kLoads = Tr::kMaxRows * CPR / NT;
    static_assert(kLoads * NT == Tr::kMaxRows * CPR, "tile load split");
    uint4 v[kLoads];
#pragma unroll
    for (int k = 0; k < kLoads; ++k) {
        const int id = tid + k * NT;
        const int r = id / CPR;
        v[k] = make_uint4(0u, 0u, 0u, 0u);
        if (r < rows) v[k] = *reinterpret_cast<const uint4*>(gQ + static_cast<int64_t>(r) * a.q_rs + (id - r * CPR) * 8);
    }
    // R is split into shared memory while the Q loads are in flight (both latencies at once).
    if (a.no_lsh) {
        for (int c = tid; c < D; c += NT) sComp[c] = static_cast<uint32_t>(c);  // identity (debug flag)
    } else {
        lsh_tc_stage_r<Tr>(sW, sR, a.r);
    }
#pragma unroll
    for (int k = 0; k < kLoads; ++k) {
        const int id = tid + k * NT;
        const int r = id / CPR;
        const int ch = id - r * CPR;
        if (r >= rows32) continue;
        *reinterpret_cast<uint4*>(sQ + r * SD + ch * 8) = v[k];
    }
    __syncthreads();
    if (!a.no_lsh) lsh_tc_keys<Tr>(sQ, sW, sR, sComp, rows, rows32, a.no_tie_recompute == 0);
    __syncthreads();
    lsh_rank_sort<Tr>(sComp, sPerm, sRank);
    __syncthreads();
    if (a.perm_out != nullptr)
        for (int t = tid; t < D; t += NT)
            a.perm_out[((static_cast<int64_t>(b) * a.heads + h) * a.n_mblocks + blk) * D + t] = sPerm[t];
    if (p.dst == nullptr) return;

    build_expand_matrix<Tr, kMode>(sRank, sW, a.group);
    __syncthreads();
    const int warp = tid >> 5;
    const int lane = tid & 31;
    T* gD = static_cast<T*>(p.dst) + b * p.dst_bs + h * p.dst_hs + static_cast<int64_t>(r0) * p.dst_rs;
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

template <typename Tr, GroupMode kMode>
cudaError_t launch_qtilde_l(const QtildeArgs& p, cudaStream_t stream) {
    constexpr auto kern = &qtilde_kernel<Tr, kMode>;
    if (Tr::kSmemBytes > 48 * 1024) {
        const cudaError_t e = ensure_smem_limit<kern>(Tr::kSmemBytes);
        if (e != cudaSuccess) return e;
    }
    const dim3 grid(static_cast<unsigned>((p.a.nq + Tr::kMaxRows - 1) / Tr::kMaxRows), static_cast<unsigned>(p.a.heads),
                    static_cast<unsigned>(p.a.batch));
    return launch_dependent<kern>(grid, dim3(Tr::kNThreads), Tr::kSmemBytes, stream, p);
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
