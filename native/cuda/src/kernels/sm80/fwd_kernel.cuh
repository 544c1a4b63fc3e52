// fwd_kernel.cuh — the fused DistrAttention forward kernel, portable sm_80+ path (mma.sync).
//
// One CTA = one query tile of kBlockM (= l) rows of one (batch, head); each warp owns kWarpM
// (16 or 32) query rows. Sequence:
//   1. cp.async the Q tile (rows >= Nq zero) and K/V tile 0; plain loads of R.
//   2. LSH of the Q tile -> sigma_b (smem), optional write-out; grouping matrices Mq, Mk.
//   3. Q-hat = Q Mq^T on tensor cores, straight into A-fragment registers (kDg/16 k-steps).
//   4. Key loop, K/V double-buffered with cp.async (tile j+1 loads while tile j computes):
//        K-hat = K Mk^T on tensor cores into shared memory (once per tile for all warps),
//        S = Q-hat K-hat^T (contraction kDg), mask, online softmax (fp32, exp2), O += P V.
//   5. O /= rowsum, store; lse = scale*max + ln(sum).
// kPath (kernel_traits.cuh) and the grouping mode kMode are template parameters: kExact (G = 1) skips the grouping
// and runs exact attention on Q and K directly; kExpand contracts S = Q~ K^T over d; kKHat builds K-hat per key tile.
#pragma once
#include "common/fwd_args.h"
#include "kernel_traits.cuh"
#include "kernels/common/fault_injection.h"
#include "kernels/common/smem_access.cuh"
#include "kernels/common/softmax.cuh"
#include "kernels/common/tile_mma.cuh"
#include "kernels/common/utils.cuh"
#include "kernels/hash/grouping.cuh"
#include "kernels/hash/lsh.cuh"

namespace da {

// K-hat tile = K tile (kBlockN x d) times Mk^T (d x kDg), written to sKhat as elements.
template <typename Tr, typename T>
__device__ __forceinline__ void build_khat(const T* sKt, const T* sMk, T* sKhat, int warp, int lane) {
    using E = Elem<Tr::kBF16>;
    constexpr int NP = Tr::kDg / 16;
    constexpr int UNITS = (Tr::kBlockN / 16) * NP;
#pragma unroll 1
    for (int u = warp; u < UNITS; u += Tr::kNWarps) {
        const int mt = u / NP;
        const int np = u - mt * NP;
        float c[2][4];
#pragma unroll
        for (int h = 0; h < 2; ++h)
#pragma unroll
            for (int e = 0; e < 4; ++e) c[h][e] = 0.f;
#pragma unroll
        for (int ks = 0; ks < Tr::kHeadDim / 16; ++ks) {
            uint32_t a[4], b0, b1, b2, b3;
            ldsm_x4(a[0], a[1], a[2], a[3], addr_a<Tr::kStrideD>(sKt, mt * 16, ks * 16, lane));
            ldsm_x4(b0, b1, b2, b3, addr_b<Tr::kStrideD>(sMk, np * 16, ks * 16, lane));
            E::mma(c[0], a, b0, b1);
            E::mma(c[1], a, b2, b3);
        }
        const int row = mt * 16 + (lane >> 2);
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int col = np * 16 + h * 8 + 2 * (lane & 3);
            *reinterpret_cast<uint32_t*>(sKhat + row * Tr::kStrideG + col) = E::pack(c[h][0], c[h][1]);
            *reinterpret_cast<uint32_t*>(sKhat + (row + 8) * Tr::kStrideG + col) = E::pack(c[h][2], c[h][3]);
        }
    }
}

