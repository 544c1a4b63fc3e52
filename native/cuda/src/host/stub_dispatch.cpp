// stub_dispatch.cpp — the device side (common/kernel_launch.h) when the library is built without CUDA: every
// call says so, and the host's launch sequence (launch.cpp) stops at its first one, current_device.
#include "common/kernel_launch.h"
#include "internal.h"

namespace da {
static int not_built(std::string* msg) {
    *msg = "libdistr_attention was built without CUDA: the DistrAttention kernels are not available "
           "(rebuild native/cuda on a machine with nvcc)";
    return DA_ERR_NOT_BUILT_WITH_CUDA;
}
int current_device(int*, int*, std::string* msg) { return not_built(msg); }
int check_device_pointer(const void*, const char*, int, std::string* msg) { return not_built(msg); }
int launch_forward_kernels(const FwdArgs&, KernelConfig*, void*, std::string* msg) { return not_built(msg); }
int launch_qtilde_kernels(const QtildeArgs&, const KernelConfig&, void*, std::string* msg) { return not_built(msg); }
int launch_qtilde_backward_kernels(const QtildeBackwardArgs&, const KernelConfig&, void*, std::string* msg) {
    return not_built(msg);
}
}  // namespace da

extern "C" DA_API int da_built_with_cuda(void) { return 0; }
