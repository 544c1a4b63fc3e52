// lsh_tc.cuh — docs/semantics.md steps 1-2 on tensor cores, with the sign bits of the bit-exact fp32 hash.
//
// The projections P^T = R^T Q of a block (16 x d, contraction over the l rows) are one mma.sync
// GEMM per warp (8 columns each): Q is exact in fp16/bf16, R is split into fp16 hi + lo (bf16: hi +
// mid + lo) so that the parts sum to R within 2^-22 |R|, and |R_hi|^T |Q| is accumulated beside it as
// the magnitude m = sum_i |q_i r_ij|. A projection whose tensor-core value is within kTieRel * m of 0
// could have the other sign in the reference's order of fp32 fmas (rounding bound of a 128-term fma
// chain: 128 * 2^-24 m = 7.6e-6 m), so exactly those (about 0.05% on random data) are recomputed by
// their lane with the reference's fma chain (i = 0 .. rows-1). All other signs are certain, so the
// bits equal da_reference_permutation's: bit-exact, without 16 * d * l serial fmas per block.
// recompute_ties = false (DA_FLAG_DEBUG_NO_TIE_RECOMPUTE, tests only) keeps the tensor-core signs, to show
// that the recomputation is what makes near-tie inputs bit-exact.
#pragma once
#include "kernels/common/smem_access.cuh"
#include "kernels/common/utils.cuh"
#include "lsh.cuh"