// A-fragment registers of Q~ = Q B^T for this warp's rows: B [NOUT][kStrideD] (Mq, or the expansion
// matrix W), fp32 sums on tensor cores, one rounding to the element type.
template <typename Tr, int NOUT, typename T>
__device__ __forceinline__ void project_q(uint32_t (&qf)[Tr::kMT][NOUT / 16][4], const T* sQ, const T* sB,
                                          int warp_row0, int lane) {
    using E = Elem<Tr::kBF16>;
    constexpr int SD = Tr::kStrideD;
#pragma unroll
    for (int mt = 0; mt < Tr::kMT; ++mt) {
        float acc[NOUT / 8][4];
        mma_strip_bt<Tr::kHeadDim, NOUT, SD, Tr::kBF16>(acc, sQ, sB, warp_row0 + mt * 16, lane);
#pragma unroll
        for (int ks = 0; ks < NOUT / 16; ++ks) {
            qf[mt][ks][0] = E::pack(acc[2 * ks][0], acc[2 * ks][1]);
            qf[mt][ks][1] = E::pack(acc[2 * ks][2], acc[2 * ks][3]);
            qf[mt][ks][2] = E::pack(acc[2 * ks + 1][0], acc[2 * ks + 1][1]);
            qf[mt][ks][3] = E::pack(acc[2 * ks + 1][2], acc[2 * ks + 1][3]);
        }
    }
}

template <typename Tr, PortablePath kPath, GroupMode kMode>
__global__ void __launch_bounds__(Tr::kNThreads, Tr::kMinBlocks) fwd_kernel(const FwdArgs a) {
    static_assert(Tr::kHat == (kPath == PortablePath::kKHat), "K-hat instances are those with kDg < d");
    constexpr bool kExpand = kPath == PortablePath::kExpand;
    using E = Elem<Tr::kBF16>;
    using T = typename E::T;
    constexpr int D = Tr::kHeadDim;
    constexpr int BM = Tr::kBlockM;
    constexpr int BN = Tr::kBlockN;
    constexpr int KDG = Tr::kDg;
    constexpr int SD = Tr::kStrideD;
    constexpr int NT = Tr::kNThreads;

    extern __shared__ __align__(128) unsigned char smem[];
    T* sQ = reinterpret_cast<T*>(smem + Tr::kOffQ);
    T* sKhat = reinterpret_cast<T*>(smem + Tr::kOffKhat);
    // stage s: K tile at sKV + 2*s*BN*SD, V tile right after it
    T* sKV = reinterpret_cast<T*>(smem + Tr::kOffKV);
    float* sR = reinterpret_cast<float*>(smem + Tr::kOffR);
    T* sMq = reinterpret_cast<T*>(smem + Tr::kOffMq);
    T* sMk = reinterpret_cast<T*>(smem + Tr::kOffMk);
    T* sW = reinterpret_cast<T*>(smem + Tr::kOffW);
    uint32_t* sComp = reinterpret_cast<uint32_t*>(smem + Tr::kOffComp);
    int32_t* sPerm = reinterpret_cast<int32_t*>(smem + Tr::kOffPerm);
    int32_t* sRank = reinterpret_cast<int32_t*>(smem + Tr::kOffRank);

    const int tid = threadIdx.x;
    const int warp = tid >> 5;
    const int lane = tid & 31;
    const int m_block = a.n_mblocks - 1 - static_cast<int>(blockIdx.x);  // heavy causal tiles first
    const int h = blockIdx.y;
    const int b = blockIdx.z;
    const int m0 = m_block * BM;
#if DA_INJECT_FAULT == 3
    // FAULT INJECTION 3 (tests only, fault_injection.h): head 1 gets 1.25x the softmax scale
    const float scale = h == 1 ? 1.25f * a.scale : a.scale;
    const float scale_log2 = h == 1 ? 1.25f * a.scale_log2 : a.scale_log2;
#else
    const float scale = a.scale;
    const float scale_log2 = a.scale_log2;
#endif

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

    // 1. loads
    load_tile_async<BM, D, SD, NT>(sQ, gQ, a.q_rs, m0, a.nq);
    cp_async_commit();
    if (n_tiles > 0) {
        load_tile_async<BN, D, SD, NT>(sKV, gK, a.k_rs, 0, a.nk);
        load_tile_async<BN, D, SD, NT>(sKV + BN * SD, gV, a.v_rs, 0, a.nk);
    }
    cp_async_commit();
    for (int i = tid; i < BM * 16; i += NT) sR[i] = a.r[i];
    cp_async_wait<1>();
    __syncthreads();

    // 2. LSH and grouping. Expand mode (G > 1 with kDg == d): S = Q~ K^T with Q~[i,c] = Q-hat[i, group(c)], no
    // K-hat, no second barrier per tile.
    if (Tr::kHat || kExpand || a.perm_out != nullptr) {
        lsh_permutation<Tr>(sQ, sR, sComp, sPerm, sRank, a.no_lsh != 0, min(BM, a.nq - m0));
        __syncthreads();
        if (a.perm_out != nullptr) {
            int32_t* dst = a.perm_out + ((static_cast<int64_t>(b) * a.heads + h) * a.n_mblocks + m_block) * D;
            for (int t = tid; t < D; t += NT) dst[t] = sPerm[t];
        }
    }
    if constexpr (Tr::kHat) {
        build_group_matrices<Tr, kMode>(sRank, sMq, sMk, a.group);
        __syncthreads();
    } else if constexpr (kExpand) {  // W aliases R (dead after the hash) in stage 1
        build_expand_matrix<Tr, kMode>(sRank, sW, a.group);
        __syncthreads();
    }

    // 3. Q-hat fragments (A operand of S): kMT m16 tiles of 16 rows per warp
    constexpr int MT = Tr::kMT;
    const int warp_row0 = warp * Tr::kWarpM;
    uint32_t qf[MT][KDG / 16][4];
    if constexpr (Tr::kHat) {
        project_q<Tr, KDG>(qf, sQ, sMq, warp_row0, lane);
    } else if constexpr (kExpand) {
        project_q<Tr, KDG>(qf, sQ, sW, warp_row0, lane);
    } else {
#pragma unroll
        for (int mt = 0; mt < MT; ++mt)
#pragma unroll
            for (int ks = 0; ks < KDG / 16; ++ks)
                ldsm_x4(qf[mt][ks][0], qf[mt][ks][1], qf[mt][ks][2], qf[mt][ks][3],
                        addr_a<SD>(sQ, warp_row0 + mt * 16, ks * 16, lane));
    }

    // 4. key loop
    float acc_o[MT][D / 8][4];
    float row_max[MT][2], row_sum[MT][2];
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
        for (int i = 0; i < D / 8; ++i)
#pragma unroll
            for (int e = 0; e < 4; ++e) acc_o[mt][i][e] = 0.f;
        row_max[mt][0] = row_max[mt][1] = -INFINITY;
        row_sum[mt][0] = row_sum[mt][1] = 0.f;
    }
    const int row_g = m0 + warp_row0 + (lane >> 2);  // + mt*16 (+8 for the second row)

