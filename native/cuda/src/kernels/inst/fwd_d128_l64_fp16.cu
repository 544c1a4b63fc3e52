// Instantiation of the forward kernels for d=128, l=64, fp16 (all kDg and key tiles).
#include "../sm80/launch.cuh"
namespace da {
template cudaError_t launch_fwd_d<128, 64, false>(const FwdArgs&, const KernelConfig&, cudaStream_t);
}  // namespace da
