// traits.cuh — compile-time shape and shared-memory map of the sm_90a forward kernel.
//
// CTA = 3 warpgroups (384 threads): warpgroup 0 is the producer (cp.async loads of K/V tiles, K-hat
// build), warpgroups 1 and 2 are consumers of 64 query rows each (query tile 128 = l, one sigma_b).
// Shared memory (bytes, all offsets multiples of 128):
//   Q tile    [128][d+8]   padded row-major (hashing, Q-hat via mma.sync)
//   R         [128][16]    fp32
//   Mq, Mk    [kDg][d+8]   grouping matrices (G > 1)
//   comp/perm/rank [d]     int32
//   stages s < kStages:  Kraw [BN][d+8] (G > 1: raw K tile, read by the producer only),
//                        V    [BN][d]   wgmma B operand, N-major, no-swizzle core matrices
//                        Khat [BN][kDg] wgmma B operand, K-major, no-swizzle core matrices
//   mbarriers full[kStages], empty[kStages]
#pragma once

namespace da {
namespace sm90 {

template <int kHeadDim_, int kDg_, int kBlockN_, int kStages_, bool kBF16_>
struct Sm90Traits {
    static constexpr int kHeadDim = kHeadDim_;
    static constexpr int kDg = kDg_;
    static constexpr int kBlockM = 128;
    static constexpr int kBlockN = kBlockN_;
    static constexpr int kStages = kStages_;
    static constexpr bool kBF16 = kBF16_;
    static constexpr bool kHat = kDg < kHeadDim;
    static constexpr int kNThreads = 384;
    // setmaxnreg: the CTA starts with 168 registers per thread (384 threads, 1 CTA/SM); what the
    // producer gives back must cover what the consumers take.
    static constexpr int kProducerRegs = 64;
    static constexpr int kConsumerRegs = 216;
    static constexpr int kStrideD = kHeadDim + 8;  // padded row stride (elements) of Q, Kraw, Mq, Mk
    static constexpr int kElt = 2;

    static_assert(kHeadDim % 16 == 0 && kDg % 16 == 0 && kDg <= kHeadDim, "shapes");
    static_assert(kBlockN == 64 || kBlockN == 128, "key tile");
    static_assert(kProducerRegs * 128 + kConsumerRegs * 256 <= 168 * 384, "register budget");

    // Core-matrix strides of the wgmma operands (bytes).
    static constexpr int kKhatLBO = 128;              // along K (kDg)
    static constexpr int kKhatSBO = kDg * 16;         // along N (keys): 8 rows x kDg columns
    static constexpr int kVLBO = 128;                 // along K (keys)
    static constexpr int kVSBO = kBlockN * 16;        // along N (head dim): 8 columns x BN keys

    static constexpr int align128(int x) { return (x + 127) / 128 * 128; }
    static constexpr int kQBytes = align128(kBlockM * kStrideD * kElt);
    static constexpr int kRBytes = kBlockM * 16 * 4;
    static constexpr int kMBytes = kHat ? align128(kDg * kStrideD * kElt) : 0;
    static constexpr int kKrawBytes = kHat ? align128(kBlockN * kStrideD * kElt) : 0;
    static constexpr int kVBytes = kBlockN * kHeadDim * kElt;
    static constexpr int kKhatBytes = kBlockN * kDg * kElt;
    static constexpr int kStageBytes = kKrawBytes + kVBytes + kKhatBytes;

    static constexpr int kOffQ = 0;
    static constexpr int kOffR = kOffQ + kQBytes;
    static constexpr int kOffMq = kOffR + kRBytes;
    static constexpr int kOffMk = kOffMq + kMBytes;
    static constexpr int kOffComp = kOffMk + kMBytes;
    static constexpr int kOffPerm = kOffComp + kHeadDim * 4;
    static constexpr int kOffRank = kOffPerm + kHeadDim * 4;
    static constexpr int kOffStages = align128(kOffRank + kHeadDim * 4);
    static constexpr int kOffBars = kOffStages + kStages * kStageBytes;
    static constexpr int kSmemBytes = kOffBars + 2 * kStages * 8;
    static_assert(kSmemBytes <= 227 * 1024, "shared memory");

    // Offsets inside stage s.
    static constexpr int kStageKraw = 0;
    static constexpr int kStageV = kKrawBytes;
    static constexpr int kStageKhat = kKrawBytes + kVBytes;
};

}  // namespace sm90
}  // namespace da