#pragma unroll 1
    for (int nt = 0; nt < n_tiles; ++nt) {
        const int stage = nt & 1;
        cp_async_wait<0>();
        __syncthreads();  // tile nt landed; every warp is done with tile nt-1 (and with sQ)
        if (nt + 1 < n_tiles) {
            const int nstage = stage ^ 1;
            load_tile_async<BN, D, SD, NT>(sKV + nstage * 2 * BN * SD, gK, a.k_rs, (nt + 1) * BN, a.nk);
            load_tile_async<BN, D, SD, NT>(sKV + (nstage * 2 + 1) * BN * SD, gV, a.v_rs, (nt + 1) * BN, a.nk);
        }
        cp_async_commit();
        const T* sKt = sKV + stage * 2 * BN * SD;
        const T* sVt = sKt + BN * SD;

        float s[MT][BN / 8][4];
#pragma unroll
        for (int mt = 0; mt < MT; ++mt)
#pragma unroll
            for (int i = 0; i < BN / 8; ++i)
#pragma unroll
                for (int e = 0; e < 4; ++e) s[mt][i][e] = 0.f;

        if constexpr (Tr::kHat) {
            build_khat<Tr>(sKt, sMk, sKhat, warp, lane);
            __syncthreads();
#pragma unroll
            for (int ks = 0; ks < KDG / 16; ++ks)
#pragma unroll
                for (int np = 0; np < BN / 16; ++np) {
                    uint32_t b0, b1, b2, b3;
                    ldsm_x4(b0, b1, b2, b3, addr_b<Tr::kStrideG>(sKhat, np * 16, ks * 16, lane));
#pragma unroll
                    for (int mt = 0; mt < MT; ++mt) {
                        E::mma(s[mt][2 * np], qf[mt][ks], b0, b1);
                        E::mma(s[mt][2 * np + 1], qf[mt][ks], b2, b3);
                    }
                }
        } else {
#pragma unroll
            for (int ks = 0; ks < KDG / 16; ++ks)
#pragma unroll
                for (int np = 0; np < BN / 16; ++np) {
                    uint32_t b0, b1, b2, b3;
                    ldsm_x4(b0, b1, b2, b3, addr_b<SD>(sKt, np * 16, ks * 16, lane));
#pragma unroll
                    for (int mt = 0; mt < MT; ++mt) {
                        E::mma(s[mt][2 * np], qf[mt][ks], b0, b1);
                        E::mma(s[mt][2 * np + 1], qf[mt][ks], b2, b3);
                    }
                }
        }

        const int n0 = nt * BN;
        const bool need_mask = (n0 + BN > a.nk) || (a.causal && (n0 + BN - 1 > m0 + causal_off));
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
            if (need_mask) apply_mask<BN / 8>(s[mt], n0, row_g + mt * 16, a.nk, a.causal != 0, causal_off, lane);
            online_softmax<BN / 8, D / 8>(s[mt], acc_o[mt], row_max[mt], row_sum[mt], scale_log2);
        }

