// traits.cuh — compile-time shape and shared-memory map of the sm_90a forward kernel.
//
// CTA = 3 warpgroups (384 threads): warpgroup 0 is the producer (one thread issues the TMA copies),
// warpgroups 1 and 2 are consumers of 64 query rows each (query tile 128 = one LSH block for l = 128,
// two for l = 64: each consumer warpgroup then has its own sigma_b).
// Shared memory (offsets from a 1024-byte aligned base):
//   Q tile        [128 rows][d]        TMA, swizzled (hashing, Q~ = Q W^T, G = 1 operand)
//   K stages      kStages x [128][d]   TMA, swizzled: wgmma B operand of S = Q~ K^T (K-major)
//   V stages      kStages x [128][d]   TMA, swizzled: wgmma B operand of O += P V (MN-major)
//   W             2 x [d][d + 8]       expansion matrices (one per LSH block), padded row-major
//   R             [128][16] fp32, comp/perm/rank 2 x [d] int32
//   mbarriers     q, fullK[s], fullV[s], emptyK[s], emptyV[s]
#pragma once
#include "tma.cuh"

namespace da {
namespace sm90 {

template <int kHeadDim_, bool kBF16_>
struct Sm90Traits {
    static constexpr int kHeadDim = kHeadDim_;
    static constexpr bool kBF16 = kBF16_;
    static constexpr int kBlockM = 128;  // query rows per CTA
    static constexpr int kWgRows = 64;   // query rows per consumer warpgroup
    static constexpr int kBlockN = 128;  // key tile
    static constexpr int kStages = 4;
    static constexpr int kNThreads = 384;
    static constexpr int kConsumerThreads = 256;
    // setmaxnreg: the CTA starts with 168 registers per thread (384 threads, 1 CTA/SM); what the
    // producer gives back covers what the consumers take (40*128 + 232*256 <= 65536).
    static constexpr int kProducerRegs = 40;
    static constexpr int kConsumerRegs = 232;
    static_assert(kProducerRegs * 128 + kConsumerRegs * 256 <= 65536, "register budget");

    using Tile = SwizzledTile<kHeadDim>;
    static constexpr int kStrideW = kHeadDim + 8;  // padded row stride (elements) of W

    static constexpr int align(int x, int a) { return (x + a - 1) / a * a; }
    static constexpr int kQBytes = kBlockM * kHeadDim * 2;
    static constexpr int kKBytes = kBlockN * kHeadDim * 2;
    static constexpr int kVBytes = kBlockN * kHeadDim * 2;
    static constexpr int kWBytes = align(kHeadDim * kStrideW * 2, 128);

    static constexpr int kOffQ = 0;
    static constexpr int kOffK = kOffQ + kQBytes;
    static constexpr int kOffV = kOffK + kStages * kKBytes;
    static constexpr int kOffW = kOffV + kStages * kVBytes;
    static constexpr int kOffR = kOffW + 2 * kWBytes;
    static constexpr int kOffComp = kOffR + kBlockM * 16 * 4;
    static constexpr int kOffPerm = kOffComp + 2 * kHeadDim * 4;
    static constexpr int kOffRank = kOffPerm + 2 * kHeadDim * 4;
    static constexpr int kOffBars = align(kOffRank + 2 * kHeadDim * 4, 8);
    static constexpr int kNumBars = 1 + 4 * kStages;
    static constexpr int kSmemBytes = kOffBars + kNumBars * 8 + 1024;  // + slack to align the base
    static_assert(kSmemBytes <= 227 * 1024, "shared memory");
    static_assert(kQBytes % 1024 == 0 && kKBytes % 1024 == 0, "tiles stay 1024-byte aligned");

    // mbarrier byte offsets inside the barrier block
    static constexpr int kBarQ = 0;
    __host__ __device__ static constexpr int bar_full_k(int s) { return 8 * (1 + s); }
    __host__ __device__ static constexpr int bar_full_v(int s) { return 8 * (1 + kStages + s); }
    __host__ __device__ static constexpr int bar_empty_k(int s) { return 8 * (1 + 2 * kStages + s); }
    __host__ __device__ static constexpr int bar_empty_v(int s) { return 8 * (1 + 3 * kStages + s); }
};

}  // namespace sm90
}  // namespace da
