// kernel_traits.cuh — compile-time shape of one forward kernel instance and its shared-memory map.
#pragma once

namespace da {

// What the portable kernel computes S from (a template parameter of fwd_kernel, chosen by the dispatcher from
// KernelConfig; da_last_kernel's "portable/exact", "portable/expand", "portable/khat"):
//   kExact:  G = 1, S = Q K^T over d (kDg == d);
//   kExpand: G > 1, S = Q~ K^T over d with Q~ = Q W^T (kDg == d; KernelConfig::expand);
//   kKHat:   G > 1, S = Q-hat K-hat^T over kDg = max(16, d/G) < d, K-hat built per key tile.
enum class PortablePath : int { kExact, kExpand, kKHat };

template <int kHeadDim_, int kDg_, int kBlockM_, int kBlockN_, bool kBF16_>
struct FwdTraits {
    static constexpr int kHeadDim = kHeadDim_;  // d
    static constexpr int kDg = kDg_;            // contraction width of S (d/G, padded to >= 16)
    static constexpr int kBlockM = kBlockM_;    // query tile == LSH block l
    static constexpr int kBlockN = kBlockN_;    // key tile m
    static constexpr bool kBF16 = kBF16_;
    static constexpr bool kHat = kDg < kHeadDim;  // the K-hat path (PortablePath::kKHat): build Q-hat / K-hat
    // Query rows per warp: 32 (two m16 tiles share every B fragment loaded from shared memory,
    // halving ldmatrix traffic) where registers allow, else 16.
    static constexpr int kMT = (kBlockM == 128 && kHeadDim <= 64) ? 2 : 1;
    static constexpr int kWarpM = 16 * kMT;
    static constexpr int kNWarps = kBlockM / kWarpM;
    static constexpr int kNThreads = kNWarps * 32;
    static constexpr int kPad = 8;                       // elements of padding per smem row
    static constexpr int kStrideD = kHeadDim + kPad;     // row stride of Q, K, V, M tiles
    static constexpr int kStrideG = kDg + kPad;          // row stride of K-hat
    static constexpr int kElt = 2;                       // bytes per element

    static_assert(kHeadDim % 16 == 0 && kDg % 16 == 0 && kBlockN % 16 == 0, "tile shapes");
    static_assert(kDg <= kHeadDim, "kDg");

    // Shared memory map (bytes). Region 0 holds the Q tile until Q-hat is in registers, then K-hat.
    // K/V stages are laid out [K0 V0 K1 V1]; stage 1 is first filled inside the key loop, so before
    // that it holds R (fp32 [kBlockM][16]) and Mq (Q-hat coefficients [kDg][d]).
    static constexpr int kQBytes = kBlockM * kStrideD * kElt;
    static constexpr int kKhatBytes = kHat ? kBlockN * kStrideG * kElt : 0;
    static constexpr int kRegion0 = kQBytes > kKhatBytes ? kQBytes : kKhatBytes;
    static constexpr int kKVTileBytes = kBlockN * kStrideD * kElt;
    static constexpr int kMBytes = kHat ? kDg * kStrideD * kElt : 0;
    static constexpr int kOffQ = 0;
    static constexpr int kOffKhat = 0;
    static constexpr int kOffKV = kRegion0;                       // stage s: K at +2s*tile, V at +(2s+1)*tile
    static constexpr int kOffR = kOffKV + 2 * kKVTileBytes;       // aliases stage 1
    static constexpr int kOffMq = kOffR + kBlockM * 16 * 4;       // aliases stage 1
    static_assert(kBlockM * 16 * 4 + kMBytes <= 2 * kKVTileBytes, "R + Mq must fit in stage 1");
    // Expand mode (PortablePath::kExpand, kDg == d): W [d][kStrideD] aliases R in stage 1 after the hash.
    static constexpr int kOffW = kOffR;
    static_assert(kHat || kHeadDim * kStrideD * kElt <= 2 * kKVTileBytes, "W must fit in stage 1");
    static constexpr int kOffMk = kOffKV + 4 * kKVTileBytes;      // K-hat group indicator [kDg][d]
    static constexpr int kOffComp = kOffMk + kMBytes;             // uint32 [d] (gray key << 8 | c)
    static constexpr int kOffPerm = kOffComp + kHeadDim * 4;      // int32 [d] sigma_b
    static constexpr int kOffRank = kOffPerm + kHeadDim * 4;      // int32 [d] position of c in sigma_b
    static constexpr int kSmemBytes = kOffRank + kHeadDim * 4;
    // Occupancy target (register cap): 2 CTAs of 8 warps / 4 CTAs of 4 warps per SM for d <= 64.
    static constexpr int kMinBlocks = kHeadDim == 128 ? 1 : (kMT == 2 ? 2 : 4);
};

}  // namespace da
