// mainloop.cuh — consumer warpgroups of the sm_90a kernel (64 query rows each).
//
// Per key tile j (stage s): S(j) = Q K(j)^T (wgmma m64 n128 k16 x d/16, A = this warpgroup's rows of
// the Q tile, B = K, both K-major with 128B/64B swizzle) and O += P(j-1) V(j-1) (wgmma m64 n=d k16 x 8,
// A = P from registers, B = V, MN-major) are issued back to back, meant for the softmax of S(j) to run
// while PV(j-1) is on the tensor cores (FA3's intra-warpgroup overlap; ptxas hoists the PV wait above
// the softmax, see traits.cuh); Tr::kPingPong: the consumer warpgroups take turns issuing their GEMMs
// (named barriers 4.., round robin).
// Key tiling (Sm90Traits::first_keys): non-causal, the partial key tile comes first, and one of <= 80 keys
// is computed 80 wide (n80 S wgmma, 5 PV k-steps; N = 577 = 65 + 4 x 128), so no other tile is masked.
// Online softmax in fp32 with exp2 (scale folded into log2 e); masked keys (>= Nk, causal) are -inf.
// Epilogue: O /= rowsum, lse = scale*max + ln(sum), stores of rows < Nq.
#pragma once
#include <type_traits>

#include "barriers.cuh"
#include "common/fwd_args.h"
#include "kernels/common/fault_injection.h"
#include "kernels/common/softmax.cuh"
#include "kernels/common/utils.cuh"
#include "registers.cuh"
#include "traits.cuh"
#include "wgmma.cuh"

