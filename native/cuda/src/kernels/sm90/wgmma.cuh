// wgmma.cuh — sm_90a warpgroup MMA: swizzled shared-memory matrix descriptors, wgmma fence/commit/wait,
// the register-A (WgmmaRS, O += P V) and shared-A (wgmma_ss_s, S = Q K^T) forms, and the proxy fence.
// The mbarriers and named barriers are in barriers.cuh, register rebalancing and register fences in registers.cuh.
// Everything in the three is only compiled for sm_90a: the callers guard with DA_SM90_ENABLED, defined here.
#pragma once
#include <stdint.h>

#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ >= 900) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define DA_SM90_ENABLED 1
#else
#define DA_SM90_ENABLED 0
#endif

namespace da {
namespace sm90 {

// Shared-memory matrix descriptor of a swizzled wgmma operand (kSwizzleBytes = 128, 64 or 32: the
// row width of the swizzle atom; the tile base is aligned to 8 such rows). PTX ISA "Matrix
// descriptor" / canonical layouts:
//   K-major:  8 rows of kSwizzleBytes per atom, sbo = byte stride between 8-row groups, lbo unused;
//             moving along K inside the atom row = adding the byte offset to the start address.
//   MN-major: an atom is kSwizzleBytes of MN x 8 rows of K; lbo = byte stride between atoms along
//             MN, sbo = byte stride between 8-row groups along K.
template <int kSwizzleBytes>
__device__ __forceinline__ uint64_t make_desc_sw(uint32_t smem_addr, uint32_t lbo, uint32_t sbo) {
    static_assert(kSwizzleBytes == 128 || kSwizzleBytes == 64 || kSwizzleBytes == 32, "swizzle");
    constexpr uint64_t kType = kSwizzleBytes == 128 ? 1 : (kSwizzleBytes == 64 ? 2 : 3);
    uint64_t d = 0;
    d |= static_cast<uint64_t>((smem_addr & 0x3FFFFu) >> 4);
    d |= static_cast<uint64_t>((lbo & 0x3FFFFu) >> 4) << 16;
    d |= static_cast<uint64_t>((sbo & 0x3FFFFu) >> 4) << 32;
    d |= kType << 62;  // base offset 0: every tile starts on a swizzle-pattern boundary
    return d;
}

__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void wgmma_wait() {
    asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}

// Generic-proxy shared-memory writes (st.shared, cp.async) made visible to the async proxy (wgmma).
__device__ __forceinline__ void fence_proxy_async() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }

// The wgmma forms below share their accumulator operands: DA_WGMMA_D<N> lists d[0 .. N/8 - 1][0 .. 3] as "+f"
// outputs (%0 .. %(N/2 - 1)), DA_WGMMA_ACC<N> the matching PTX register list. AB is the PTX element type (f16, bf16).
#define DA_WGMMA_D4(i) "+f"(d[i][0]), "+f"(d[i][1]), "+f"(d[i][2]), "+f"(d[i][3])
#define DA_WGMMA_D32 DA_WGMMA_D4(0), DA_WGMMA_D4(1), DA_WGMMA_D4(2), DA_WGMMA_D4(3)
#define DA_WGMMA_D64 DA_WGMMA_D32, DA_WGMMA_D4(4), DA_WGMMA_D4(5), DA_WGMMA_D4(6), DA_WGMMA_D4(7)
#define DA_WGMMA_D80 DA_WGMMA_D64, DA_WGMMA_D4(8), DA_WGMMA_D4(9)
#define DA_WGMMA_D128 \
    DA_WGMMA_D80, DA_WGMMA_D4(10), DA_WGMMA_D4(11), DA_WGMMA_D4(12), DA_WGMMA_D4(13), DA_WGMMA_D4(14), DA_WGMMA_D4(15)
#define DA_WGMMA_ACC32 "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15"
#define DA_WGMMA_ACC64 DA_WGMMA_ACC32 ", %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31"
#define DA_WGMMA_ACC80 DA_WGMMA_ACC64 ", %32, %33, %34, %35, %36, %37, %38, %39"
#define DA_WGMMA_ACC128 \
    DA_WGMMA_ACC80 ", %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, " \
                   "%59, %60, %61, %62, %63"

// D[64 x N] (+)= A[64 x 16] (registers, the m16n8k16 A-fragment layout per warp) * B[16 x N] (shared memory
// descriptor; kTransB = 0: B stored K-major, 1: N-major). A in the four registers after the accumulators, then the
// descriptor, scale_d (the predicate) and kTransB. fp32 accumulators in the m16n8 C-fragment layout per warp:
// d[4*nb + e] = (row g + 8*(e>>1), col 8*nb + 2*(lane&3) + (e&1)).
#define DA_WGMMA_RS(N, AB, A0, A1, A2, A3, DESC, PRED, TRANS)                                                      \
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %" #PRED ", 0;\n"                                              \
                 "wgmma.mma_async.sync.aligned.m64n" #N "k16.f32." AB "." AB " {" DA_WGMMA_ACC##N "}, "            \
                 "{%" #A0 ", %" #A1 ", %" #A2 ", %" #A3 "}, %" #DESC ", p, 1, 1, %" #TRANS ";\n}\n"               \
                 : DA_WGMMA_D##N                                                                                   \
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(desc_b), "r"(scale_d), "n"(kTransB))

