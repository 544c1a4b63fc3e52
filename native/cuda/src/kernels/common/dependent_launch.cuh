// dependent_launch.cuh — programmatic dependent launch (sm_90): a kernel launched with launch_dependent() may be
// scheduled while the kernel before it on the stream is still running, so its launch and prologue hide behind that
// kernel's tail. It must call grid_dependency_wait() before it touches global memory that the kernel before it reads
// or writes; the kernel before it calls allow_dependent_launch() to let that happen before it exits.
#pragma once
#include <cuda_runtime.h>

#include <utility>

#include "per_device.cuh"

namespace da {

__device__ __forceinline__ void grid_dependency_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
}

__device__ __forceinline__ void allow_dependent_launch() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
}

// Whether Kern, as loaded for the current device, was compiled from PTX 9.0 or newer, i.e. holds the
// griddepcontrol.wait above. A compute_80 build JIT-compiled for a newer GPU does not: launched early it would
// race with the kernel before it, so it is launched in plain stream order. Asked once per (kernel, device).
template <auto Kern>
struct PtxVersionTag {};

template <auto Kern>
cudaError_t waits_for_grid_dependency(bool* waits) {
    int ptx90 = 0;
    const cudaError_t e = once_per_device<PtxVersionTag<Kern>>(&ptx90, [](int, int* yes) {
        cudaFuncAttributes attr{};
        const cudaError_t asked = cudaFuncGetAttributes(&attr, Kern);
        *yes = attr.ptxVersion >= 90 ? 1 : 0;
        return asked;
    });
    *waits = ptx90 != 0;
    return e;
}

// Launches Kern<<<grid, block, smem, stream>>>(args...), allowed to start before the previous kernel on the stream
// has finished where Kern waits for it (waits_for_grid_dependency).
template <auto Kern, typename... Args>
cudaError_t launch_dependent(dim3 grid, dim3 block, size_t smem, cudaStream_t stream, Args&&... args) {
    bool waits = false;
    cudaError_t e = waits_for_grid_dependency<Kern>(&waits);
    if (e != cudaSuccess) return e;
    cudaLaunchAttribute attr[1];
    attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attr[0].val.programmaticStreamSerializationAllowed = 1;
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = grid;
    cfg.blockDim = block;
    cfg.dynamicSmemBytes = smem;
    cfg.stream = stream;
    cfg.attrs = attr;
#if defined(DA_DISABLE_DEPENDENT_LAUNCH)
    waits = false;  // A/B builds only (-DDA_DISABLE_DEPENDENT_LAUNCH): plain stream order
#endif
    cfg.numAttrs = waits ? 1 : 0;
    return cudaLaunchKernelEx(&cfg, Kern, std::forward<Args>(args)...);
}

}  // namespace da
