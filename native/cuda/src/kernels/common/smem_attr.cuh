// smem_attr.cuh — raises a kernel's dynamic shared-memory limit once per (kernel, device): the
// attribute belongs to the function in a device's context, so repeating it on every call would only
// cost host time.
#pragma once
#include <cuda_runtime.h>

#include <atomic>
#include <cstdint>

namespace da {

// Kern is a template argument (not a parameter) so that every kernel has its own flags: kernels of
// one signature share a function-pointer type.
template <auto Kern>
cudaError_t ensure_smem_limit(int bytes) {
    static std::atomic<uint64_t> done{0};  // bit per device ordinal < 64
    int device = 0;
    cudaError_t e = cudaGetDevice(&device);
    if (e != cudaSuccess) return e;
    const uint64_t bit = device < 64 ? (uint64_t{1} << device) : 0;
    if (bit != 0 && (done.load(std::memory_order_acquire) & bit) != 0) return cudaSuccess;
    e = cudaFuncSetAttribute(Kern, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes);
    if (e == cudaSuccess && bit != 0) done.fetch_or(bit, std::memory_order_acq_rel);
    return e;
}

}  // namespace da
