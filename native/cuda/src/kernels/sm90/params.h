// params.h — the kernel parameter block of the sm_90a kernel: the three TMA tensor maps (passed
// as a __grid_constant__ parameter, so the copy engine reads them from parameter space) and the
// launch arguments.
#pragma once
#include <cuda.h>

#include "common/fwd_args.h"

namespace da {
namespace sm90 {

struct Sm90Params {
    CUtensorMap tmap_q;  // the kernel's Q input [B][H][Nq][d] (Q, or Q~ in the output buffer), boxes of BM rows
    CUtensorMap tmap_k;  // [B][H][Nk][d], boxes of 128 rows
    CUtensorMap tmap_v;  // [B][H][Nk][d], boxes of 128 rows
    FwdArgs args;
    int n_query_tiles;  // ceil(Nq / BM) * H * B
    // 1 when the kernel before this one is the pre-pass of the same call, which reads Q and writes only O and sigma
    // (o overlaps neither k nor v: distr_attention.h): K and V may then load before the dependency wait.
    int kv_before_wait = 0;
};

// Encodes a 4-D tensor map (d, rows, heads, batch; strides in elements) with boxes of box_rows rows,
// 128B swizzle (64B for d = 32), rows past the end read as zeros. false when the driver cannot
// describe the tensor (entry point missing, strides it refuses): the caller then uses the portable
// kernel.
bool make_tensor_map(CUtensorMap* m, const void* ptr, int head_dim, bool bf16, int rows, int heads, int batch,
                     int64_t row_stride, int64_t head_stride, int64_t batch_stride, int box_rows);

}  // namespace sm90
}  // namespace da
