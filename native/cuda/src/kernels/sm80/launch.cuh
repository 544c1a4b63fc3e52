// launch.cuh — launch templates: one kernel instance per (d, kDg, l, m, dtype).
// Instantiated per (d, l, dtype) in inst/*.cu so that nvcc builds them in parallel.
#pragma once
#include <cuda_runtime.h>

#include "common/fwd_args.h"
#include "fwd_kernel.cuh"

namespace da {

template <int D, int KDG, int BM, int BN, bool BF16>
cudaError_t launch_fwd(const FwdArgs& a, cudaStream_t stream) {
    using Tr = FwdTraits<D, KDG, BM, BN, BF16>;
    constexpr int smem = Tr::kSmemBytes;
    auto kern = &fwd_kernel<Tr>;
    if (smem > 48 * 1024) {
        cudaError_t e = cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, smem);
        if (e != cudaSuccess) return e;
    }
    dim3 grid(static_cast<unsigned>(a.n_mblocks), static_cast<unsigned>(a.heads), static_cast<unsigned>(a.batch));
    kern<<<grid, Tr::kNThreads, smem, stream>>>(a);
    return cudaGetLastError();
}

template <int D, int BM, int BN, bool BF16>
cudaError_t launch_fwd_kdg(const FwdArgs& a, int kdg, cudaStream_t s) {
    if (kdg == D) return launch_fwd<D, D, BM, BN, BF16>(a, s);
    if (kdg == D / 2) return launch_fwd<D, D / 2, BM, BN, BF16>(a, s);
    if constexpr (D / 4 >= 16) {
        if (kdg == D / 4) return launch_fwd<D, D / 4, BM, BN, BF16>(a, s);
    }
    if constexpr (D / 8 >= 16) {
        if (kdg == D / 8) return launch_fwd<D, D / 8, BM, BN, BF16>(a, s);
    }
    return cudaErrorInvalidValue;
}

template <int D, int BM, bool BF16>
cudaError_t launch_fwd_d(const FwdArgs& a, const KernelConfig& c, cudaStream_t s) {
    const int kdg = c.expand ? D : c.kdg;  // expand mode runs the G = 1 instance (it reads a.group)
    if (c.block_n == 64) return launch_fwd_kdg<D, BM, 64, BF16>(a, kdg, s);
    if constexpr (D < 128) {
        if (c.block_n == 128) return launch_fwd_kdg<D, BM, 128, BF16>(a, kdg, s);
    }
    return cudaErrorInvalidValue;
}

// Declared here, defined (explicitly instantiated) in inst/*.cu.
#define DA_DECLARE_LAUNCH(D, BM, BF16) \
    extern template cudaError_t launch_fwd_d<D, BM, BF16>(const FwdArgs&, const KernelConfig&, cudaStream_t);
#if defined(DA_KERNEL_SUBSET_D64_FP16)  // fault-injection builds (fault_injection.h): d = 64 fp16 only
#define DA_FOR_ALL(X) X(64, 64, false) X(64, 128, false)
#else
#define DA_FOR_ALL(X) \
    X(32, 64, false) X(32, 64, true) X(32, 128, false) X(32, 128, true) \
    X(64, 64, false) X(64, 64, true) X(64, 128, false) X(64, 128, true) \
    X(128, 64, false) X(128, 64, true) X(128, 128, false) X(128, 128, true)
#endif

}  // namespace da
