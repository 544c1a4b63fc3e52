// dispatch.cu — the CUDA side of common/kernel_launch.h: device queries, and the launch tables that turn a
// KernelConfig (d, l, dtype, path, grouping mode) into the kernel instance that serves it. The instances are those
// of the one list in cmake/instantiations.cmake, which generates their .cu files and kernel_instances.h (the
// DA_*_FOR_ALL lists below).
#include <cuda_runtime.h>

#include <string>

#include "common/kernel_launch.h"
#include "distr_attention.h"
#include "kernel_instances.h"
#include "kernels/hash/qtilde_backward_kernel.cuh"
#include "kernels/hash/qtilde_kernel.cuh"
#include "kernels/sm80/launch.cuh"
#include "kernels/sm90/launch.cuh"

namespace da {

// Declared here, defined (explicitly instantiated) in the generated .cu files.
#define DA_SM80_DECLARE(D, BM, BF16, PATH, MODE)                                        \
    extern template cudaError_t launch_fwd_d<D, BM, BF16, PortablePath::PATH, GroupMode::MODE>( \
        const FwdArgs&, const KernelConfig&, cudaStream_t);
#define DA_HASH_DECLARE(D, BF16, MODE)                                                              \
    extern template cudaError_t launch_qtilde<D, BF16, GroupMode::MODE>(const QtildeArgs&, cudaStream_t); \
    extern template cudaError_t launch_qtilde_backward_kernel<D, BF16, GroupMode::MODE>(              \
        const QtildeBackwardArgs&, cudaStream_t);
DA_SM80_FOR_ALL(DA_SM80_DECLARE)
DA_HASH_FOR_ALL(DA_HASH_DECLARE)
namespace sm90 {
#define DA_SM90_DECLARE(D, BF16) \
    extern template cudaError_t launch_sm90_d<D, BF16>(const FwdArgs&, const KernelConfig&, PrepassFn, cudaStream_t);
DA_SM90_FOR_ALL(DA_SM90_DECLARE)
}  // namespace sm90
#undef DA_SM80_DECLARE
#undef DA_HASH_DECLARE
#undef DA_SM90_DECLARE

namespace {

int cuda_fail(std::string* msg, const char* what, cudaError_t e) {
    *msg = std::string(what) + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
    return DA_ERR_CUDA;
}

using LaunchFn = cudaError_t (*)(const FwdArgs&, const KernelConfig&, cudaStream_t);
using Sm90LaunchFn = cudaError_t (*)(const FwdArgs&, const KernelConfig&, sm90::PrepassFn, cudaStream_t);
using QtildeBackwardFn = cudaError_t (*)(const QtildeBackwardArgs&, cudaStream_t);

// The portable kernel's path for cfg (da_last_kernel: "portable/exact", "portable/expand", "portable/khat").
PortablePath portable_path(const KernelConfig& c) {
    if (c.expand) return PortablePath::kExpand;
    return c.kdg == c.head_dim ? PortablePath::kExact : PortablePath::kKHat;
}

// G = 1 has no grouping: its instance is listed with kMean only.
LaunchFn find_launch(int d, int bm, bool bf16, PortablePath path, GroupMode mode) {
    if (path == PortablePath::kExact) mode = GroupMode::kMean;
#define DA_TABLE_ENTRY(D, BM, BF16, PATH, MODE)                                                     \
    if (d == D && bm == BM && bf16 == BF16 && path == PortablePath::PATH && mode == GroupMode::MODE) \
        return &launch_fwd_d<D, BM, BF16, PortablePath::PATH, GroupMode::MODE>;
    DA_SM80_FOR_ALL(DA_TABLE_ENTRY)
#undef DA_TABLE_ENTRY
    return nullptr;
}

Sm90LaunchFn find_launch_sm90(int d, bool bf16) {
#define DA_TABLE_ENTRY(D, BF16) \
    if (d == D && bf16 == BF16) return &sm90::launch_sm90_d<D, BF16>;
    DA_SM90_FOR_ALL(DA_TABLE_ENTRY)
#undef DA_TABLE_ENTRY
    return nullptr;
}

sm90::PrepassFn find_qtilde(int d, bool bf16, GroupMode mode) {
#define DA_TABLE_ENTRY(D, BF16, MODE) \
    if (d == D && bf16 == BF16 && mode == GroupMode::MODE) return &launch_qtilde<D, BF16, GroupMode::MODE>;
    DA_HASH_FOR_ALL(DA_TABLE_ENTRY)
#undef DA_TABLE_ENTRY
    return nullptr;
}

QtildeBackwardFn find_qtilde_backward(int d, bool bf16, GroupMode mode) {
#define DA_TABLE_ENTRY(D, BF16, MODE)                      \
    if (d == D && bf16 == BF16 && mode == GroupMode::MODE) \
        return &launch_qtilde_backward_kernel<D, BF16, GroupMode::MODE>;
    DA_HASH_FOR_ALL(DA_TABLE_ENTRY)
#undef DA_TABLE_ENTRY
    return nullptr;
}

int no_kernel(std::string* msg) {
    *msg = "no kernel for this configuration (internal)";
    return DA_ERR_INTERNAL;
}

}  // namespace

int current_device(int* device, int* sm, std::string* msg) {
    cudaError_t e = cudaGetDevice(device);
    if (e != cudaSuccess) return cuda_fail(msg, "cudaGetDevice failed", e);
    int major = 0, minor = 0;
    if ((e = cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, *device)) != cudaSuccess)
        return cuda_fail(msg, "cudaDeviceGetAttribute failed", e);
    if ((e = cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, *device)) != cudaSuccess)
        return cuda_fail(msg, "cudaDeviceGetAttribute failed", e);
    *sm = major * 10 + minor;
    return DA_OK;
}

