// smem_attr.cuh — raises a kernel's dynamic shared-memory limit once per (kernel, device): the attribute belongs to
// the function in a device's context, so setting it on every call would only cost host time.
#pragma once
#include <cuda_runtime.h>

#include "per_device.cuh"

namespace da {

template <auto Kern>
struct SmemLimitTag {};

template <auto Kern>
cudaError_t ensure_smem_limit(int bytes) {
    int done = 0;
    return once_per_device<SmemLimitTag<Kern>>(&done, [bytes](int, int* set) {
        *set = 1;
        return cudaFuncSetAttribute(Kern, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes);
    });
}

}  // namespace da
