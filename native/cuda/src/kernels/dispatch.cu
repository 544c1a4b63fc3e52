// dispatch.cu — CUDA side of da_forward: device checks, configuration, launch table.
#include <cuda_runtime.h>

#include <string>

#include "../host/internal.h"
#include "kernels/hash/qtilde_backward_kernel.cuh"
#include "kernels/hash/qtilde_kernel.cuh"
#include "kernels/sm80/launch.cuh"
#include "kernels/sm90/launch.cuh"

namespace da {

DA_FOR_ALL(DA_DECLARE_LAUNCH)
namespace sm90 {
DA_SM90_FOR_ALL(DA_SM90_DECLARE_LAUNCH)
}

namespace {

int cuda_fail(std::string* msg, const char* what, cudaError_t e) {
    *msg = std::string(what) + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
    return DA_ERR_CUDA;
}

// Checks that ptr is memory the current device can read and write.
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

using LaunchFn = cudaError_t (*)(const FwdArgs&, const KernelConfig&, cudaStream_t);

LaunchFn find_launch(int d, int bm, bool bf16) {
#define DA_TABLE_ENTRY(D, BM, BF16) \
    if (d == D && bm == BM && bf16 == BF16) return &launch_fwd_d<D, BM, BF16>;
    DA_FOR_ALL(DA_TABLE_ENTRY)
#undef DA_TABLE_ENTRY
    return nullptr;
}

LaunchFn find_launch_sm90(int d, bool bf16) {
#define DA_SM90_TABLE_ENTRY(D, BF16) \
    if (d == D && bf16 == BF16) return &sm90::launch_sm90_d<D, BF16>;
    DA_SM90_FOR_ALL(DA_SM90_TABLE_ENTRY)
#undef DA_SM90_TABLE_ENTRY
    return nullptr;
}

}  // namespace

int launch_forward(const da_fwd_params& p, void* stream, std::string* msg) {
    int device = 0;
    cudaError_t e = cudaGetDevice(&device);
    if (e != cudaSuccess) return cuda_fail(msg, "cudaGetDevice failed", e);
    int major = 0, minor = 0;
    if ((e = cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device)) != cudaSuccess)
        return cuda_fail(msg, "cudaDeviceGetAttribute failed", e);
    if ((e = cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device)) != cudaSuccess)
        return cuda_fail(msg, "cudaDeviceGetAttribute failed", e);

    struct {
        const void* ptr;
        const char* name;
    } ptrs[] = {{p.q, "q"}, {p.k, "k"}, {p.v, "v"}, {p.o, "o"}, {p.r, "r"}, {p.lse, "lse"}, {p.perm_out, "perm_out"}};
    for (auto& x : ptrs) {
        if (x.ptr == nullptr) continue;
        int st = check_device_pointer(x.ptr, x.name, device, msg);
        if (st != DA_OK) return st;
    }

    KernelConfig cfg;
    int st = select_config(p, major * 10 + minor, &cfg, msg);
    if (st != DA_OK) return st;
    const FwdArgs args = make_args(p, cfg);
    if (cfg.sm90) {
        LaunchFn fn90 = find_launch_sm90(cfg.head_dim, cfg.bf16);
        e = fn90 != nullptr ? fn90(args, cfg, static_cast<cudaStream_t>(stream)) : cudaErrorNotSupported;
        if (e == cudaSuccess) {
            set_last_kernel(kernel_name(cfg));
            return DA_OK;
        }
        if (e != cudaErrorNotSupported) return cuda_fail(msg, "DistrAttention sm_90a kernel launch failed", e);
        cfg.sm90 = false;  // TMA cannot describe these tensors: the portable kernel serves them
    }
    LaunchFn fn = find_launch(cfg.head_dim, cfg.block_m, cfg.bf16);
    if (fn == nullptr) {
        *msg = "no kernel for this configuration (internal)";
        return DA_ERR_INTERNAL;
    }
    e = fn(args, cfg, static_cast<cudaStream_t>(stream));
    if (e == cudaErrorInvalidValue) {
        (void)cudaGetLastError();
        *msg = "kernel launch rejected the configuration (d=" + std::to_string(cfg.head_dim) +
               ", kdg=" + std::to_string(cfg.kdg) + ", l=" + std::to_string(cfg.block_m) +
               ", block_n=" + std::to_string(cfg.block_n) + "): invalid value";
        return DA_ERR_CUDA;
    }
    if (e != cudaSuccess) return cuda_fail(msg, "DistrAttention kernel launch failed", e);
    set_last_kernel(kernel_name(cfg));
    return DA_OK;
}