int check_device_pointer(const void* ptr, const char* name, int device, std::string* msg) {
    cudaPointerAttributes attr{};
    cudaError_t e = cudaPointerGetAttributes(&attr, ptr);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();  // clear the non-sticky error
        *msg = std::string(name) + " is not a CUDA pointer (" + cudaGetErrorString(e) + ")";
        return DA_ERR_INVALID_ARGUMENT;
    }
    if (attr.type != cudaMemoryTypeDevice && attr.type != cudaMemoryTypeManaged) {
        *msg = std::string(name) + " must be CUDA device memory (got host or unregistered memory)";
        return DA_ERR_INVALID_ARGUMENT;
    }
    if (attr.type == cudaMemoryTypeDevice && attr.device != device) {
        *msg = std::string(name) + " lives on device " + std::to_string(attr.device) +
               " but the current device is " + std::to_string(device);
        return DA_ERR_INVALID_ARGUMENT;
    }
    return DA_OK;
}

int launch_forward_kernels(const FwdArgs& args, KernelConfig* cfg, void* stream, std::string* msg) {
    const cudaStream_t s = static_cast<cudaStream_t>(stream);
    cudaError_t e;
    if (cfg->sm90) {
        const Sm90LaunchFn fn90 = find_launch_sm90(cfg->head_dim, cfg->bf16);
        const sm90::PrepassFn prepass = find_qtilde(cfg->head_dim, cfg->bf16, cfg->mode);
        e = fn90 != nullptr && prepass != nullptr ? fn90(args, *cfg, prepass, s) : cudaErrorNotSupported;
        if (e == cudaSuccess) return DA_OK;
        if (e != cudaErrorNotSupported) return cuda_fail(msg, "DistrAttention sm_90a kernel launch failed", e);
        cfg->sm90 = false;  // TMA cannot describe these tensors: the portable kernel serves them
    }
    const LaunchFn fn = find_launch(cfg->head_dim, cfg->block_m, cfg->bf16, portable_path(*cfg), cfg->mode);
    if (fn == nullptr) return no_kernel(msg);
    e = fn(args, *cfg, s);
    if (e == cudaErrorInvalidValue) {
        (void)cudaGetLastError();
        *msg = "kernel launch rejected the configuration (d=" + std::to_string(cfg->head_dim) +
               ", kdg=" + std::to_string(cfg->kdg) + ", l=" + std::to_string(cfg->block_m) +
               ", block_n=" + std::to_string(cfg->block_n) + "): invalid value";
        return DA_ERR_CUDA;
    }
    if (e != cudaSuccess) return cuda_fail(msg, "DistrAttention kernel launch failed", e);
    return DA_OK;
}

int launch_qtilde_kernels(const QtildeArgs& a, const KernelConfig& cfg, void* stream, std::string* msg) {
    const sm90::PrepassFn fn = find_qtilde(cfg.head_dim, cfg.bf16, cfg.mode);
    if (fn == nullptr) return no_kernel(msg);
    const cudaError_t e = fn(a, static_cast<cudaStream_t>(stream));
    if (e != cudaSuccess) return cuda_fail(msg, "DistrAttention Q~ pre-pass launch failed", e);
    return DA_OK;
}

int launch_qtilde_backward_kernels(const QtildeBackwardArgs& a, const KernelConfig& cfg, void* stream,
                                   std::string* msg) {
    const QtildeBackwardFn fn = find_qtilde_backward(cfg.head_dim, cfg.bf16, cfg.mode);
    if (fn == nullptr) return no_kernel(msg);
    const cudaError_t e = fn(a, static_cast<cudaStream_t>(stream));
    if (e != cudaSuccess) return cuda_fail(msg, "DistrAttention Q~ adjoint launch failed", e);
    return DA_OK;
}

}  // namespace da

extern "C" DA_API int da_built_with_cuda(void) { return 1; }
