// fwd_kernel.cuh — the sm_90a DistrAttention forward kernel (TMA, wgmma, warp specialisation).
//
// One CTA = one query tile of 128 rows of one (batch, head); 384 threads.
//   prologue: mbarrier init; thread 0 issues the TMA copies of the Q tile and of the first kStages K/V
//     tiles; the consumer threads hash the Q tile's LSH block(s) while those copies fly, rank-sort the
//     columns (sigma_b, written to perm_out when asked), and build the expansion matrix W (G > 1).
//   then setmaxnreg: the producer warpgroup down to kProducerRegs (thread 0 keeps issuing copies),
//   the consumer warpgroups up to kConsumerRegs: Q~ = Q W^T into registers, then consumer_loop.
// All G run in expand mode (S = Q~ K^T over d): the kernel's key loop is exact attention's.
#pragma once
#include "../../common/fwd_args.h"
#include "../utils.cuh"
#include "lsh.cuh"
#include "mainloop.cuh"
#include "params.h"
#include "producer.cuh"
#include "tma.cuh"
#include "traits.cuh"
#include "wgmma.cuh"

namespace da {
namespace sm90 {

template <typename Tr>
__global__ void __launch_bounds__(384, 1) fwd_kernel_sm90(const __grid_constant__ Sm90Params p) {
#if DA_SM90_ENABLED
    using E = Elem<Tr::kBF16>;
    using T = typename E::T;
    constexpr int D = Tr::kHeadDim;
    constexpr int BM = Tr::kBlockM;
    constexpr int BN = Tr::kBlockN;
    constexpr int S = Tr::kStages;
    const FwdArgs& a = p.args;

    extern __shared__ __align__(1024) unsigned char smem_raw[];
    const uint32_t raw = smem_u32(smem_raw);
    const uint32_t pad = ((raw + 1023u) & ~1023u) - raw;
    unsigned char* smem = smem_raw + pad;
    const uint32_t sbase = raw + pad;
    const unsigned char* sQ = smem + Tr::kOffQ;
    float* sR = reinterpret_cast<float*>(smem + Tr::kOffR);
    uint32_t* sComp = reinterpret_cast<uint32_t*>(smem + Tr::kOffComp);
    int32_t* sPerm = reinterpret_cast<int32_t*>(smem + Tr::kOffPerm);
    int32_t* sRank = reinterpret_cast<int32_t*>(smem + Tr::kOffRank);
    T* sW = reinterpret_cast<T*>(smem + Tr::kOffW);
    const uint32_t bars = sbase + Tr::kOffBars;

    const int tid = threadIdx.x;
    const int warp = tid >> 5;
    const int m_block = static_cast<int>(gridDim.x) - 1 - static_cast<int>(blockIdx.x);  // heavy causal tiles first
    const int h = blockIdx.y;
    const int b = blockIdx.z;
    const int m0 = m_block * BM;
    const int l = p.block_l;                // LSH block: 64 or 128 rows
    const int n_lblocks = BM / l;           // LSH blocks in this tile: 2 or 1

    const int causal_off = a.nk - a.nq;
    int n_tiles = (a.nk + BN - 1) / BN;
    if (a.causal) {
        const int last_row = min(m0 + BM, a.nq) - 1;
        const int max_key = last_row + causal_off;
        n_tiles = max_key < 0 ? 0 : min(n_tiles, max_key / BN + 1);
    }

    if (tid == 0) {
        mbar_init(bars + Tr::kBarQ, 1);
        for (int s = 0; s < S; ++s) {
            mbar_init(bars + Tr::bar_full_k(s), 1);
            mbar_init(bars + Tr::bar_full_v(s), 1);
            mbar_init(bars + Tr::bar_empty_k(s), Tr::kConsumerThreads);
            mbar_init(bars + Tr::bar_empty_v(s), Tr::kConsumerThreads);
        }
        fence_barrier_init();
    }
    __syncthreads();
    if (tid == 0) {
        prefetch_tensor_map(&p.tmap_q);
        prefetch_tensor_map(&p.tmap_k);
        prefetch_tensor_map(&p.tmap_v);
        mbar_arrive_expect_tx(bars + Tr::kBarQ, Tr::kQBytes);
        tma_load_tile<D>(sbase + Tr::kOffQ, &p.tmap_q, bars + Tr::kBarQ, BM, m0, h, b);
        for (int j = 0; j < S && j < n_tiles; ++j) produce_tile<Tr>(sbase, &p.tmap_k, &p.tmap_v, j, h, b, false);
    }
    const bool consumer = warp >= 4;
    const int ctid = tid - 128;  // consumer thread index 0..255 (negative in the producer)
    const bool hash = a.group > 1 || a.perm_out != nullptr;
    if (hash && consumer && !a.no_lsh)
        for (int i = ctid; i < l * 16; i += Tr::kConsumerThreads) sR[i] = a.r[i];
    if (consumer) mbar_wait(bars + Tr::kBarQ, 0);
    __syncthreads();

    if (hash) {
        if (consumer && !a.no_lsh) {
            if (n_lblocks == 1) {
                hash_block<Tr, 256>(sQ, sR, sComp, 0, min(BM, a.nq - m0), ctid);
            } else {
                const int blk = ctid >> 7;
                hash_block<Tr, 128>(sQ, sR, sComp + blk * D, blk * 64, max(0, min(64, a.nq - m0 - blk * 64)),
                                    ctid & 127);
            }
        }
        __syncthreads();
        if (consumer && ctid < n_lblocks * D) {
            const int blk = ctid / D;
            rank_column<D>(sComp + blk * D, sPerm + blk * D, sRank + blk * D, ctid - blk * D, a.no_lsh != 0);
        }
        __syncthreads();
        if (a.perm_out != nullptr && consumer) {
            for (int i = ctid; i < n_lblocks * D; i += Tr::kConsumerThreads) {
                const int blk = i / D;
                const int lb = m0 / l + blk;  // global LSH block index
                if (lb * l < a.nq)
                    a.perm_out[((static_cast<int64_t>(b) * a.heads + h) * a.n_mblocks + lb) * D + (i - blk * D)] =
                        sPerm[i];
            }
        }
        if (a.group > 1 && consumer) {
            const int log2g = __ffs(a.group) - 1;
            for (int i = ctid; i < n_lblocks * D * D; i += Tr::kConsumerThreads) {
                const int blk = i / (D * D);
                expand_matrix_element<Tr>(sRank + blk * D, sW + blk * (Tr::kWBytes / 2), i - blk * D * D, log2g,
                                          a.mode);
            }
        }
        __syncthreads();
    }

    if (!consumer) {
        setmaxnreg_dec<Tr::kProducerRegs>();
        if (tid == 0) producer_loop<Tr>(sbase, &p.tmap_k, &p.tmap_v, n_tiles, h, b);
    } else {
        setmaxnreg_inc<Tr::kConsumerRegs>();
        const int cwarp = ctid >> 5;
        const int blk = (cwarp * 16) / l;  // LSH block of this warp's rows
        uint32_t qf[D / 16][4];
        load_qtilde<Tr>(sQ, a.group > 1 ? sW + blk * (Tr::kWBytes / 2) : nullptr, cwarp * 16, ctid & 31, qf);
        T* gO = static_cast<T*>(a.o) + b * a.o_bs + h * a.o_hs;
        consumer_loop<Tr, T>(sbase, qf, a, gO, m0, n_tiles, b, h, ctid);
    }
#endif
}

}  // namespace sm90
}  // namespace da
