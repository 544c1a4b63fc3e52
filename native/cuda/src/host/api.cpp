// api.cpp — the exported C functions (except da_status_string / da_reference_permutation).
#include <cstring>
#include <string>

#include "internal.h"

namespace da {
const char* last_error_cstr();
}

namespace {

// One exported call: the body returns a status and fills *msg on failure; a failure becomes the thread's last error,
// success clears it, and no exception crosses the C boundary.
template <typename Body>
int guarded(const char* name, Body&& body) {
    try {
        std::string msg;
        const int st = body(&msg);
        if (st != DA_OK) return da::fail(st, msg);
        da::clear_last_error();
        return DA_OK;
    } catch (...) {
        return da::fail(DA_ERR_INTERNAL, std::string("internal error in ") + name);
    }
}

// A refusal inside a guarded body: the status, with its message.
int refuse(int status, const char* message, std::string* msg) {
    *msg = message;
    return status;
}

// da_qtilde and da_qtilde_backward validate as a forward whose keys and values are Q itself: one set of
// shape/stride/alignment rules, plus the pre-pass's own head dims. Fills *as_forward on success.
int validate_as_prepass(const da_fwd_params* p, const char* function, da_fwd_params* as_forward, std::string* msg) {
    if (p->struct_size != sizeof(da_fwd_params) || p->version != DA_API_VERSION) {
        const int st = da::validate_params(p, msg);  // reports the version / size mismatch
        return st != DA_OK ? st : DA_ERR_VERSION;
    }
    *as_forward = *p;
    as_forward->k = p->q;
    as_forward->v = p->q;
    as_forward->k_batch_stride = as_forward->v_batch_stride = p->q_batch_stride;
    as_forward->k_head_stride = as_forward->v_head_stride = p->q_head_stride;
    as_forward->k_row_stride = as_forward->v_row_stride = p->q_row_stride;
    as_forward->nk = p->nq;
    as_forward->lse = nullptr;
    as_forward->flags = p->flags & DA_FLAG_DEBUG_NO_TIE_RECOMPUTE;  // the only flag the pre-pass reads
    as_forward->block_n = 0;
    as_forward->scale = 0.f;
    const int st = da::validate_params(as_forward, msg);
    if (st != DA_OK) return st;
    if (p->head_dim != 32 && p->head_dim != 64) {
        *msg = std::string(function) + " supports head_dim 32 and 64 (got " + std::to_string(p->head_dim) + ")";
        return DA_ERR_UNSUPPORTED;
    }
    return DA_OK;
}

// Everything da_qtilde checks before it touches the device.
int validate_qtilde(const da_fwd_params* p, da_fwd_params* as_forward, std::string* msg) {
    if (p == nullptr) return refuse(DA_ERR_NULL_ARGUMENT, "params is NULL", msg);
    const int st = validate_as_prepass(p, "da_qtilde", as_forward, msg);
    if (st != DA_OK) return st;
    if (p->group_size == 1 && p->perm_out == nullptr)
        return refuse(DA_ERR_INVALID_ARGUMENT,
                      "da_qtilde has nothing to write: group_size is 1 (Q~ = Q) and perm_out is NULL", msg);
    return DA_OK;
}

}  // namespace

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
    return guarded("da_check_params", [&](std::string* msg) { return da::validate_params(p, msg); });
}

DA_API int da_forward(const da_fwd_params* p, void* stream) {
    return guarded("da_forward", [&](std::string* msg) {
        const int st = da::validate_params(p, msg);
        return st != DA_OK ? st : da::launch_forward(*p, stream, msg);
    });
}

DA_API int da_check_qtilde_params(const da_fwd_params* p) {
    return guarded("da_check_qtilde_params", [&](std::string* msg) {
        da_fwd_params as_forward;
        return validate_qtilde(p, &as_forward, msg);
    });
}

DA_API int da_qtilde(const da_fwd_params* p, void* stream) {
    return guarded("da_qtilde", [&](std::string* msg) {
        da_fwd_params as_forward;
        const int st = validate_qtilde(p, &as_forward, msg);
        return st != DA_OK ? st : da::launch_qtilde_only(as_forward, stream, msg);
    });
}

DA_API int da_qtilde_backward(const da_fwd_params* p, void* stream) {
    return guarded("da_qtilde_backward", [&](std::string* msg) {
        if (p == nullptr) return refuse(DA_ERR_NULL_ARGUMENT, "params is NULL", msg);
        if (p->perm_out == nullptr)
            return refuse(DA_ERR_NULL_ARGUMENT, "perm_out (sigma, an input of da_qtilde_backward) is NULL", msg);
        // r is not read here, but the shared validation wants one: any non-NULL pointer, dropped afterwards.
        static const float unused_r = 0.f;
        da_fwd_params with_r = *p;
        with_r.r = &unused_r;
        da_fwd_params as_forward;
        const int st = validate_as_prepass(&with_r, "da_qtilde_backward", &as_forward, msg);
        if (st != DA_OK) return st;
        as_forward.r = nullptr;
        return da::launch_qtilde_backward(as_forward, stream, msg);
    });
}

DA_API const char* da_last_error(void) { return da::last_error_cstr(); }

DA_API int da_api_version(void) { return DA_API_VERSION; }

}  // extern "C"
