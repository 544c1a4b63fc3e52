// softmax.cuh — masking and the fp32 online softmax on an m16 x kBlockN score fragment.
// Each thread holds two rows (g and g+8 of its warp's 16): s[nb][0..1] row g, s[nb][2..3] row g+8.
// Row maxima are tracked unscaled; exp2 with the scale folded into log2(e).
// A row that has seen only masked keys keeps max = -inf and sum = 0 (no NaN: the exponent base
// is taken as 0 then), so the final output is 0 and lse = -inf.
#pragma once
#include "utils.cuh"

namespace da {

template <int NB>
__device__ __forceinline__ void apply_mask(float (&s)[NB][4], int n0, int row_g, int nk, bool causal,
                                           int causal_off, int lane) {
#pragma unroll
    for (int nb = 0; nb < NB; ++nb)
#pragma unroll
        for (int e = 0; e < 4; ++e) {
            const int col = n0 + nb * 8 + 2 * (lane & 3) + (e & 1);
            const int row = row_g + (e >> 1) * 8;
            if (col >= nk || (causal && col > row + causal_off)) s[nb][e] = -INFINITY;
        }
}

// Updates max/sum, rescales the output accumulator, turns s into probabilities (unnormalised).
template <int NB, int NO>
__device__ __forceinline__ void online_softmax(float (&s)[NB][4], float (&acc_o)[NO][4], float (&row_max)[2],
                                               float (&row_sum)[2], float scale_log2) {
#pragma unroll
    for (int r = 0; r < 2; ++r) {
        float mx = row_max[r];
#pragma unroll
        for (int nb = 0; nb < NB; ++nb) mx = fmaxf(mx, fmaxf(s[nb][2 * r], s[nb][2 * r + 1]));
        mx = quad_max(mx);
        const float m_use = (mx == -INFINITY) ? 0.f : mx;
        const float alpha = ex2f((row_max[r] - m_use) * scale_log2);
        row_max[r] = mx;
        const float ms = m_use * scale_log2;
        float sum = 0.f;
#pragma unroll
        for (int nb = 0; nb < NB; ++nb) {
            const float p0 = ex2f(fmaf(s[nb][2 * r], scale_log2, -ms));
            const float p1 = ex2f(fmaf(s[nb][2 * r + 1], scale_log2, -ms));
            s[nb][2 * r] = p0;
            s[nb][2 * r + 1] = p1;
            sum += p0 + p1;
        }
        row_sum[r] = row_sum[r] * alpha + sum;
#pragma unroll
        for (int no = 0; no < NO; ++no) {
            acc_o[no][2 * r] *= alpha;
            acc_o[no][2 * r + 1] *= alpha;
        }
    }
}

// Same as online_softmax, but writes P already packed as the PV A operand halves:
// pk[nb][r] = (p[row r][col 2t], p[row r][col 2t+1]) as two 16-bit elements.
// Default (fp16 and bf16): fp32 ex2 and fp32 row sum, then rounded pairs (bit-identical to v3).
// With DA_SOFTMAX_EX2_F16X2 (fp16 only): the exponent argument is computed in fp32, rounded once to
// fp16 and exponentiated two at a time with ex2.approx.f16x2; the row sum adds exactly those fp16
// probabilities (half2 tree per tile, fp32 across tiles).
// ex2.approx.f16x2 for fp16 is an experiment, off by default: on sm_90 ptxas splits it into two
// MUFU.EX2.F16 (no MUFU saving) and the bar shape got 2% slower (bench/kernel/NOTES.md, v4).
#ifdef DA_SOFTMAX_EX2_F16X2
constexpr bool kEx2F16x2 = true;
#else
constexpr bool kEx2F16x2 = false;
#endif
template <int NB, int NO, bool kBF16>
__device__ __forceinline__ void online_softmax_packed(float (&s)[NB][4], uint32_t (&pk)[NB][2],
                                                      float (&acc_o)[NO][4], float (&row_max)[2],
                                                      float (&row_sum)[2], float scale_log2) {
#pragma unroll
    for (int r = 0; r < 2; ++r) {
        float mx = row_max[r];
#pragma unroll
        for (int nb = 0; nb < NB; ++nb) mx = fmaxf(mx, fmaxf(s[nb][2 * r], s[nb][2 * r + 1]));
        mx = quad_max(mx);
        const float m_use = (mx == -INFINITY) ? 0.f : mx;
        const float alpha = ex2f((row_max[r] - m_use) * scale_log2);
        row_max[r] = mx;
        const float ms = m_use * scale_log2;
        float sum;
        if constexpr (kBF16 || !kEx2F16x2) {
            sum = 0.f;
#pragma unroll
            for (int nb = 0; nb < NB; ++nb) {
                const float p0 = ex2f(fmaf(s[nb][2 * r], scale_log2, -ms));
                const float p1 = ex2f(fmaf(s[nb][2 * r + 1], scale_log2, -ms));
                pk[nb][r] = Elem<kBF16>::pack(p0, p1);
                sum += p0 + p1;
            }
        } else {
            uint32_t part[NB];
#pragma unroll
            for (int nb = 0; nb < NB; ++nb) {
                const float x0 = fmaf(s[nb][2 * r], scale_log2, -ms);
                const float x1 = fmaf(s[nb][2 * r + 1], scale_log2, -ms);
                pk[nb][r] = ex2_f16x2(Elem<false>::pack(x0, x1));
                part[nb] = pk[nb][r];
            }
#pragma unroll
            for (int w = 1; w < NB; w *= 2)
#pragma unroll
                for (int nb = 0; nb + w < NB; nb += 2 * w) part[nb] = hadd2_u32(part[nb], part[nb + w]);
            const float2 f = Elem<false>::to_float2(part[0]);
            sum = f.x + f.y;
        }
        row_sum[r] = row_sum[r] * alpha + sum;
#pragma unroll
        for (int no = 0; no < NO; ++no) {
            acc_o[no][2 * r] *= alpha;
            acc_o[no][2 * r + 1] *= alpha;
        }
    }
}

}  // namespace da
