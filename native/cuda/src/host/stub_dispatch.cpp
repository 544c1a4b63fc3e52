// stub_dispatch.cpp — used when the library is built without CUDA.
#include "internal.h"

namespace da {
static int not_built(std::string* msg) {
    *msg = "libdistr_attention was built without CUDA: the DistrAttention kernels are not available "
           "(rebuild native/cuda on a machine with nvcc)";
    return DA_ERR_NOT_BUILT_WITH_CUDA;
}
int launch_forward(const da_fwd_params&, void*, std::string* msg) { return not_built(msg); }
int launch_qtilde_only(const da_fwd_params&, void*, std::string* msg) { return not_built(msg); }
int launch_qtilde_backward(const da_fwd_params&, void*, std::string* msg) { return not_built(msg); }
}  // namespace da

extern "C" DA_API int da_built_with_cuda(void) { return 0; }
