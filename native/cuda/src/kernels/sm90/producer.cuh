// producer.cuh — producer warpgroup of the sm_90a kernel (128 threads, warps 0-3).
//
// Per key tile j (stage s = j % kStages):
//   cp.async K (raw, padded row-major; or for G = 1 straight into the K-hat operand layout) and V
//   (wgmma N-major operand layout) — rows >= Nk are zero-filled;
//   after the tile landed: K-hat = K Mk^T on tensor cores (mma.sync, fp32 sums, one rounding),
//   written once in the wgmma K-major operand layout for both consumer warpgroups;
//   fence.proxy.async, then arrive on full[s] (count 128).
// A stage is refilled after the consumers arrived on empty[s] (count 256). Tiles are issued
// kStages ahead; cp.async groups: the prologue commits kStages groups (tiles 0..kStages-1), then
// iteration j >= 1 commits one (tile j-1+kStages, possibly empty), so tile j is always group j.
#pragma once
#include "../smem_access.cuh"
#include "../utils.cuh"
#include "traits.cuh"
#include "wgmma.cuh"

namespace da {
namespace sm90 {

// Issues the cp.async copies of key tile `tile` into stage buffer `stage_base` (tid: 0..127).
template <typename Tr, typename T>
__device__ __forceinline__ void producer_issue(unsigned char* stage_base, const T* gK, const T* gV, int64_t k_rs,
                                               int64_t v_rs, int tile, int nk, int tid) {
    constexpr int D = Tr::kHeadDim;
    constexpr int BN = Tr::kBlockN;
    constexpr int CPR = D / 8;            // 16-byte chunks per row
    constexpr int ROWS_PER_IT = 128 / CPR;  // rows covered by one pass of the 128 producer threads
    static_assert(16 % CPR == 0 || CPR == 16, "chunk mapping");
    static_assert(BN % ROWS_PER_IT == 0, "tile split");
    // Thread -> (row, chunk): lanes 0..7 of an 8-lane phase take 8 consecutive rows of one chunk
    // (conflict-free 128-byte shared stores in the core-matrix layouts; 4 chunks x 8 rows per warp in
    // global memory). The chunk is fixed per thread; the row advances by ROWS_PER_IT per pass.
    const int ch = (tid >> 3) % CPR;
    const int row_t = ((tid >> 3) / CPR) * 8 + (tid & 7);
    const int grow0 = tile * BN + row_t;
    const T* pk = gK + static_cast<int64_t>(grow0) * k_rs + ch * 8;
    const T* pv = gV + static_cast<int64_t>(grow0) * v_rs + ch * 8;
    const int64_t step_k = static_cast<int64_t>(ROWS_PER_IT) * k_rs;
    const int64_t step_v = static_cast<int64_t>(ROWS_PER_IT) * v_rs;
    const uint32_t base = smem_u32(stage_base);
    // V: N-major core matrices: chunk (row, ch) at ch*SBO + row*16
    uint32_t dv = base + Tr::kStageV + ch * Tr::kVSBO + row_t * 16;
    // K: raw padded row-major (G > 1) or K-major core matrices (G = 1): (row/8)*SBO + ch*LBO + (row%8)*16
    uint32_t dk = Tr::kHat ? base + Tr::kStageKraw + (row_t * Tr::kStrideD + ch * 8) * 2
                           : base + Tr::kStageKhat + (row_t >> 3) * Tr::kKhatSBO + ch * Tr::kKhatLBO + (row_t & 7) * 16;
    constexpr uint32_t dk_step = Tr::kHat ? ROWS_PER_IT * Tr::kStrideD * 2 : (ROWS_PER_IT / 8) * Tr::kKhatSBO;
#pragma unroll 4
    for (int it = 0; it < BN / ROWS_PER_IT; ++it) {
        const bool ok = grow0 + it * ROWS_PER_IT < nk;
        cp_async_16(dv, ok ? static_cast<const void*>(pv) : static_cast<const void*>(gV), ok);
        cp_async_16(dk, ok ? static_cast<const void*>(pk) : static_cast<const void*>(gK), ok);
        pk += step_k;
        pv += step_v;
        dv += ROWS_PER_IT * 16;
        dk += dk_step;
    }
}

// K-hat tile = Kraw (BN x d) * Mk^T (d x kDg) on tensor cores, stored in the K-major operand layout.
template <typename Tr, typename T>
__device__ __forceinline__ void producer_build_khat(const T* sKraw, const T* sMk, unsigned char* sKhat, int warp,
                                                    int lane) {
    using E = Elem<Tr::kBF16>;
    constexpr int NP = Tr::kDg / 16;
    constexpr int UNITS = (Tr::kBlockN / 16) * NP;
#pragma unroll 1
    for (int u = warp; u < UNITS; u += 4) {
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
            ldsm_x4(a[0], a[1], a[2], a[3], addr_a<Tr::kStrideD>(sKraw, mt * 16, ks * 16, lane));
            ldsm_x4(b0, b1, b2, b3, addr_b<Tr::kStrideD>(sMk, np * 16, ks * 16, lane));
            E::mma(c[0], a, b0, b1);
            E::mma(c[1], a, b2, b3);
        }
        const int row = mt * 16 + (lane >> 2);  // and row + 8: same (row & 7), next core-matrix row block
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int col = np * 16 + h * 8 + 2 * (lane & 3);
            const int off = (row >> 3) * Tr::kKhatSBO + (col >> 3) * Tr::kKhatLBO + (row & 7) * 16 + (col & 7) * 2;
            *reinterpret_cast<uint32_t*>(sKhat + off) = E::pack(c[h][0], c[h][1]);
            *reinterpret_cast<uint32_t*>(sKhat + off + Tr::kKhatSBO) = E::pack(c[h][2], c[h][3]);
        }
    }
}

