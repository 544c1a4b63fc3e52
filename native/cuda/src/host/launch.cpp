// launch.cpp — the launch sequence of da_forward, da_qtilde and da_qtilde_backward on validated params: device
// checks, the configuration, then the kernels (common/kernel_launch.h: kernels/dispatch.cu, or stub_dispatch.cpp
// without CUDA).
#include <string>

#include "common/kernel_launch.h"
#include "internal.h"

namespace da {

int launch_forward(const da_fwd_params& p, void* stream, std::string* msg) {
    int device = 0, sm = 0;
    int st = current_device(&device, &sm, msg);
    if (st != DA_OK) return st;
    struct {
        const void* ptr;
        const char* name;
    } ptrs[] = {{p.q, "q"}, {p.k, "k"}, {p.v, "v"}, {p.o, "o"}, {p.r, "r"}, {p.lse, "lse"}, {p.perm_out, "perm_out"}};
    for (auto& x : ptrs) {
        if (x.ptr == nullptr) continue;
        st = check_device_pointer(x.ptr, x.name, device, msg);
        if (st != DA_OK) return st;
    }
    KernelConfig cfg;
    st = select_config(p, sm, &cfg, msg);
    if (st != DA_OK) return st;
    st = launch_forward_kernels(make_args(p, cfg), &cfg, stream, msg);
    if (st != DA_OK) return st;
    set_last_kernel(kernel_name(cfg));
    return DA_OK;
}

// Device checks shared by da_qtilde and da_qtilde_backward (their head dims are checked by the validation in
// api.cpp): compute capability, and that every pointer given is device memory of the current device.
static int check_prepass_device(const da_fwd_params& p, const char* function, std::string* msg) {
    int device = 0, sm = 0;
    int st = current_device(&device, &sm, msg);
    if (st != DA_OK) return st;
    if (sm < 80) {
        *msg = std::string(function) + " needs compute capability 8.0 or newer";
        return DA_ERR_UNSUPPORTED;
    }
    struct {
        const void* ptr;
        const char* name;
    } ptrs[] = {{p.q, "q"}, {p.o, "o"}, {p.r, "r"}, {p.perm_out, "perm_out"}};
    for (auto& x : ptrs) {
        if (x.ptr == nullptr) continue;
        st = check_device_pointer(x.ptr, x.name, device, msg);
        if (st != DA_OK) return st;
    }
    return DA_OK;
}

// The pre-pass instance of p: (d, dtype, grouping mode); block_m = l (for the block count of perm_out).
static KernelConfig prepass_config(const da_fwd_params& p) {
    KernelConfig cfg;
    cfg.head_dim = p.head_dim;
    cfg.block_m = p.block_l;
    cfg.bf16 = p.dtype == DA_DTYPE_BF16;
    cfg.mode = group_mode(p.mode);
    return cfg;
}

int launch_qtilde_only(const da_fwd_params& p, void* stream, std::string* msg) {
    const int st = check_prepass_device(p, "da_qtilde", msg);
    if (st != DA_OK) return st;
    const KernelConfig cfg = prepass_config(p);
    QtildeArgs qa;
    qa.a = make_args(p, cfg);
    qa.dst = p.group_size > 1 ? p.o : nullptr;
    qa.dst_bs = p.o_batch_stride;
    qa.dst_hs = p.o_head_stride;
    qa.dst_rs = p.o_row_stride;
    qa.block_l = p.block_l;
    return launch_qtilde_kernels(qa, cfg, stream, msg);
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
    return launch_qtilde_backward_kernels(a, prepass_config(p), stream, msg);
}

}  // namespace da
