// mainloop.cuh — consumer warpgroups of the sm_90a kernel (warpgroups 1 and 2, 64 query rows each).
//
// Q-hat = Q Mq^T once (mma.sync, straight into the wgmma A-fragment registers: per warp the
// m16n8k16 A layout of its 16 rows). Per key tile j (stage s):
//   wait full[s]; S = Q-hat K-hat^T: wgmma m64 n=BN k16 x (kDg/16), A from registers, B = K-hat
//   (K-major, shared memory); mask, fp32 online softmax (exp2, scale folded into log2 e);
//   P (rounded to the element type) as A from registers; O += P V: wgmma m64 n=d k16 x (BN/16),
//   B = V (N-major); arrive on empty[s].
// Epilogue: O /= rowsum, lse = scale*max + ln(sum), direct stores (rows >= Nq skipped).
#pragma once
#include "../../common/fwd_args.h"
#include "../smem_access.cuh"
#include "../softmax.cuh"
#include "../utils.cuh"
#include "traits.cuh"
#include "wgmma.cuh"

namespace da {
namespace sm90 {

template <typename Tr, typename T>
__device__ __forceinline__ void consumer_qhat(const T* sQ, const T* sMq, int row0, int lane,
                                              uint32_t (&qf)[Tr::kDg / 16][4]) {
    using E = Elem<Tr::kBF16>;
    constexpr int KDG = Tr::kDg;
    constexpr int SD = Tr::kStrideD;
    if constexpr (Tr::kHat) {
        float acc[KDG / 8][4];
#pragma unroll
        for (int i = 0; i < KDG / 8; ++i)
#pragma unroll
            for (int e = 0; e < 4; ++e) acc[i][e] = 0.f;
#pragma unroll
        for (int ks = 0; ks < Tr::kHeadDim / 16; ++ks) {
            uint32_t aq[4];
            ldsm_x4(aq[0], aq[1], aq[2], aq[3], addr_a<SD>(sQ, row0, ks * 16, lane));
#pragma unroll
            for (int np = 0; np < KDG / 16; ++np) {
                uint32_t b0, b1, b2, b3;
                ldsm_x4(b0, b1, b2, b3, addr_b<SD>(sMq, np * 16, ks * 16, lane));
                E::mma(acc[2 * np], aq, b0, b1);
                E::mma(acc[2 * np + 1], aq, b2, b3);
            }
        }
#pragma unroll
        for (int ks = 0; ks < KDG / 16; ++ks) {
            qf[ks][0] = E::pack(acc[2 * ks][0], acc[2 * ks][1]);
            qf[ks][1] = E::pack(acc[2 * ks][2], acc[2 * ks][3]);
            qf[ks][2] = E::pack(acc[2 * ks + 1][0], acc[2 * ks + 1][1]);
            qf[ks][3] = E::pack(acc[2 * ks + 1][2], acc[2 * ks + 1][3]);
        }
    } else {
#pragma unroll
        for (int ks = 0; ks < KDG / 16; ++ks)
            ldsm_x4(qf[ks][0], qf[ks][1], qf[ks][2], qf[ks][3], addr_a<SD>(sQ, row0, ks * 16, lane));
    }
}

template <typename Tr, typename T>
__device__ __forceinline__ void consumer_loop(unsigned char* smem, const FwdArgs& a, T* gO, int m0, int n_tiles,
                                              int b, int h, int ctid) {
    using E = Elem<Tr::kBF16>;
    constexpr int D = Tr::kHeadDim;
    constexpr int BN = Tr::kBlockN;
    constexpr int KDG = Tr::kDg;
    constexpr int S = Tr::kStages;
    const int warp = ctid >> 5;  // 0..7 over both consumer warpgroups
    const int lane = ctid & 31;
    const int row0 = warp * 16;  // local query row of this warp (warpgroup g: rows 64g..64g+63)
    const T* sQ = reinterpret_cast<const T*>(smem + Tr::kOffQ);
    const T* sMq = reinterpret_cast<const T*>(smem + Tr::kOffMq);
    const uint32_t bars = smem_u32(smem + Tr::kOffBars);
    const uint32_t stages = smem_u32(smem + Tr::kOffStages);

    uint32_t qf[KDG / 16][4];
    consumer_qhat<Tr>(sQ, sMq, row0, lane, qf);

    float acc_o[D / 8][4];
    float sacc[BN / 8][4];
#pragma unroll
    for (int i = 0; i < D / 8; ++i)
#pragma unroll
        for (int e = 0; e < 4; ++e) acc_o[i][e] = 0.f;
#pragma unroll
    for (int i = 0; i < BN / 8; ++i)
#pragma unroll
        for (int e = 0; e < 4; ++e) sacc[i][e] = 0.f;
    float row_max[2] = {-INFINITY, -INFINITY};
    float row_sum[2] = {0.f, 0.f};
    const int row_g = m0 + row0 + (lane >> 2);
    const int causal_off = a.nk - a.nq;

    // Intra-warpgroup overlap (FA3): S(j) = Q-hat K-hat(j)^T and O += P(j-1) V(j-1) are issued back to
    // back; the softmax of S(j) runs while the PV wgmma is in flight; O is rescaled after it completed.
    uint32_t pa[BN / 16][4];
    auto issue_s = [&](uint32_t st) {
#pragma unroll
        for (int ks = 0; ks < KDG / 16; ++ks) {
            const uint64_t desc = make_desc(st + Tr::kStageKhat + ks * 2 * Tr::kKhatLBO, Tr::kKhatLBO, Tr::kKhatSBO);
            WgmmaRS<BN, Tr::kBF16>::template mma<0>(sacc, qf[ks], desc, ks > 0 ? 1 : 0);
        }
    };
    auto issue_pv = [&](uint32_t st) {
#pragma unroll
        for (int kk = 0; kk < BN / 16; ++kk) {
            const uint64_t desc = make_desc(st + Tr::kStageV + kk * 2 * Tr::kVLBO, Tr::kVLBO, Tr::kVSBO);
            WgmmaRS<D, Tr::kBF16>::template mma<1>(acc_o, pa[kk], desc, 1);
        }
    };
    // mask + softmax of S(j): new running max/sum, sacc -> unnormalised P (fp32); returns alpha per row.
    auto softmax_j = [&](int j, float (&alpha)[2]) {
        const int n0 = j * BN;
        const bool need_mask = (n0 + BN > a.nk) || (a.causal && (n0 + BN - 1 > m0 + causal_off));
        if (need_mask) apply_mask<BN / 8>(sacc, n0, row_g, a.nk, a.causal != 0, causal_off, lane);
        // Both rows at once, 4 partial max / sum chains per row: short dependency chains (2 consumer
        // warps per scheduler hide little latency).
        float mx4[2][4], sm4[2][4];
#pragma unroll
        for (int r = 0; r < 2; ++r)
#pragma unroll
            for (int q = 0; q < 4; ++q) {
                mx4[r][q] = fmaxf(sacc[q][2 * r], sacc[q][2 * r + 1]);
                sm4[r][q] = 0.f;
            }
#pragma unroll
        for (int nb = 4; nb < BN / 8; ++nb)
#pragma unroll
            for (int r = 0; r < 2; ++r)
                mx4[r][nb & 3] = fmaxf(mx4[r][nb & 3], fmaxf(sacc[nb][2 * r], sacc[nb][2 * r + 1]));
        float ms[2];
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            float mx = fmaxf(fmaxf(mx4[r][0], mx4[r][1]), fmaxf(mx4[r][2], mx4[r][3]));
            mx = quad_max(fmaxf(mx, row_max[r]));
            const float m_use = (mx == -INFINITY) ? 0.f : mx;
            alpha[r] = ex2f((row_max[r] - m_use) * a.scale_log2);
            row_max[r] = mx;
            ms[r] = m_use * a.scale_log2;
        }
#pragma unroll
        for (int nb = 0; nb < BN / 8; ++nb)
#pragma unroll
            for (int r = 0; r < 2; ++r) {
                const float p0 = ex2f(fmaf(sacc[nb][2 * r], a.scale_log2, -ms[r]));
                const float p1 = ex2f(fmaf(sacc[nb][2 * r + 1], a.scale_log2, -ms[r]));
                sacc[nb][2 * r] = p0;
                sacc[nb][2 * r + 1] = p1;
                sm4[r][nb & 3] += p0 + p1;
            }
#pragma unroll
        for (int r = 0; r < 2; ++r)
            row_sum[r] = row_sum[r] * alpha[r] + ((sm4[r][0] + sm4[r][1]) + (sm4[r][2] + sm4[r][3]));
    };
    auto pack_p = [&]() {
#pragma unroll
        for (int kk = 0; kk < BN / 16; ++kk) {
            pa[kk][0] = E::pack(sacc[2 * kk][0], sacc[2 * kk][1]);
            pa[kk][1] = E::pack(sacc[2 * kk][2], sacc[2 * kk][3]);
            pa[kk][2] = E::pack(sacc[2 * kk + 1][0], sacc[2 * kk + 1][1]);
            pa[kk][3] = E::pack(sacc[2 * kk + 1][2], sacc[2 * kk + 1][3]);
        }
    };