template <typename Tr, typename T>
__device__ __forceinline__ void producer_prologue(unsigned char* smem, const T* gK, const T* gV, int64_t k_rs,
                                                  int64_t v_rs, int n_tiles, int nk, int tid) {
#pragma unroll 1
    for (int t = 0; t < Tr::kStages; ++t) {
        if (t < n_tiles)
            producer_issue<Tr>(smem + Tr::kOffStages + t * Tr::kStageBytes, gK, gV, k_rs, v_rs, t, nk, tid);
        cp_async_commit();
    }
}

template <typename Tr, typename T>
__device__ __forceinline__ void producer_loop(unsigned char* smem, const T* gK, const T* gV, int64_t k_rs,
                                              int64_t v_rs, int n_tiles, int nk, int tid) {
    constexpr int S = Tr::kStages;
    const int warp = tid >> 5;
    const int lane = tid & 31;
    const uint32_t bars = smem_u32(smem + Tr::kOffBars);  // full[s] at +8s, empty[s] at +8(S+s)
    const T* sMk = reinterpret_cast<const T*>(smem + Tr::kOffMk);
#pragma unroll 1
    for (int j = 0; j < n_tiles; ++j) {
        const int s = j % S;
        unsigned char* st = smem + Tr::kOffStages + s * Tr::kStageBytes;
        if (j == 0)
            cp_async_wait<S - 1>();
        else
            cp_async_wait<S - 2>();
        if constexpr (Tr::kHat) {
            named_bar_sync(1, 128);  // every producer thread's copies of tile j have landed
            producer_build_khat<Tr>(reinterpret_cast<const T*>(st + Tr::kStageKraw), sMk, st + Tr::kStageKhat, warp,
                                    lane);
        }
        fence_proxy_async();  // V (cp.async) and K-hat (st.shared) -> visible to wgmma
        mbar_arrive(bars + 8 * s);
        if (j >= 1) {
            const int t = j - 1;
            const int ts = t % S;
            if (t + S < n_tiles) {
                mbar_wait(bars + 8 * (S + ts), (t / S) & 1);  // consumers are done with tile t
                producer_issue<Tr>(smem + Tr::kOffStages + ts * Tr::kStageBytes, gK, gV, k_rs, v_rs, t + S, nk, tid);
            }
            cp_async_commit();
        }
    }
}

}  // namespace sm90
}  // namespace da
