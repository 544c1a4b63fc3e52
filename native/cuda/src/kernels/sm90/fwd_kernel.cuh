// fwd_kernel.cuh — the sm_90a DistrAttention forward kernel (wgmma, warp specialisation).
//
// One CTA = one query tile of 128 rows (= l, one LSH block) of one (batch, head); 384 threads.
//   prologue (all threads): mbarrier init; cp.async of the Q tile; R; the producer warpgroup issues
//     the first kStages K/V tiles; LSH of the Q tile over all 12 warps (overlapping those loads);
//     rank sort; sigma_b write-out (perm_out); grouping matrices Mq, Mk.
//   then setmaxnreg: producer (warpgroup 0) down to kProducerRegs, consumers up to kConsumerRegs;
//   producer_loop (producer.cuh) / consumer_loop (mainloop.cuh) synchronised by mbarriers.
#pragma once
#include "../../common/fwd_args.h"
#include "../lsh.cuh"
#include "../utils.cuh"
#include "lsh.cuh"
#include "mainloop.cuh"
#include "producer.cuh"
#include "traits.cuh"
#include "wgmma.cuh"

namespace da {
namespace sm90 {

template <typename Tr>
__global__ void __launch_bounds__(384, 1) fwd_kernel_sm90(const FwdArgs a) {
#if DA_SM90_ENABLED
    using E = Elem<Tr::kBF16>;
    using T = typename E::T;
    constexpr int D = Tr::kHeadDim;
    constexpr int BM = Tr::kBlockM;
    constexpr int BN = Tr::kBlockN;
    constexpr int SD = Tr::kStrideD;
    constexpr int NT = Tr::kNThreads;

    extern __shared__ __align__(128) unsigned char smem[];
    T* sQ = reinterpret_cast<T*>(smem + Tr::kOffQ);
    float* sR = reinterpret_cast<float*>(smem + Tr::kOffR);
    T* sMq = reinterpret_cast<T*>(smem + Tr::kOffMq);
    T* sMk = reinterpret_cast<T*>(smem + Tr::kOffMk);
    uint32_t* sComp = reinterpret_cast<uint32_t*>(smem + Tr::kOffComp);
    int32_t* sPerm = reinterpret_cast<int32_t*>(smem + Tr::kOffPerm);
    int32_t* sRank = reinterpret_cast<int32_t*>(smem + Tr::kOffRank);

    const int tid = threadIdx.x;
    const int warp = tid >> 5;
    const int m_block = a.n_mblocks - 1 - static_cast<int>(blockIdx.x);  // heavy causal tiles first
    const int h = blockIdx.y;
    const int b = blockIdx.z;
    const int m0 = m_block * BM;

    const T* gQ = static_cast<const T*>(a.q) + b * a.q_bs + h * a.q_hs;
    const T* gK = static_cast<const T*>(a.k) + b * a.k_bs + h * a.k_hs;
    const T* gV = static_cast<const T*>(a.v) + b * a.v_bs + h * a.v_hs;
    T* gO = static_cast<T*>(a.o) + b * a.o_bs + h * a.o_hs;

    const int causal_off = a.nk - a.nq;
    int n_tiles = (a.nk + BN - 1) / BN;
    if (a.causal) {
        const int last_row = min(m0 + BM, a.nq) - 1;
        const int max_key = last_row + causal_off;
        n_tiles = max_key < 0 ? 0 : min(n_tiles, max_key / BN + 1);
    }

    if (tid == 0) {
        const uint32_t bars = smem_u32(smem + Tr::kOffBars);
        for (int s = 0; s < Tr::kStages; ++s) {
            mbar_init(bars + 8 * s, 128);                     // full: producer threads
            mbar_init(bars + 8 * (Tr::kStages + s), 256);     // empty: consumer threads
        }
    }
    // Q tile (rows >= Nq zero) by all threads
    {
        constexpr int CPR = D / 8;
        for (int id = tid; id < BM * CPR; id += NT) {
            const int r = id / CPR;
            const int ch = id - r * CPR;
            const int grow = m0 + r;
            const bool ok = grow < a.nq;
            const T* src = ok ? gQ + static_cast<int64_t>(grow) * a.q_rs + ch * 8 : gQ;
            cp_async_16(smem_u32(sQ + r * SD + ch * 8), src, ok);
        }
        cp_async_commit();
    }
    const bool producer = warp < 4;
    if (producer) producer_prologue<Tr>(smem, gK, gV, a.k_rs, a.v_rs, n_tiles, a.nk, tid);
    for (int i = tid; i < BM * 16; i += NT) sR[i] = a.r[i];
    if (producer)
        cp_async_wait<Tr::kStages>();
    else
        cp_async_wait<0>();
    __syncthreads();

    const bool hash = Tr::kHat || a.perm_out != nullptr;
    if (hash) {
        if (!a.no_lsh) lsh_hash<Tr>(sQ, sR, sComp);
        __syncthreads();
        lsh_rank<Tr>(sComp, sPerm, sRank, a.no_lsh != 0);
        __syncthreads();
        if (a.perm_out != nullptr) {
            int32_t* dst = a.perm_out + ((static_cast<int64_t>(b) * a.heads + h) * a.n_mblocks + m_block) * D;
            for (int t = tid; t < D; t += NT) dst[t] = sPerm[t];
        }
    }
    if constexpr (Tr::kHat) {
        build_group_matrices<Tr>(sRank, sMq, sMk, a.group, a.mode);
    }
    __syncthreads();

    if (producer) {
        setmaxnreg_dec<Tr::kProducerRegs>();
        producer_loop<Tr>(smem, gK, gV, a.k_rs, a.v_rs, n_tiles, a.nk, tid);
    } else {
        setmaxnreg_inc<Tr::kConsumerRegs>();
        consumer_loop<Tr>(smem, a, gO, m0, n_tiles, b, h, tid - 128);
    }
#endif
}

}  // namespace sm90
}  // namespace da
