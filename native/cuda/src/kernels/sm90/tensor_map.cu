// tensor_map.cu — host side of the sm_90a kernel's TMA: cuTensorMapEncodeTiled through the runtime's
// driver entry point (no link-time dependency on libcuda).
#include <cuda.h>
#include <cuda_runtime.h>

#include "params.h"

namespace da {
namespace sm90 {
namespace {

using EncodeTiledFn = CUresult (*)(CUtensorMap*, CUtensorMapDataType, cuuint32_t, void*, const cuuint64_t*,
                                   const cuuint64_t*, const cuuint32_t*, const cuuint32_t*, CUtensorMapInterleave,
                                   CUtensorMapSwizzle, CUtensorMapL2promotion, CUtensorMapFloatOOBfill);

EncodeTiledFn encode_tiled() {
    static const EncodeTiledFn fn = []() -> EncodeTiledFn {
        void* ptr = nullptr;
        cudaDriverEntryPointQueryResult q = cudaDriverEntryPointSymbolNotFound;
        if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &ptr, 12000, cudaEnableDefault, &q) !=
                cudaSuccess ||
            q != cudaDriverEntryPointSuccess || ptr == nullptr) {
            (void)cudaGetLastError();
            return nullptr;
        }
        return reinterpret_cast<EncodeTiledFn>(ptr);
    }();
    return fn;
}

// rs/hs/bs in elements. Strides of size-1 dimensions are never used; they get a valid value.
bool encode(CUtensorMap* m, const void* ptr, int d, bool bf16, int rows, int heads, int batch, int64_t rs, int64_t hs,
            int64_t bs) {
    const EncodeTiledFn fn = encode_tiled();
    if (fn == nullptr) return false;
    const int64_t rs_b = rs * 2;
    const int64_t hs_b = heads > 1 ? hs * 2 : rs_b * rows;
    const int64_t bs_b = batch > 1 ? bs * 2 : hs_b * heads;
    const int box_cols = d * 2 < 128 ? d : 64;
    const cuuint64_t dims[4] = {static_cast<cuuint64_t>(d), static_cast<cuuint64_t>(rows),
                                static_cast<cuuint64_t>(heads), static_cast<cuuint64_t>(batch)};
    const cuuint64_t strides[3] = {static_cast<cuuint64_t>(rs_b), static_cast<cuuint64_t>(hs_b),
                                   static_cast<cuuint64_t>(bs_b)};
    const cuuint32_t box[4] = {static_cast<cuuint32_t>(box_cols), 128u, 1u, 1u};
    const cuuint32_t estr[4] = {1u, 1u, 1u, 1u};
    const CUresult r = fn(m, bf16 ? CU_TENSOR_MAP_DATA_TYPE_BFLOAT16 : CU_TENSOR_MAP_DATA_TYPE_FLOAT16, 4,
                          const_cast<void*>(ptr), dims, strides, box, estr, CU_TENSOR_MAP_INTERLEAVE_NONE,
                          d * 2 < 128 ? CU_TENSOR_MAP_SWIZZLE_64B : CU_TENSOR_MAP_SWIZZLE_128B,
                          CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    return r == CUDA_SUCCESS;
}

}  // namespace

bool make_tensor_maps(const FwdArgs& a, int head_dim, bool bf16, Sm90Params* p) {
    if (a.q_rs <= 0 || a.k_rs <= 0 || a.v_rs <= 0) return false;
    return encode(&p->tmap_q, a.q, head_dim, bf16, a.nq, a.heads, a.batch, a.q_rs, a.q_hs, a.q_bs) &&
           encode(&p->tmap_k, a.k, head_dim, bf16, a.nk, a.heads, a.batch, a.k_rs, a.k_hs, a.k_bs) &&
           encode(&p->tmap_v, a.v, head_dim, bf16, a.nk, a.heads, a.batch, a.v_rs, a.v_hs, a.v_bs);
}

}  // namespace sm90
}  // namespace da
