// internal.h — host-side internals of libdistr_attention (no CUDA needed).
#pragma once
#include <string>

#include "common/fwd_args.h"
#include "distr_attention.h"

namespace da {

// Thread-local last error.
void set_last_error(const std::string& msg);
void clear_last_error();
int fail(int status, const std::string& msg);  // sets the message, returns status
// Thread-local name of the kernel the last successful launch used (da_last_kernel).
void set_last_kernel(const char* name);

// Validates the parameter struct (no CUDA calls). On failure fills *msg.
int validate_params(const da_fwd_params* p, std::string* msg);

// Chooses the kernel configuration for validated params on a GPU of compute capability
// sm (e.g. 80, 90). On failure fills *msg.
int select_config(const da_fwd_params& p, int sm, KernelConfig* cfg, std::string* msg);

// Name of the kernel (and its variant or mode) that cfg launches, for da_last_kernel: "sm90/v0" ... "sm90/v6",
// "portable/exact", "portable/expand", "portable/khat". A static string.
const char* kernel_name(const KernelConfig& cfg);

// The grouping mode of a validated da_fwd_params.mode.
GroupMode group_mode(int mode);

// Fills FwdArgs from validated params and config.
FwdArgs make_args(const da_fwd_params& p, const KernelConfig& cfg);

// launch.cpp, on validated params: queries the device (arch, pointer kinds), selects the configuration and
// launches through common/kernel_launch.h (the CUDA dispatcher, kernels/dispatch.cu, or stub_dispatch.cpp).
int launch_forward(const da_fwd_params& p, void* stream, std::string* msg);

// The hashing pre-pass alone (da_qtilde).
int launch_qtilde_only(const da_fwd_params& p, void* stream, std::string* msg);

// The adjoint of Q -> Q~ (da_qtilde_backward).
int launch_qtilde_backward(const da_fwd_params& p, void* stream, std::string* msg);

}  // namespace da
