// api.cpp — the exported C functions (except da_status_string / da_reference_permutation).
#include <cstring>
#include <string>

#include "internal.h"

namespace da {
const char* last_error_cstr();
}

extern "C" {

DA_API void da_fwd_params_init(da_fwd_params* p) {
    if (!p) return;
    std::memset(p, 0, sizeof(*p));
    p->struct_size = sizeof(da_fwd_params);
    p->version = DA_API_VERSION;
    p->dtype = DA_DTYPE_FP16;
    p->group_size = 2;
    p->block_l = 64;
    p->mode = DA_MODE_MEAN;
    p->scale = 0.f;
    p->block_n = 0;
}

DA_API int da_check_params(const da_fwd_params* p) {
    try {
        std::string msg;
        int st = da::validate_params(p, &msg);
        if (st != DA_OK) return da::fail(st, msg);
        da::clear_last_error();
        return DA_OK;
    } catch (...) {
        return da::fail(DA_ERR_INTERNAL, "internal error in da_check_params");
    }
}

DA_API int da_forward(const da_fwd_params* p, void* stream) {
    try {
        std::string msg;
        int st = da::validate_params(p, &msg);
        if (st != DA_OK) return da::fail(st, msg);
        st = da::launch_forward(*p, stream, &msg);
        if (st != DA_OK) return da::fail(st, msg);
        da::clear_last_error();
        return DA_OK;
    } catch (...) {
        return da::fail(DA_ERR_INTERNAL, "internal error in da_forward");
    }
}

DA_API const char* da_last_error(void) { return da::last_error_cstr(); }

DA_API int da_api_version(void) { return DA_API_VERSION; }

}  // extern "C"