    if (n_tiles > 0) {
        mbar_wait(bars, 0);
        wgmma_fence();
        issue_s(stages);
        wgmma_commit();
        wgmma_wait<0>();
        fence_acc(sacc);
        float alpha[2];
        softmax_j(0, alpha);  // acc_o is still zero: no rescale needed
        pack_p();
    }
#pragma unroll 1
    for (int j = 1; j < n_tiles; ++j) {
        const int s = j % S;
        const int sp = (j - 1) % S;
        mbar_wait(bars + 8 * s, (j / S) & 1);
        wgmma_fence();
        issue_s(stages + s * Tr::kStageBytes);
        wgmma_commit();
        issue_pv(stages + sp * Tr::kStageBytes);
        wgmma_commit();
        wgmma_wait<1>();  // S(j) done; PV(j-1) may still run
        fence_acc(sacc);
        float alpha[2];
        softmax_j(j, alpha);
        wgmma_wait<0>();  // PV(j-1) done
        fence_acc(acc_o);
        fence_regs_u2(pa);
        mbar_arrive(bars + 8 * (S + sp));
#pragma unroll
        for (int nb = 0; nb < D / 8; ++nb) {
            acc_o[nb][0] *= alpha[0];
            acc_o[nb][1] *= alpha[0];
            acc_o[nb][2] *= alpha[1];
            acc_o[nb][3] *= alpha[1];
        }
        pack_p();
    }
    if (n_tiles > 0) {
        const int sp = (n_tiles - 1) % S;
        wgmma_fence();
        issue_pv(stages + sp * Tr::kStageBytes);
        wgmma_commit();
        wgmma_wait<0>();
        fence_acc(acc_o);
        fence_regs_u2(pa);
        mbar_arrive(bars + 8 * (S + sp));
    }

    // epilogue
#pragma unroll
    for (int r = 0; r < 2; ++r) {
        const float sum = quad_sum(row_sum[r]);
        const float inv = sum > 0.f ? 1.f / sum : 0.f;
        const float lse = sum > 0.f ? row_max[r] * a.scale + logf(sum) : -INFINITY;
        const int row = row_g + r * 8;
        if (row < a.nq) {
            T* orow = gO + static_cast<int64_t>(row) * a.o_rs + 2 * (lane & 3);
#pragma unroll
            for (int nb = 0; nb < D / 8; ++nb)
                *reinterpret_cast<uint32_t*>(orow + nb * 8) = E::pack(acc_o[nb][2 * r] * inv, acc_o[nb][2 * r + 1] * inv);
            if (a.lse != nullptr && (lane & 3) == 0)
                a.lse[(static_cast<int64_t>(b) * a.heads + h) * a.nq + row] = lse;
        }
    }
}

}  // namespace sm90
}  // namespace da
