// kernel_launch.h — the device side of libdistr_attention as the host code sees it: the functions that
// kernels/dispatch.cu implements in a CUDA build and host/stub_dispatch.cpp without CUDA. The host (host/launch.cpp)
// validates, chooses the configuration and calls these; the kernels never call into host/. Every function returns
// a DA_* status and fills *msg on failure. No CUDA types here.
#pragma once
#include <string>

#include "fwd_args.h"
#include "prepass_args.h"

namespace da {

// The current CUDA device and its compute capability (major * 10 + minor).
int current_device(int* device, int* sm, std::string* msg);

// Whether ptr is memory that `device` can read and write: DA_OK, or DA_ERR_INVALID_ARGUMENT naming `name`.
int check_device_pointer(const void* ptr, const char* name, int device, std::string* msg);

// The forward kernels of *cfg on a. The sm_90a path (cfg->sm90) hands over to the portable kernel when TMA cannot
// describe the tensors, and then sets cfg->sm90 = false, so that *cfg names the kernel that ran.
int launch_forward_kernels(const FwdArgs& a, KernelConfig* cfg, void* stream, std::string* msg);

// The Q~ pre-pass alone (da_qtilde), instance (cfg.head_dim, cfg.bf16, cfg.mode).
int launch_qtilde_kernels(const QtildeArgs& a, const KernelConfig& cfg, void* stream, std::string* msg);

// The adjoint of Q -> Q~ (da_qtilde_backward), instance (cfg.head_dim, cfg.bf16, cfg.mode).
int launch_qtilde_backward_kernels(const QtildeBackwardArgs& a, const KernelConfig& cfg, void* stream,
                                   std::string* msg);

}  // namespace da
