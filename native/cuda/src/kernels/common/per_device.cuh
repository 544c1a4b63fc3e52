// per_device.cuh — a value asked of the CUDA runtime once per device and kept: the attention call is made thousands
// of times per epoch, and a runtime query (or a function attribute set again) on every call would only cost host time.
#pragma once
#include <cuda_runtime.h>

#include <atomic>

namespace da {

constexpr int kMaxCachedDevices = 64;  // devices with a higher ordinal are asked on every call

// The value (>= 0) of ask(device, &value) for the current device, asked once per device per Tag: every query names
// its own Tag type (per kernel where it asks about a kernel: kernels of one signature share a function-pointer type,
// so the kernel must be a template argument of the Tag). A failed ask is not kept.
template <typename Tag, typename Ask>
cudaError_t once_per_device(int* value, Ask ask) {
    static std::atomic<int> cache[kMaxCachedDevices];  // 0 = not asked yet, else value + 1
    int device = 0;
    cudaError_t e = cudaGetDevice(&device);
    if (e != cudaSuccess) return e;
    if (device < kMaxCachedDevices) {
        const int known = cache[device].load(std::memory_order_acquire);
        if (known != 0) {
            *value = known - 1;
            return cudaSuccess;
        }
    }
    e = ask(device, value);
    if (e == cudaSuccess && device < kMaxCachedDevices) cache[device].store(*value + 1, std::memory_order_release);
    return e;
}

}  // namespace da
