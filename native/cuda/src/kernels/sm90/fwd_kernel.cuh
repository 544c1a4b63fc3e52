// fwd_kernel.cuh — the sm_90a attention kernel (TMA, wgmma, warp specialisation).
//
// Persistent CTAs (one per SM), each looping over query tiles of 64 * kNWG rows of one (batch, head).
// Thread 0 initialises the mbarriers; then the producer warpgroup gives registers back (setmaxnreg)
// and thread 0 issues every TMA copy (producer.cuh), while the consumer warpgroups take more registers
// and run the key loop of each query tile (mainloop.cuh); the epilogue of one query tile overlaps the
// loads of the next.
// The kernel computes exact attention of its Q input: for G > 1 that input is Q~ from the hashing
// pre-pass (../hash/qtilde_kernel.cuh), so DistrAttention costs the pre-pass plus this kernel.
#pragma once
#include <type_traits>

#include "barriers.cuh"
#include "common/fwd_args.h"
#include "kernels/common/dependent_launch.cuh"
#include "kernels/common/fault_injection.h"
#include "kernels/common/utils.cuh"
#include "mainloop.cuh"
#include "params.h"
#include "producer.cuh"
#include "registers.cuh"
#include "tma.cuh"
#include "traits.cuh"
#include "wgmma.cuh"

namespace da {
namespace sm90 {

// Query tile t of the grid-stride schedule: (m_block, h, b), m fastest; heavy causal tiles first.
struct QueryTile {
    int m0, h, b, n_tiles, first_keys;  // first_keys: keys in key tile 0 (Sm90Traits::first_keys)
};
template <typename Tr>
__device__ __forceinline__ QueryTile query_tile(const FwdArgs& a, int t) {
    constexpr int BM = Tr::kBlockM;
    constexpr int BN = Tr::kBlockN;
    const int n_m = (a.nq + BM - 1) / BM;
    const int bh = t / n_m;
    QueryTile q;
    q.m0 = (n_m - 1 - (t - bh * n_m)) * BM;
    q.h = bh % a.heads;
    q.b = bh / a.heads;
    q.n_tiles = (a.nk + BN - 1) / BN;
    if (a.causal) {
        const int last_row = min(q.m0 + BM, a.nq) - 1;
        const int max_key = last_row + a.nk - a.nq;
        q.n_tiles = max_key < 0 ? 0 : min(q.n_tiles, max_key / BN + 1);
    }
    q.first_keys = Tr::first_keys(a.nk, q.n_tiles, a.causal != 0);
    return q;
}

// Persistent: CTA c works on query tiles c, c + gridDim.x, ... (p.n_query_tiles in all).
template <typename Tr>
__global__ void __launch_bounds__(Tr::kNThreads, 1) fwd_kernel_sm90(const __grid_constant__ Sm90Params p) {
#if DA_SM90_ENABLED
    using T = typename Elem<Tr::kBF16>::T;
    constexpr int S = Tr::kStages;
    const FwdArgs& a = p.args;

    extern __shared__ __align__(1024) unsigned char smem_raw[];
    const uint32_t raw = smem_u32(smem_raw);
    const uint32_t sbase = (raw + 1023u) & ~1023u;
    const uint32_t bars = sbase + Tr::kOffBars;
    const int tid = threadIdx.x;

    if (tid == 0) {
        for (int q = 0; q < 2; ++q) {
            mbar_init(bars + Tr::bar_full_q(q), 1);
            mbar_init(bars + Tr::bar_empty_q(q), Tr::kConsumerThreads);
        }
        for (int s = 0; s < S; ++s) {
            mbar_init(bars + Tr::bar_full_k(s), 1);
            mbar_init(bars + Tr::bar_full_v(s), 1);
            mbar_init(bars + Tr::bar_empty_k(s), Tr::kConsumerThreads);
            mbar_init(bars + Tr::bar_empty_v(s), Tr::kConsumerThreads);
        }
        fence_barrier_init();
        prefetch_tensor_map(&p.tmap_q);
        prefetch_tensor_map(&p.tmap_k);
        prefetch_tensor_map(&p.tmap_v);
    }
    __syncthreads();  // barriers initialised before anyone waits on them

    if (tid < 128) {
        setmaxnreg_dec<Tr::kProducerRegs>();
        if (tid == 0) {
            // Launched as a dependent launch (launch.cuh): the pre-pass (or, without one, whatever kernel came before
            // on the stream) may still be running. Every global access of the CTA follows this thread's TMA copies
            // (the consumers write O after their Q tile has arrived), so only this thread needs to wait. After this
            // call's pre-pass (kv_before_wait), K and V are inputs it does not write, and the kernel before the pre-pass
            // had finished when the pre-pass let this grid launch (it does so after its own wait): the first K/V
            // tiles load before the wait, Q (Q~ in O) after it.
            int j0 = 0;
            if (p.kv_before_wait != 0 && static_cast<int>(blockIdx.x) < p.n_query_tiles) {
                const QueryTile q = query_tile<Tr>(a, blockIdx.x);
                j0 = produce_first_kv<Tr>(sbase, p, q.n_tiles, q.first_keys, q.h, q.b);
            }
            grid_dependency_wait();
            int it = 0, n = 0;
#pragma unroll 1
            for (int t = blockIdx.x; t < p.n_query_tiles; t += gridDim.x, ++n) {
                const QueryTile q = query_tile<Tr>(a, t);
                produce_query_tile<Tr>(sbase, p, n, q.m0, q.n_tiles, q.first_keys, it, q.h, q.b, n == 0 ? j0 : 0);
                it += q.n_tiles;
            }
        }
    } else {
        setmaxnreg_inc<Tr::kConsumerRegs>();
        const int ctid = tid - 128;
        pingpong_begin<Tr>(ctid >> 7);
        int it = 0, n = 0;
#pragma unroll 1
        for (int t = blockIdx.x; t < p.n_query_tiles; t += gridDim.x, ++n) {
            const QueryTile q = query_tile<Tr>(a, t);
            const int qb = n & 1;
            mbar_wait(bars + Tr::bar_full_q(qb), (n >> 1) & 1);
            T* gO = static_cast<T*>(a.o) + q.b * a.o_bs + q.h * a.o_hs;
            const uint32_t q_tile = sbase + Tr::kOffQ + qb * Tr::kQBytes;
#if DA_INJECT_FAULT == 3
            // FAULT INJECTION 3 (tests only, fault_injection.h): head 1 gets 1.25x the softmax scale
            FwdArgs fa = a;
            if (q.h == 1) {
                fa.scale *= 1.25f;
                fa.scale_log2 *= 1.25f;
            }
#else
            const FwdArgs& fa = a;
#endif
            auto run = [&](auto short_first) {
                consumer_tile<Tr, T, decltype(short_first)::value>(sbase, q_tile, qb, fa, gO, q.m0, q.n_tiles,
                                                                   q.first_keys, it, q.b, q.h, ctid);
            };
            // one instance per first-tile width, so that no wgmma shape is chosen at run time inside the loop
            if (Tr::short_first(q.first_keys, a.causal != 0))
                run(std::true_type{});
            else
                run(std::false_type{});
            it += q.n_tiles;
        }
        pingpong_end<Tr>(ctid >> 7);
    }
#endif
}

}  // namespace sm90
}  // namespace da
