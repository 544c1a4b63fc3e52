// launch.cuh — launch templates of the portable kernel: one kernel instance per (d, kDg, l, m, dtype, path, mode).
// launch_fwd_d<d, l, dtype, path, mode> is explicitly instantiated in the generated sm80_*.cu files
// (cmake/instantiations.cmake), so that nvcc builds them in parallel; the dispatcher (../dispatch.cu) picks one.
#pragma once
#include <cuda_runtime.h>

#include "common/fwd_args.h"
#include "fwd_kernel.cuh"
#include "kernel_traits.cuh"

namespace da {

template <int D, int KDG, int BM, int BN, bool BF16, PortablePath P, GroupMode M>
cudaError_t launch_fwd(const FwdArgs& a, cudaStream_t stream) {
    using Tr = FwdTraits<D, KDG, BM, BN, BF16>;
    constexpr int smem = Tr::kSmemBytes;
    auto kern = &fwd_kernel<Tr, P, M>;
    if (smem > 48 * 1024) {
        cudaError_t e = cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, smem);
        if (e != cudaSuccess) return e;
    }
    dim3 grid(static_cast<unsigned>(a.n_mblocks), static_cast<unsigned>(a.heads), static_cast<unsigned>(a.batch));
    kern<<<grid, Tr::kNThreads, smem, stream>>>(a);
    return cudaGetLastError();
}

// kExact and kExpand contract over d; kKHat over kdg = d/2, d/4 or d/8 (>= 16).
template <int D, int BM, int BN, bool BF16, PortablePath P, GroupMode M>
cudaError_t launch_fwd_kdg(const FwdArgs& a, int kdg, cudaStream_t s) {
    if constexpr (P != PortablePath::kKHat) {
        if (kdg == D) return launch_fwd<D, D, BM, BN, BF16, P, M>(a, s);
    } else {
        if (kdg == D / 2) return launch_fwd<D, D / 2, BM, BN, BF16, P, M>(a, s);
        if constexpr (D / 4 >= 16) {
            if (kdg == D / 4) return launch_fwd<D, D / 4, BM, BN, BF16, P, M>(a, s);
        }
        if constexpr (D / 8 >= 16) {
            if (kdg == D / 8) return launch_fwd<D, D / 8, BM, BN, BF16, P, M>(a, s);
        }
    }
    return cudaErrorInvalidValue;
}

template <int D, int BM, bool BF16, PortablePath P, GroupMode M>
cudaError_t launch_fwd_d(const FwdArgs& a, const KernelConfig& c, cudaStream_t s) {
    const int kdg = P == PortablePath::kExpand ? D : c.kdg;  // expand mode contracts over d (kdg is the logical d/G)
    if (c.block_n == 64) return launch_fwd_kdg<D, BM, 64, BF16, P, M>(a, kdg, s);
    if constexpr (D < 128) {
        if (c.block_n == 128) return launch_fwd_kdg<D, BM, 128, BF16, P, M>(a, kdg, s);
    }
    return cudaErrorInvalidValue;
}

}  // namespace da
