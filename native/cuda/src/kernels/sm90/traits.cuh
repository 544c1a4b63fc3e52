// traits.cuh — compile-time shape and shared-memory map of the sm_90a attention kernel.
//
// Persistent CTA (one per SM, looping over query tiles) = 1 producer warpgroup (one thread issues the
// TMA copies) + kNWG consumer warpgroups of 64 query rows each (query tile 64 * kNWG). The kernel is
// exact attention on its "Q" input, which for G > 1 is Q~ written by the hashing pre-pass
// (../hash/qtilde_kernel.cuh).
//   kPingPong: consumer warpgroups take turns issuing their GEMMs (named barriers), so one warpgroup's
//              softmax overlaps another's tensor-core work;
// Inside a warpgroup, S(j) and O += P(j-1) V(j-1) are issued back to back (FA3's intra-warpgroup
// overlap); in the SASS ptxas waits for PV(j-1) before the softmax of S(j), so only the ping-pong
// between warpgroups overlaps softmax with tensor-core work (ncu profile, docs/performance.md).
// Shared memory (offsets from a 1024-byte aligned base):
//   Q tiles     2 x [64 kNWG][d]     TMA, swizzled: wgmma A operand of S = Q K^T (K-major); two, so
//                                    that a persistent CTA loads its next tile's Q during this one
//   K stages    kStages x [128][d]   TMA, swizzled: wgmma B operand of S (K-major)
//   V stages    kStages x [128][d]   TMA, swizzled: wgmma B operand of O += P V (MN-major)
//   mbarriers   fullQ[2], emptyQ[2], fullK[s], fullV[s], emptyK[s], emptyV[s]
#pragma once
#include "tma.cuh"

namespace da {
namespace sm90 {

template <int kHeadDim_, int kNWG_, bool kPingPong_, bool kBF16_, int kStages_ = 4>
struct Sm90Traits {
    static constexpr int kHeadDim = kHeadDim_;
    static constexpr int kNWG = kNWG_;
    static constexpr bool kPingPong = kPingPong_;
    static constexpr bool kBF16 = kBF16_;
    static constexpr int kWgRows = 64;
    static constexpr int kBlockM = kWgRows * kNWG;  // query rows per CTA
    static constexpr int kBlockN = 128;             // key tile
    static constexpr int kShortN = 80;              // width of a short first key tile (n80 wgmma)
    static constexpr int kStages = kStages_;  // K/V pipeline depth (4 measured best, kernel-h200-tuning.md)
    static constexpr int kConsumerThreads = 128 * kNWG;
    static constexpr int kNThreads = 128 + kConsumerThreads;
    // setmaxnreg: the CTA starts with 65536 / kNThreads registers per thread (1 CTA/SM); what the
    // producer warpgroup gives back covers what the consumers take.
    static constexpr int kProducerRegs = kNWG == 2 ? 40 : 24;
    static constexpr int kConsumerRegs = kNWG == 2 ? 232 : 160;
    static_assert(kNWG == 2 || kNWG == 3, "consumer warpgroups");
    static_assert(kProducerRegs * 128 + kConsumerRegs * kConsumerThreads <= 65536, "register budget");

    using Tile = SwizzledTile<kHeadDim>;
    static_assert(Tile::kBoxes == 1, "one TMA box per tile row (d <= 64)");

    static constexpr int align(int x, int a) { return (x + a - 1) / a * a; }
    static constexpr int kQBytes = kBlockM * kHeadDim * 2;
    static constexpr int kKBytes = kBlockN * kHeadDim * 2;
    static constexpr int kVBytes = kBlockN * kHeadDim * 2;

    static constexpr int kOffQ = 0;  // Q buffer q at kOffQ + q * kQBytes
    static constexpr int kOffK = align(kOffQ + 2 * kQBytes, 1024);
    static constexpr int kOffV = kOffK + kStages * kKBytes;
    static constexpr int kOffBars = kOffV + kStages * kVBytes;
    static constexpr int kNumBars = 4 + 4 * kStages;
    static constexpr int kSmemBytes = kOffBars + kNumBars * 8 + 1024;  // + slack to align the base
    static_assert(kSmemBytes <= 227 * 1024, "shared memory");
    static_assert(kKBytes % 1024 == 0, "tiles stay 1024-byte aligned");

    // Key tiling of a query tile with n_tiles key tiles: tile 0 = keys [0, first), tile j >= 1 = keys
    // [first + (j-1) kBlockN, first + j kBlockN). Non-causal, the partial tile comes first, so that every
    // other tile is whole and unmasked, and a first tile of <= kShortN keys is computed kShortN wide (S, softmax
    // and PV; N = 577: 65 + 4 x 128 keys, 7.5% less work than 5 x 128); causal keeps first = kBlockN.
    __host__ __device__ static int first_keys(int nk, int n_tiles, bool causal) {
        return causal || n_tiles == 0 ? kBlockN : nk - (n_tiles - 1) * kBlockN;
    }
    __host__ __device__ static int key0(int j, int first) { return j == 0 ? 0 : first + (j - 1) * kBlockN; }
    // Whether key tile 0 takes the kShortN-wide instance of the consumer (mainloop.cuh).
    __host__ __device__ static bool short_first(int first, bool causal) { return first <= kShortN && !causal; }

    // mbarrier byte offsets inside the barrier block
    __host__ __device__ static constexpr int bar_full_q(int q) { return 8 * q; }
    __host__ __device__ static constexpr int bar_empty_q(int q) { return 8 * (2 + q); }
    __host__ __device__ static constexpr int bar_full_k(int s) { return 8 * (4 + s); }
    __host__ __device__ static constexpr int bar_full_v(int s) { return 8 * (4 + kStages + s); }
    __host__ __device__ static constexpr int bar_empty_k(int s) { return 8 * (4 + 2 * kStages + s); }
    __host__ __device__ static constexpr int bar_empty_v(int s) { return 8 * (4 + 3 * kStages + s); }
};

}  // namespace sm90
}  // namespace da
