// params.h — the kernel parameter block of the sm_90a kernel: the three TMA tensor maps (passed
// as a __grid_constant__ parameter, so the copy engine reads them from parameter space) and the
// launch arguments.
#pragma once
#include <cuda.h>

#include "../../common/fwd_args.h"

namespace da {
namespace sm90 {

struct Sm90Params {
    CUtensorMap tmap_q;  // [B][H][Nq][d], boxes of 128 rows
    CUtensorMap tmap_k;  // [B][H][Nk][d], boxes of 128 rows
    CUtensorMap tmap_v;  // [B][H][Nk][d], boxes of 128 rows
    FwdArgs args;
    int block_l;  // LSH block (64 or 128 rows)
};

// Encodes the tensor maps of q, k, v (4-D: d, rows, heads, batch; 128B or 64B swizzle; rows past
// the end read as zeros). false when the driver cannot describe these tensors (entry point missing,
// strides it refuses): the caller then uses the portable kernel.
bool make_tensor_maps(const FwdArgs& a, int head_dim, bool bf16, Sm90Params* p);

}  // namespace sm90
}  // namespace da
