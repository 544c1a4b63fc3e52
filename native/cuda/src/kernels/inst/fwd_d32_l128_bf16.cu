// Instantiation of the forward kernels for d=32, l=128, bf16 (all kDg and key tiles).
#include "../sm80/launch.cuh"
namespace da {
template cudaError_t launch_fwd_d<32, 128, true>(const FwdArgs&, const KernelConfig&, cudaStream_t);
}  // namespace da
