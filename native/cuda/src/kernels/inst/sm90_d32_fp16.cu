// Instantiation of the sm_90a forward kernels for d=32, fp16 (all kDg).
#include "../sm90/launch.cuh"
namespace da {
namespace sm90 {
template cudaError_t launch_sm90_d<32, false>(const FwdArgs&, const KernelConfig&, cudaStream_t);
}  // namespace sm90
}  // namespace da