#pragma unroll
        for (int kk = 0; kk < BN / 16; ++kk) {
            uint32_t pa[MT][4];
#pragma unroll
            for (int mt = 0; mt < MT; ++mt) {
                pa[mt][0] = E::pack(s[mt][2 * kk][0], s[mt][2 * kk][1]);
                pa[mt][1] = E::pack(s[mt][2 * kk][2], s[mt][2 * kk][3]);
                pa[mt][2] = E::pack(s[mt][2 * kk + 1][0], s[mt][2 * kk + 1][1]);
                pa[mt][3] = E::pack(s[mt][2 * kk + 1][2], s[mt][2 * kk + 1][3]);
            }
#pragma unroll
            for (int np = 0; np < D / 16; ++np) {
                uint32_t b0, b1, b2, b3;
                ldsm_x4_t(b0, b1, b2, b3, addr_a<SD>(sVt, kk * 16, np * 16, lane));
#pragma unroll
                for (int mt = 0; mt < MT; ++mt) {
                    E::mma(acc_o[mt][2 * np], pa[mt], b0, b1);
                    E::mma(acc_o[mt][2 * np + 1], pa[mt], b2, b3);
                }
            }
        }
    }

    // 5. epilogue
#pragma unroll
    for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            const float sum = quad_sum(row_sum[mt][r]);
            const float inv = sum > 0.f ? 1.f / sum : 0.f;
            const float lse = sum > 0.f ? row_max[mt][r] * scale + logf(sum) : -INFINITY;
            const int row = row_g + mt * 16 + r * 8;
            if (row < a.nq) {
                T* orow = gO + static_cast<int64_t>(row) * a.o_rs + 2 * (lane & 3);
#pragma unroll
                for (int nb = 0; nb < D / 8; ++nb)
                    *reinterpret_cast<uint32_t*>(orow + nb * 8) =
                        E::pack(acc_o[mt][nb][2 * r] * inv, acc_o[mt][nb][2 * r + 1] * inv);
                if (a.lse != nullptr && (lane & 3) == 0)
                    a.lse[(static_cast<int64_t>(b) * a.heads + h) * a.nq + row] = lse;
            }
        }
}

}  // namespace da