// Device checks shared by da_qtilde and da_qtilde_backward: compute capability, d, and that every
// pointer given is device memory of the current device.
static int check_prepass_device(const da_fwd_params& p, const char* function, std::string* msg) {
    int device = 0;
    cudaError_t e = cudaGetDevice(&device);
    if (e != cudaSuccess) return cuda_fail(msg, "cudaGetDevice failed", e);
    int major = 0;
    if ((e = cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device)) != cudaSuccess)
        return cuda_fail(msg, "cudaDeviceGetAttribute failed", e);
    if (major < 8) {
        *msg = std::string(function) + " needs compute capability 8.0 or newer";
        return DA_ERR_UNSUPPORTED;
    }
    if (p.head_dim != 32 && p.head_dim != 64) {
        *msg = std::string(function) + " supports head_dim 32 and 64 (got " + std::to_string(p.head_dim) + ")";
        return DA_ERR_UNSUPPORTED;
    }
    struct {
        const void* ptr;
        const char* name;
    } ptrs[] = {{p.q, "q"}, {p.o, "o"}, {p.r, "r"}, {p.perm_out, "perm_out"}};
    for (auto& x : ptrs) {
        if (x.ptr == nullptr) continue;
        const int st = check_device_pointer(x.ptr, x.name, device, msg);
        if (st != DA_OK) return st;
    }
    return DA_OK;
}

int launch_qtilde_only(const da_fwd_params& p, void* stream, std::string* msg) {
    const int st = check_prepass_device(p, "da_qtilde", msg);
    if (st != DA_OK) return st;
    cudaError_t e;
    KernelConfig cfg;
    cfg.head_dim = p.head_dim;
    cfg.block_m = p.block_l;
    cfg.bf16 = p.dtype == DA_DTYPE_BF16;
    QtildeArgs qa;
    qa.a = make_args(p, cfg);
    qa.dst = p.group_size > 1 ? p.o : nullptr;
    qa.dst_bs = p.o_batch_stride;
    qa.dst_hs = p.o_head_stride;
    qa.dst_rs = p.o_row_stride;
    qa.block_l = p.block_l;
    const cudaStream_t s = static_cast<cudaStream_t>(stream);
    if (p.head_dim == 32)
        e = cfg.bf16 ? launch_qtilde<32, true>(qa, s) : launch_qtilde<32, false>(qa, s);
    else
        e = cfg.bf16 ? launch_qtilde<64, true>(qa, s) : launch_qtilde<64, false>(qa, s);
    if (e != cudaSuccess) return cuda_fail(msg, "DistrAttention Q~ pre-pass launch failed", e);
    return DA_OK;
}

int launch_qtilde_backward(const da_fwd_params& p, void* stream, std::string* msg) {
    const int st = check_prepass_device(p, "da_qtilde_backward", msg);
    if (st != DA_OK) return st;
    QtildeBackwardArgs a;
    a.dqt = p.q;
    a.dq = p.o;
    a.perm = p.perm_out;
    a.src_bs = p.q_batch_stride, a.src_hs = p.q_head_stride, a.src_rs = p.q_row_stride;
    a.dst_bs = p.o_batch_stride, a.dst_hs = p.o_head_stride, a.dst_rs = p.o_row_stride;
    a.batch = p.batch, a.heads = p.heads, a.nq = p.nq;
    a.block_l = p.block_l;
    a.n_blocks = (p.nq + p.block_l - 1) / p.block_l;
    a.group = p.group_size;
    a.mode = p.mode;
    const bool bf16 = p.dtype == DA_DTYPE_BF16;
    const cudaStream_t s = static_cast<cudaStream_t>(stream);
    cudaError_t e;
    if (p.head_dim == 32)
        e = bf16 ? launch_qtilde_backward_kernel<32, true>(a, s) : launch_qtilde_backward_kernel<32, false>(a, s);
    else
        e = bf16 ? launch_qtilde_backward_kernel<64, true>(a, s) : launch_qtilde_backward_kernel<64, false>(a, s);
    if (e != cudaSuccess) return cuda_fail(msg, "DistrAttention Q~ adjoint launch failed", e);
    return DA_OK;
}

}  // namespace da

extern "C" DA_API int da_built_with_cuda(void) { return 1; }