template <int N, bool kBF16>
struct WgmmaRS {
    static_assert(N == 32 || N == 64 || N == 128, "WgmmaRS: N is 32, 64 or 128");
    template <int kTransB>
    __device__ __forceinline__ static void mma(float (&d)[N / 8][4], const uint32_t (&a)[4], uint64_t desc_b,
                                               int scale_d) {
        if constexpr (N == 32 && kBF16)
            DA_WGMMA_RS(32, "bf16", 16, 17, 18, 19, 20, 21, 22);
        else if constexpr (N == 32)
            DA_WGMMA_RS(32, "f16", 16, 17, 18, 19, 20, 21, 22);
        else if constexpr (N == 64 && kBF16)
            DA_WGMMA_RS(64, "bf16", 32, 33, 34, 35, 36, 37, 38);
        else if constexpr (N == 64)
            DA_WGMMA_RS(64, "f16", 32, 33, 34, 35, 36, 37, 38);
        else if constexpr (kBF16)
            DA_WGMMA_RS(128, "bf16", 64, 65, 66, 67, 68, 69, 70);
        else
            DA_WGMMA_RS(128, "f16", 64, 65, 66, 67, 68, 69, 70);
    }
};

// D[64 x N] (+)= A[64 x 16] * B[16 x N], both from shared-memory descriptors, K-major (the S = Q K^T GEMM with the Q
// tile in shared memory): descriptors after the accumulators, then scale_d (the predicate). N = 80 fills the first 10
// of d's 16 column blocks: S of a short first key tile (577 = 65 + 4 x 128 keys).
#define DA_WGMMA_SS(N, AB, DESC_A, DESC_B, PRED)                                                                   \
    asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %" #PRED ", 0;\n"                                              \
                 "wgmma.mma_async.sync.aligned.m64n" #N "k16.f32." AB "." AB " {" DA_WGMMA_ACC##N                  \
                 "}, %" #DESC_A ", %" #DESC_B ", p, 1, 1, 0, 0;\n}\n"                                              \
                 : DA_WGMMA_D##N                                                                                   \
                 : "l"(desc_a), "l"(desc_b), "r"(scale_d))

// One k-step of S = Q K^T, N = 128 keys (a whole key tile) or 80 (a short first tile).
template <int N, bool kBF16>
__device__ __forceinline__ void wgmma_ss_s(float (&d)[16][4], uint64_t desc_a, uint64_t desc_b, int scale_d) {
    static_assert(N == 128 || N == 80, "S tile width");
    if constexpr (N == 128 && kBF16)
        DA_WGMMA_SS(128, "bf16", 64, 65, 66);
    else if constexpr (N == 128)
        DA_WGMMA_SS(128, "f16", 64, 65, 66);
    else if constexpr (kBF16)
        DA_WGMMA_SS(80, "bf16", 40, 41, 42);
    else
        DA_WGMMA_SS(80, "f16", 40, 41, 42);
}
#undef DA_WGMMA_RS
#undef DA_WGMMA_SS
#undef DA_WGMMA_D4
#undef DA_WGMMA_D32
#undef DA_WGMMA_D64
#undef DA_WGMMA_D80
#undef DA_WGMMA_D128
#undef DA_WGMMA_ACC32
#undef DA_WGMMA_ACC64
#undef DA_WGMMA_ACC80
#undef DA_WGMMA_ACC128

}  // namespace sm90
}  // namespace da
