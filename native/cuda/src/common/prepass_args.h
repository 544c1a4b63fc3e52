// prepass_args.h — plain-C++ description of the hashing pre-pass launches (kernels/hash/): the Q~ pre-pass
// (da_qtilde, and the first kernel of the sm_90a path) and its adjoint (da_qtilde_backward). Filled by the host
// (host/launch.cpp) or by the sm_90a launcher; the grouping mode is a template parameter of both kernels
// (KernelConfig::mode).
#pragma once
#include <cstdint>

#include "fwd_args.h"

namespace da {

struct QtildeArgs {
    FwdArgs a;
    void* dst = nullptr;          // Q~ [B,H,Nq,d] (strides below, elements) or nullptr: sigma only
    int64_t dst_bs = 0, dst_hs = 0, dst_rs = 0;
    int32_t block_l = 0;          // l: 64 or 128
};

struct QtildeBackwardArgs {
    const void* dqt = nullptr;     // dQ~ [B,H,Nq,d]
    void* dq = nullptr;            // dQ  [B,H,Nq,d]
    const int32_t* perm = nullptr;  // sigma [B,H,n_blocks,d], contiguous
    int64_t src_bs = 0, src_hs = 0, src_rs = 0;
    int64_t dst_bs = 0, dst_hs = 0, dst_rs = 0;
    int32_t batch = 0, heads = 0, nq = 0, n_blocks = 0, block_l = 0, group = 1;
};

}  // namespace da
