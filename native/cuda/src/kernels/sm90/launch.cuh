// launch.cuh — launch template of the sm_90a kernel, one instance per (d, dtype), instantiated in
// ../inst/sm90_*.cu. Returns cudaErrorNotSupported (nothing launched) when the tensors cannot be
// described by TMA tensor maps; the dispatcher then runs the portable kernel.
#pragma once
#include <cuda_runtime.h>

#include "../../common/fwd_args.h"
#include "fwd_kernel.cuh"
#include "params.h"

namespace da {
namespace sm90 {

template <int D, bool BF16>
cudaError_t launch_sm90_d(const FwdArgs& a, const KernelConfig& c, cudaStream_t stream) {
    using Tr = Sm90Traits<D, BF16>;
    Sm90Params p;
    p.args = a;
    p.block_l = c.block_m;
    if (c.block_m != 64 && c.block_m != 128) return cudaErrorInvalidValue;
    if (!make_tensor_maps(a, D, BF16, &p)) return cudaErrorNotSupported;
    auto kern = &fwd_kernel_sm90<Tr>;
    cudaError_t e = cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, Tr::kSmemBytes);
    if (e != cudaSuccess) return e;
    const dim3 grid(static_cast<unsigned>((a.nq + Tr::kBlockM - 1) / Tr::kBlockM), static_cast<unsigned>(a.heads),
                    static_cast<unsigned>(a.batch));
    kern<<<grid, Tr::kNThreads, Tr::kSmemBytes, stream>>>(p);
    return cudaGetLastError();
}

#define DA_SM90_DECLARE_LAUNCH(D, BF16) \
    extern template cudaError_t launch_sm90_d<D, BF16>(const FwdArgs&, const KernelConfig&, cudaStream_t);
#define DA_SM90_FOR_ALL(X) X(32, false) X(32, true) X(64, false) X(64, true)

}  // namespace sm90
}  // namespace da
