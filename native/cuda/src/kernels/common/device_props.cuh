// device_props.cuh — the SM count that the persistent attention grid is sized by, asked once per device.
#pragma once
#include <cuda_runtime.h>

#include "per_device.cuh"

namespace da {

struct SmCountTag {};

// Multiprocessors of the current device.
inline cudaError_t current_sm_count(int* sms) {
    return once_per_device<SmCountTag>(sms, [](int device, int* count) {
        return cudaDeviceGetAttribute(count, cudaDevAttrMultiProcessorCount, device);
    });
}

}  // namespace da
