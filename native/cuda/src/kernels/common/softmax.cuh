// softmax.cuh — masking and the fp32 online softmax on an m16 x kBlockN score fragment.
// Each thread holds two rows (g and g+8 of its warp's 16): s[nb][0..1] row g, s[nb][2..3] row g+8.
// Row maxima are tracked unscaled; exp2 with the scale folded into log2(e).
// A row that has seen only masked keys keeps max = -inf and sum = 0 (no NaN: the exponent base
// is taken as 0 then), so the final output is 0 and lse = -inf.
#pragma once
#include "utils.cuh"

namespace da {

// Masks the first NB of s's column blocks (NB < NA: a short key tile held in a full-width accumulator).
template <int NB, int NA>
__device__ __forceinline__ void apply_mask(float (&s)[NA][4], int n0, int row_g, int nk, bool causal,
                                           int causal_off, int lane) {
    static_assert(NB <= NA, "mask width");
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

}  // namespace da