namespace da {
namespace sm90 {

constexpr int kBarTurn0 = 4;  // named barrier 4 + w: "consumer warpgroup w may issue" (0 is __syncthreads)

// Ping-pong turns: warpgroup w waits on barrier 4+w and then hands the turn to w+1 (256 threads: the
// 128 waiting and the 128 handing over). Every warpgroup takes one turn per key tile, across query
// tiles; warpgroup 0 goes first and takes back the last hand-over at the end (pingpong_begin/end).
template <typename Tr>
__device__ __forceinline__ void turn_wait(int wg) {
    if constexpr (Tr::kPingPong) named_bar_sync(kBarTurn0 + wg, 256);
}
template <typename Tr>
__device__ __forceinline__ void turn_pass(int wg) {
    if constexpr (Tr::kPingPong) named_bar_arrive(kBarTurn0 + (wg + 1) % Tr::kNWG, 256);
}
template <typename Tr>
__device__ __forceinline__ void pingpong_begin(int wg) {
    if constexpr (Tr::kPingPong) {
        if (wg == Tr::kNWG - 1) named_bar_arrive(kBarTurn0, 256);
    }
}
template <typename Tr>
__device__ __forceinline__ void pingpong_end(int wg) {
    if constexpr (Tr::kPingPong) {
        if (wg == 0) named_bar_sync(kBarTurn0, 256);
    }
}

// One query tile (rows m0.., this warpgroup's 64 of them) against n_tiles key tiles, which are the
// it0-th .. of the stage ring; q_tile = shared address of the Q tile; releases it (emptyQ[qb]) once
// the last S GEMM is done.
// kShort: the first key tile holds <= Tr::kShortN keys (Sm90Traits::short_first) and is computed kShortN wide
// (S by an n80 wgmma, softmax and PV over 80 keys). Separate instances and a peeled j = 1 step keep every
// wgmma shape fixed at compile time: no branch between a wgmma's issue and its wait.
template <typename Tr, typename T, bool kShort>
__device__ __forceinline__ void consumer_tile(uint32_t smem, uint32_t q_tile, int qb, const FwdArgs& a, T* gO, int m0,
                                              int n_tiles, int first_keys, int it0, int b, int h, int ctid) {
    using E = Elem<Tr::kBF16>;
    using Tile = typename Tr::Tile;
    constexpr int D = Tr::kHeadDim;
    constexpr int BN = Tr::kBlockN;
    constexpr int S = Tr::kStages;
    constexpr int SW = Tile::kSwizzle;
    const int wg = ctid >> 7;      // consumer warpgroup 0 .. kNWG-1
    const int warp = ctid >> 5;    // warp over all consumer warpgroups
    const int lane = ctid & 31;
    const int row0 = warp * 16;    // first row of this warp in the query tile
    const uint32_t bars = smem + Tr::kOffBars;

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

    uint32_t pa[BN / 16][4];
    // Descriptors are built once; a stage or k-step only moves the start-address field (bits 0-13,
    // address >> 4), which never carries out since shared memory is below 256 KB. (Built per wgmma
    // they were most of the uniform-datapath arithmetic, 17% of the instructions issued, t8 profile.)
    const uint64_t desc_q = make_desc_sw<SW>(q_tile + wg * Tr::kWgRows * Tile::kRowBytes, 16, Tile::kAtomBytes);
    const uint64_t desc_k = make_desc_sw<SW>(smem + Tr::kOffK, 16, Tile::kAtomBytes);
    const uint64_t desc_v = make_desc_sw<SW>(smem + Tr::kOffV, BN * Tile::kRowBytes, Tile::kAtomBytes);
    using Whole = std::integral_constant<int, BN>;
    using Short = std::integral_constant<int, Tr::kShortN>;
    using First = std::conditional_t<kShort, Short, Whole>;  // keys computed in key tile 0
    // S of the first KEYS keys of the tile in stage s (80: into sacc's first 10 column blocks)
    auto issue_s = [&](auto keys, int s) {
        const uint64_t dk = desc_k + static_cast<uint64_t>((s * Tr::kKBytes) >> 4);
#pragma unroll
        for (int ks = 0; ks < D / 16; ++ks)  // K-major: 16 columns = 32 bytes further along the swizzled rows
            wgmma_ss_s<decltype(keys)::value, Tr::kBF16>(sacc, desc_q + 2 * ks, dk + 2 * ks, ks > 0 ? 1 : 0);
    };
    // O += P V over the first KEYS keys of the tile in stage s
    auto issue_pv = [&](auto keys, int s) {
        const uint64_t dv = desc_v + static_cast<uint64_t>((s * Tr::kVBytes) >> 4);
#pragma unroll
        for (int kk = 0; kk < decltype(keys)::value / 16; ++kk)  // MN-major: 16 keys = two 8-row atoms further
            WgmmaRS<D, Tr::kBF16>::template mma<1>(acc_o, pa[kk], dv + kk * (2 * Tile::kAtomBytes >> 4), 1);
    };
    // mask + softmax of the first KEYS columns of S for the key tile starting at key n0 (keys >= limit and the
    // causal mask are -inf): new running max/sum, sacc -> unnormalised P (fp32); alpha per row.
    auto softmax_j = [&](auto keys, int n0, int limit, float (&alpha)[2]) {
        constexpr int NB = decltype(keys)::value / 8;
        const bool need_mask = (n0 + NB * 8 > limit) || (a.causal && (n0 + BN - 1 > m0 + wg * Tr::kWgRows + causal_off));
        if (need_mask) apply_mask<NB>(sacc, n0, row_g, limit, a.causal != 0, causal_off, lane);
        float mx4[2][4], sm4[2][4];
#pragma unroll
        for (int r = 0; r < 2; ++r)
#pragma unroll
            for (int q = 0; q < 4; ++q) {
                mx4[r][q] = fmaxf(sacc[q][2 * r], sacc[q][2 * r + 1]);
                sm4[r][q] = 0.f;
            }
#pragma unroll
        for (int nb = 4; nb < NB; ++nb)
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
        for (int nb = 0; nb < NB; ++nb)
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
    // P of the first KEYS columns into the PV operand (the rest of pa is not read: issue_pv of as many keys)
    auto pack_p = [&](auto keys) {
#pragma unroll
        for (int kk = 0; kk < decltype(keys)::value / 16; ++kk) {
            pa[kk][0] = E::pack(sacc[2 * kk][0], sacc[2 * kk][1]);
            pa[kk][1] = E::pack(sacc[2 * kk][2], sacc[2 * kk][3]);
            pa[kk][2] = E::pack(sacc[2 * kk + 1][0], sacc[2 * kk + 1][1]);
            pa[kk][3] = E::pack(sacc[2 * kk + 1][2], sacc[2 * kk + 1][3]);
        }
    };
    const uint32_t empty_q = bars + Tr::bar_empty_q(qb);
#if DA_INJECT_FAULT == 1
    // FAULT INJECTION 1 (tests only, fault_injection.h): is this query tile the second one this CTA handles?
    // (t of query_tile in fwd_kernel.cuh; the CTA's tiles are blockIdx.x, blockIdx.x + gridDim.x, ...)
    const int fault_n_m = (a.nq + Tr::kBlockM - 1) / Tr::kBlockM;
    const bool fault_tile = (b * a.heads + h) * fault_n_m + (fault_n_m - 1 - m0 / Tr::kBlockM) ==
                            static_cast<int>(blockIdx.x + gridDim.x);
#endif
    if (n_tiles > 0) {
        const int s = it0 % S;
        mbar_wait(bars + Tr::bar_full_k(s), (it0 / S) & 1);
        turn_wait<Tr>(wg);
        wgmma_fence();
        issue_s(First{}, s);
        wgmma_commit();
        turn_pass<Tr>(wg);
        wgmma_wait<0>();
        fence_acc(sacc);
        mbar_arrive(bars + Tr::bar_empty_k(s));
        if (n_tiles == 1) mbar_arrive(empty_q);
        float alpha[2];  // acc_o is still zero: no rescale needed
        softmax_j(First{}, 0, a.causal ? a.nk : first_keys, alpha);
        pack_p(First{});
    }
    // key tile j >= 1; PV_KEYS = keys of tile j-1 (its PV is issued here)
    auto key_step = [&](int j, auto pv_keys) {
        const int s = (it0 + j) % S;
        const int sp = (it0 + j - 1) % S;
        mbar_wait(bars + Tr::bar_full_k(s), ((it0 + j) / S) & 1);
        turn_wait<Tr>(wg);
        wgmma_fence();
        issue_s(Whole{}, s);
        wgmma_commit();
        mbar_wait(bars + Tr::bar_full_v(sp), ((it0 + j - 1) / S) & 1);
        issue_pv(pv_keys, sp);
        wgmma_commit();
        turn_pass<Tr>(wg);
        wgmma_wait<1>();  // S(j) done; PV(j-1) may still run (ptxas waits for it anyway, NOTES t12)
        fence_acc(sacc);
        mbar_arrive(bars + Tr::bar_empty_k(s));
        if (j == n_tiles - 1) mbar_arrive(empty_q);
        float alpha[2];
#if DA_INJECT_FAULT == 1
        // FAULT INJECTION 1: every key of the last tile is masked (limit = its first key), so it adds nothing
        softmax_j(Whole{}, Tr::key0(j, first_keys), (fault_tile && j == n_tiles - 1) ? Tr::key0(j, first_keys) : a.nk,
                  alpha);
#else
        softmax_j(Whole{}, Tr::key0(j, first_keys), a.nk, alpha);
#endif
        wgmma_wait<0>();  // PV(j-1) done
        fence_acc(acc_o);
        fence_regs_u2(pa);
        mbar_arrive(bars + Tr::bar_empty_v(sp));
#pragma unroll
        for (int nb = 0; nb < D / 8; ++nb) {
            acc_o[nb][0] *= alpha[0];
            acc_o[nb][1] *= alpha[0];
            acc_o[nb][2] *= alpha[1];
            acc_o[nb][3] *= alpha[1];
        }
        pack_p(Whole{});
    };
    int j1 = 1;
    if constexpr (kShort) {  // peeled: the only step whose PV is short
        if (n_tiles > 1) key_step(1, First{});
        j1 = 2;
    }
#pragma unroll 1
    for (int j = j1; j < n_tiles; ++j) key_step(j, Whole{});
    if (n_tiles > 0) {
        const int sp = (it0 + n_tiles - 1) % S;
        mbar_wait(bars + Tr::bar_full_v(sp), ((it0 + n_tiles - 1) / S) & 1);
        if (kShort && n_tiles == 1) {  // each shape issued, committed and waited for in its own block
            wgmma_fence();
            issue_pv(First{}, sp);
            wgmma_commit();
            wgmma_wait<0>();
        } else {
            wgmma_fence();
            issue_pv(Whole{}, sp);
            wgmma_commit();
            wgmma_wait<0>();
        }
        fence_acc(acc_o);
        fence_regs_u2(pa);
        mbar_arrive(bars + Tr::bar_empty_v(sp));
    }
    if (n_tiles == 0) mbar_arrive(empty_q);

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