namespace da {

constexpr float kTieRel = 1e-4f;

// R^T split into parts (fp16: 2, bf16: 3) and |hi|, each [16][kRowsPad] in shared memory, from
// R [l][16] fp32 (l = Tr::kMaxRows) in global memory, and R itself copied to sR ([l][16] fp32, shared) for the rare exact
// recomputations. kRowsPad = rows + 8 (conflict-free ldmatrix).
template <bool kBF16, int kMaxRows>
struct LshTcLayout {
    static constexpr int kParts = kBF16 ? 3 : 2;
    static constexpr int kRowsPad = kMaxRows + 8;
    static constexpr int kBytes = (kParts + 1) * 16 * kRowsPad * 2;
};

template <typename Tr>
__device__ __forceinline__ void lsh_tc_stage_r(typename Elem<Tr::kBF16>::T* sRt, float* sR, const float* r) {
    using E = Elem<Tr::kBF16>;
    using T = typename E::T;
    using L = LshTcLayout<Tr::kBF16, Tr::kMaxRows>;
    constexpr int NT = Tr::kNThreads;
    constexpr int kCopy = Tr::kMaxRows * 16 / NT;  // R as it is, for sR
    // The split goes by units of two rows i = 2 * ip, 2 * ip + 1 of one projection j, stored as one 32-bit pair in each
    // part's row j. A warp's 32 units are 8 projections x 4 row pairs: row j starts kRowsPad / 2 = 4 (mod 32) banks
    // after row j - 1, so the 32 stores hit 32 banks (one 16-bit store per element was 2-way conflicted).
    constexpr int kUnits = Tr::kMaxRows * 8;
    constexpr int kPerThread = kUnits / NT;
    static_assert(kCopy * NT == Tr::kMaxRows * 16 && kPerThread * NT == kUnits && (L::kRowsPad / 2) % 32 == 4,
                  "R split work");
    float x[kCopy], y[kPerThread][2];  // every load first: one L2 latency, not one per element
    int js[kPerThread], ips[kPerThread];
#pragma unroll
    for (int k = 0; k < kCopy; ++k) x[k] = r[threadIdx.x + k * NT];
#pragma unroll
    for (int k = 0; k < kPerThread; ++k) {
        const int u = threadIdx.x + k * NT;
        const int lane = u & 31, wu = u >> 5;
        js[k] = (lane & 7) + 8 * (wu & 1);
        ips[k] = (lane >> 3) + 4 * (wu >> 1);
        y[k][0] = r[(2 * ips[k]) * 16 + js[k]];
        y[k][1] = r[(2 * ips[k] + 1) * 16 + js[k]];
    }
#pragma unroll
    for (int k = 0; k < kCopy; ++k) sR[threadIdx.x + k * NT] = x[k];
#pragma unroll
    for (int k = 0; k < kPerThread; ++k) {
        const int j = js[k], ip = ips[k];
        float rest0 = y[k][0], rest1 = y[k][1];
        float hi0 = 0.f, hi1 = 0.f;
#pragma unroll
        for (int p = 0; p < L::kParts; ++p) {
            const float part0 = static_cast<float>(T(rest0));  // round to nearest; the residual is exact in fp32
            const float part1 = static_cast<float>(T(rest1));
            if (p == 0) {
                hi0 = part0;
                hi1 = part1;
            }
            rest0 -= part0;
            rest1 -= part1;
            *reinterpret_cast<uint32_t*>(sRt + (p * 16 + j) * L::kRowsPad + 2 * ip) = E::pack(part0, part1);
        }
        *reinterpret_cast<uint32_t*>(sRt + (L::kParts * 16 + j) * L::kRowsPad + 2 * ip) = E::pack(fabsf(hi0), fabsf(hi1));
    }
}

// Composite keys (inverse Gray code of the 16 sign bits << 8 | c) of every column into sComp. sQ holds
// the block's rows, zero from row `rows` up to rows32 (a multiple of 32); one warp per 8 columns. sR is R [l][16]
// fp32 in shared memory (lsh_tc_stage_r), so that a recomputation's chain of `rows` dependent fmas waits on no L2 load.
template <typename Tr>
__device__ __forceinline__ void lsh_tc_keys(const typename Elem<Tr::kBF16>::T* sQ, const typename Elem<Tr::kBF16>::T* sRt,
                                            const float* sR, uint32_t* sComp, int rows, int rows32,
                                            bool recompute_ties = true) {
    using E = Elem<Tr::kBF16>;
    using L = LshTcLayout<Tr::kBF16, Tr::kMaxRows>;
    constexpr int SD = Tr::kStrideD;
    static_assert(Tr::kNThreads == Tr::kHeadDim * 4, "one warp per 8 columns");
    const int lane = threadIdx.x & 31;
    const int c0 = (threadIdx.x >> 5) * 8;
    float acc[4] = {0.f, 0.f, 0.f, 0.f};
    float mag[4] = {0.f, 0.f, 0.f, 0.f};
    for (int k0 = 0; k0 < rows32; k0 += 32) {
        uint32_t b[4];  // B = Q[k0 .. k0+31][c0 .. c0+7]: b0,b1 of two k-steps
        ldsm_x4_t(b[0], b[1], b[2], b[3], smem_u32(sQ + (k0 + lane) * SD + c0));
#pragma unroll
        for (int kk = 0; kk < 2; ++kk) {
            const int k = k0 + 16 * kk;
            uint32_t a[4];
#pragma unroll
            for (int p = 0; p < L::kParts; ++p) {
                ldsm_x4(a[0], a[1], a[2], a[3], addr_a<L::kRowsPad>(sRt + p * 16 * L::kRowsPad, 0, k, lane));
                E::mma(acc, a, b[2 * kk], b[2 * kk + 1]);
            }
            ldsm_x4(a[0], a[1], a[2], a[3], addr_a<L::kRowsPad>(sRt + L::kParts * 16 * L::kRowsPad, 0, k, lane));
            E::mma(mag, a, b[2 * kk] & 0x7fff7fffu, b[2 * kk + 1] & 0x7fff7fffu);  // |q|: sign bits cleared
        }
    }
    // acc[e]: projection j = lane/4 + 8*(e>>1) of column c0 + 2*(lane%4) + (e&1)
#pragma unroll
    for (int e = 0; e < 4; ++e) {
        if (recompute_ties && !(fabsf(acc[e]) > kTieRel * mag[e])) {  // near a sign tie (or a zero column): the reference's chain
            const int c = c0 + 2 * (lane & 3) + (e & 1);
            const int j = (lane >> 2) + 8 * (e >> 1);
            float p = 0.f;
#pragma unroll 8
            for (int i = 0; i < rows; ++i) p = __fmaf_rn(E::to_float(sQ[i * SD + c]), sR[i * 16 + j], p);
            acc[e] = p;
        }
    }
    uint32_t ballot[4];
#pragma unroll
    for (int e = 0; e < 4; ++e) ballot[e] = __ballot_sync(0xffffffffu, acc[e] > 0.f);
    if (lane < 8) {
        // column c0 + lane: its bits j = 0..7 sit at ballot bits 4j + lane/2 of ballot[lane & 1], j = 8..15
        // in ballot[2 + (lane & 1)]; gather every 4th bit.
        auto gather = [](uint32_t x) {
            x &= 0x11111111u;
            x = (x | (x >> 3)) & 0x03030303u;
            x = (x | (x >> 6)) & 0x000f000fu;
            return (x | (x >> 12)) & 0xffu;
        };
        const int q = lane >> 1;
        const uint32_t lo = gather((lane & 1 ? ballot[1] : ballot[0]) >> q);
        const uint32_t hi = gather((lane & 1 ? ballot[3] : ballot[2]) >> q);
        const int c = c0 + lane;
        sComp[c] = (inverse_gray16(lo | (hi << 8)) << 8) | static_cast<uint32_t>(c);
    }
}

}  // namespace da
