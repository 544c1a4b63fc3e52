// tensor_map.cu — host side of the sm_90a kernel's TMA: cuTensorMapEncodeTiled through the runtime's
// driver entry point (no link-time dependency on libcuda).
#include <cuda.h>
#include <cuda_runtime.h>

#include "params.h"
#include "swizzle.h"

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

}  // namespace

// Strides of size-1 dimensions are never used; they get a valid value.
bool make_tensor_map(CUtensorMap* m, const void* ptr, int d, bool bf16, int rows, int heads, int batch, int64_t rs,
                     int64_t hs, int64_t bs, int box_rows) {
    if (rs <= 0) return false;
    const EncodeTiledFn fn = encode_tiled();
    if (fn == nullptr) return false;
    const int64_t rs_b = rs * 2;
    const int64_t hs_b = heads > 1 ? hs * 2 : rs_b * rows;
    const int64_t bs_b = batch > 1 ? bs * 2 : hs_b * heads;
    const int row_bytes = box_row_bytes(d);  // the device's SwizzledTile<d> reads the same boxes
    const int box_cols = row_bytes / 2;
    const cuuint64_t dims[4] = {static_cast<cuuint64_t>(d), static_cast<cuuint64_t>(rows),
                                static_cast<cuuint64_t>(heads), static_cast<cuuint64_t>(batch)};
    const cuuint64_t strides[3] = {static_cast<cuuint64_t>(rs_b), static_cast<cuuint64_t>(hs_b),
                                   static_cast<cuuint64_t>(bs_b)};
    const cuuint32_t box[4] = {static_cast<cuuint32_t>(box_cols), static_cast<cuuint32_t>(box_rows), 1u, 1u};
    const cuuint32_t estr[4] = {1u, 1u, 1u, 1u};
    const CUresult r = fn(m, bf16 ? CU_TENSOR_MAP_DATA_TYPE_BFLOAT16 : CU_TENSOR_MAP_DATA_TYPE_FLOAT16, 4,
                          const_cast<void*>(ptr), dims, strides, box, estr, CU_TENSOR_MAP_INTERLEAVE_NONE,
                          row_bytes == 128 ? CU_TENSOR_MAP_SWIZZLE_128B : CU_TENSOR_MAP_SWIZZLE_64B,
                          CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    return r == CUDA_SUCCESS;
}

}  // namespace sm90
}  // namespace da
