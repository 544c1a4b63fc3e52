// device_props.cuh — the SM count that the persistent attention grid is sized by, asked of the runtime once per
// device and kept: the attention call is made thousands of times per epoch.
#pragma once
#include <cuda_runtime.h>

#include <atomic>

namespace da {

constexpr int kMaxCachedDevices = 64;

// Multiprocessors of the current device.
inline cudaError_t current_sm_count(int* sms) {
    static std::atomic<int> cache[kMaxCachedDevices];  // 0 = not asked yet
    int device = 0;
    cudaError_t e = cudaGetDevice(&device);
    if (e != cudaSuccess) return e;
    if (device < kMaxCachedDevices && (*sms = cache[device].load(std::memory_order_relaxed)) > 0) return cudaSuccess;
    e = cudaDeviceGetAttribute(sms, cudaDevAttrMultiProcessorCount, device);
    if (e == cudaSuccess && device < kMaxCachedDevices) cache[device].store(*sms, std::memory_order_relaxed);
    return e;
}

}  // namespace da
