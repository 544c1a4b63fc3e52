// qtilde_backward_kernel.cuh — the adjoint of Q -> Q~ (da_qtilde_backward): one CTA per (LSH block, head,
// batch) reads its block's dQ~ rows and sigma_b, and writes dQ. Group g = sigma_b[g*G .. g*G+G-1];
// Mean: every column of a group gets the group's mean of dQ~; Sample: its first column gets the sum and
// the others 0 (fp32 sums, one rounding). A memory-bound pass: coalesced 16-byte tile loads and stores,
// the scattered column reads in shared memory.
#pragma once
#include "common/fwd_args.h"
#include "common/prepass_args.h"
#include "kernels/common/utils.cuh"

namespace da {

template <int D, bool BF16>
struct QtildeBackwardTraits {
    static constexpr int kHeadDim = D;
    static constexpr int kNThreads = 128;
    static constexpr int kMaxRows = 128;
    static constexpr int kStrideD = D + 8;  // 16-byte row padding: fewer bank conflicts in the column reads
    static constexpr int kSmemBytes = kMaxRows * kStrideD * 2 + D * 4;
};

template <int D, bool BF16, GroupMode kMode>
__global__ void __launch_bounds__(128) qtilde_backward_kernel(const QtildeBackwardArgs p) {
    using Tr = QtildeBackwardTraits<D, BF16>;
    using E = Elem<BF16>;
    using T = typename E::T;
    constexpr int SD = Tr::kStrideD;
    constexpr int CPR = D / 8;  // 16-byte chunks per row
    extern __shared__ __align__(16) unsigned char smem[];
    T* sX = reinterpret_cast<T*>(smem);
    int32_t* sPerm = reinterpret_cast<int32_t*>(smem + Tr::kMaxRows * SD * 2);
    const int tid = threadIdx.x;
    const int blk = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    const int r0 = blk * p.block_l;
    const int rows = min(p.block_l, p.nq - r0);

    const int32_t* gPerm = p.perm + ((static_cast<int64_t>(b) * p.heads + h) * p.n_blocks + blk) * D;
    for (int t = tid; t < D; t += Tr::kNThreads) sPerm[t] = gPerm[t];
    const T* gS = static_cast<const T*>(p.dqt) + b * p.src_bs + h * p.src_hs + static_cast<int64_t>(r0) * p.src_rs;
    for (int id = tid; id < rows * CPR; id += Tr::kNThreads) {
        const int r = id / CPR, ch = id - r * CPR;
        *reinterpret_cast<uint4*>(sX + r * SD + ch * 8) =
            *reinterpret_cast<const uint4*>(gS + static_cast<int64_t>(r) * p.src_rs + ch * 8);
    }
    __syncthreads();
    // One (row, group) per item; a group's columns belong to no other item, so the update is in place.
    const int G = p.group;
    const int groups = D / G;
    const float mean = 1.f / static_cast<float>(G);
    for (int item = tid; item < rows * groups; item += Tr::kNThreads) {
        const int r = item / groups, g = item - r * groups;
        T* row = sX + r * SD;
        float sum = 0.f;
        for (int j = 0; j < G; ++j) sum += E::to_float(row[sPerm[g * G + j]]);
        if constexpr (kMode == GroupMode::kMean) {
            const T value = E::from_float(sum * mean);
            for (int j = 0; j < G; ++j) row[sPerm[g * G + j]] = value;
        } else {
            row[sPerm[g * G]] = E::from_float(sum);
            for (int j = 1; j < G; ++j) row[sPerm[g * G + j]] = E::from_float(0.f);
        }
    }
    __syncthreads();
    T* gD = static_cast<T*>(p.dq) + b * p.dst_bs + h * p.dst_hs + static_cast<int64_t>(r0) * p.dst_rs;
    for (int id = tid; id < rows * CPR; id += Tr::kNThreads) {
        const int r = id / CPR, ch = id - r * CPR;
        *reinterpret_cast<uint4*>(gD + static_cast<int64_t>(r) * p.dst_rs + ch * 8) =
            *reinterpret_cast<const uint4*>(sX + r * SD + ch * 8);
    }
}

// One instance per (d, dtype, mode), explicitly instantiated in the generated hash_*.cu (cmake/instantiations.cmake).
template <int D, bool BF16, GroupMode kMode>
cudaError_t launch_qtilde_backward_kernel(const QtildeBackwardArgs& p, cudaStream_t stream) {
    using Tr = QtildeBackwardTraits<D, BF16>;
    static_assert(Tr::kSmemBytes <= 48 * 1024, "fits the default shared-memory limit");
    const dim3 grid(static_cast<unsigned>(p.n_blocks), static_cast<unsigned>(p.heads), static_cast<unsigned>(p.batch));
    qtilde_backward_kernel<D, BF16, kMode><<<grid, Tr::kNThreads, Tr::kSmemBytes, stream>>>(p);
    return cudaGetLastError();
}

}  // namespace da
