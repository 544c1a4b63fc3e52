// launch.cuh — launch templates of the sm_90a kernel: one instance per (d, kDg, dtype);
// instantiated per (d, dtype) in ../inst/sm90_*.cu.
#pragma once
#include <cuda_runtime.h>

#include "../../common/fwd_args.h"
#include "fwd_kernel.cuh"

namespace da {
namespace sm90 {

// Key tile and pipeline depth per head dim (d = 32, 64: 128-key tiles, 4 stages: a stage (raw K,
// V, K-hat) is released only after P V of its tile, so 3 stages left the loads exposed).
template <int D>
struct Sm90Shape {
    static constexpr int kBlockN = 128;
    static constexpr int kStages = 4;
};

template <int D, int KDG, bool BF16>
cudaError_t launch_sm90(const FwdArgs& a, cudaStream_t stream) {
    using Tr = Sm90Traits<D, KDG, Sm90Shape<D>::kBlockN, Sm90Shape<D>::kStages, BF16>;
    constexpr int smem = Tr::kSmemBytes;
    auto kern = &fwd_kernel_sm90<Tr>;
    cudaError_t e = cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, smem);
    if (e != cudaSuccess) return e;
    dim3 grid(static_cast<unsigned>(a.n_mblocks), static_cast<unsigned>(a.heads), static_cast<unsigned>(a.batch));
    kern<<<grid, Tr::kNThreads, smem, stream>>>(a);
    return cudaGetLastError();
}

template <int D, bool BF16>
cudaError_t launch_sm90_d(const FwdArgs& a, const KernelConfig& c, cudaStream_t s) {
    if (c.kdg == D) return launch_sm90<D, D, BF16>(a, s);
    if constexpr (D / 2 >= 16) {
        if (c.kdg == D / 2) return launch_sm90<D, D / 2, BF16>(a, s);
    }
    if constexpr (D / 4 >= 16) {
        if (c.kdg == D / 4) return launch_sm90<D, D / 4, BF16>(a, s);
    }
    if constexpr (D / 8 >= 16) {
        if (c.kdg == D / 8) return launch_sm90<D, D / 8, BF16>(a, s);
    }
    return cudaErrorInvalidValue;
}

#define DA_SM90_DECLARE_LAUNCH(D, BF16) \
    extern template cudaError_t launch_sm90_d<D, BF16>(const FwdArgs&, const KernelConfig&, cudaStream_t);
#define DA_SM90_FOR_ALL(X) X(32, false) X(32, true) X(64, false) X(64, true)

}  // namespace sm90
}  // namespace da
