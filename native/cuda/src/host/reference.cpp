// reference.cpp — host reference of docs/semantics.md steps 1-3 (LSH permutation of one block).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "internal.h"

namespace da {

uint32_t inverse_gray16(uint32_t x) {
    x ^= x >> 1;
    x ^= x >> 2;
    x ^= x >> 4;
    x ^= x >> 8;
    return x;
}

}  // namespace da

extern "C" DA_API int da_reference_permutation(const float* q, int32_t rows, int32_t d, int32_t l,
                                               const float* r, int32_t* perm) {
    try {
        if (!q || !r || !perm) return da::fail(DA_ERR_NULL_ARGUMENT, "q, r and perm must not be NULL");
        if (d < 1 || d > 256) return da::fail(DA_ERR_INVALID_ARGUMENT, "d must be in 1..256");
        if (l < 1 || rows < 0 || rows > l)
            return da::fail(DA_ERR_INVALID_ARGUMENT, "need 0 <= rows <= l and l >= 1");
        std::vector<uint32_t> comp(static_cast<size_t>(d));
        for (int c = 0; c < d; ++c) {
            uint32_t bits = 0;
            for (int j = 0; j < DA_LSH_PROJECTIONS; ++j) {
                float p = 0.f;
                // Same order and the same fused multiply-add as the kernel: bit-exact.
                for (int i = 0; i < rows; ++i)
                    p = std::fmaf(q[static_cast<size_t>(i) * d + c], r[static_cast<size_t>(i) * DA_LSH_PROJECTIONS + j], p);
                if (p > 0.f) bits |= 1u << j;
            }
            comp[c] = (da::inverse_gray16(bits) << 8) | static_cast<uint32_t>(c);
        }
        std::vector<int32_t> idx(static_cast<size_t>(d));
        for (int c = 0; c < d; ++c) idx[c] = c;
        std::sort(idx.begin(), idx.end(), [&](int32_t a, int32_t b) { return comp[a] < comp[b]; });
        std::copy(idx.begin(), idx.end(), perm);
        da::clear_last_error();
        return DA_OK;
    } catch (...) {
        return da::fail(DA_ERR_INTERNAL, "internal error in da_reference_permutation");
    }
}
