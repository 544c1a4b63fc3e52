// device_props.cuh — what persistent grids are sized by (the SM count; how many CTAs of a kernel fit at once), asked
// of the runtime once per device and kept: the attention call is made thousands of times per epoch.
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

// CTAs of Kern (threads per CTA, dynamic shared memory bytes: the same for every call) resident on the whole current
// device at once: SMs x the occupancy the runtime computes.
template <auto Kern>
cudaError_t resident_ctas(int threads, int smem_bytes, int* ctas) {
    static std::atomic<int> cache[kMaxCachedDevices];  // 0 = not asked yet
    int device = 0;
    cudaError_t e = cudaGetDevice(&device);
    if (e != cudaSuccess) return e;
    if (device < kMaxCachedDevices && (*ctas = cache[device].load(std::memory_order_relaxed)) > 0) return cudaSuccess;
    int sms = 0, per_sm = 0;
    e = current_sm_count(&sms);
    if (e == cudaSuccess) e = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, Kern, threads, smem_bytes);
    if (e != cudaSuccess) return e;
    if (per_sm < 1) return cudaErrorInvalidConfiguration;  // cannot run at all: the launch would say so too
    *ctas = sms * per_sm;
    if (device < kMaxCachedDevices) cache[device].store(*ctas, std::memory_order_relaxed);
    return cudaSuccess;
}

}  // namespace da
