// validate.cpp — argument validation of da_fwd_params (no CUDA).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "internal.h"

namespace da {
namespace {

bool aligned(const void* p, uintptr_t a) { return (reinterpret_cast<uintptr_t>(p) % a) == 0; }

int bad(std::string* msg, int status, const std::string& text) {
    *msg = text;
    return status;
}

// No iostreams in this library: when it is loaded into a process (Python, .NET) the iostream
// machinery of a statically linked libstdc++ copy may be uninitialised and crash.
std::string str(int64_t v) { return std::to_string(v); }
std::string str(uint32_t v) { return std::to_string(v); }
std::string str(int32_t v) { return std::to_string(v); }
std::string str(size_t v) { return std::to_string(v); }
std::string str(float v) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%g", static_cast<double>(v));
    return buf;
}

int check_strides(const char* name, int64_t bs, int64_t hs, int64_t rs, std::string* msg) {
    const int64_t st[3] = {bs, hs, rs};
    const char* what[3] = {"batch", "head", "row"};
    for (int i = 0; i < 3; ++i) {
        if (st[i] < 0)
            return bad(msg, DA_ERR_INVALID_ARGUMENT,
                       std::string(name) + "_" + what[i] + "_stride must be >= 0 (got " +
                           str(st[i]) + ")");
        if (st[i] % 8 != 0)
            return bad(msg, DA_ERR_INVALID_ARGUMENT,
                       std::string(name) + "_" + what[i] +
                           "_stride must be a multiple of 8 elements (16 bytes) (got " +
                           str(st[i]) + ")");
    }
    return DA_OK;
}

}  // namespace

int validate_params(const da_fwd_params* p, std::string* msg) {
    if (p == nullptr) return bad(msg, DA_ERR_NULL_ARGUMENT, "params is NULL");
    if (p->version != DA_API_VERSION)
        return bad(msg, DA_ERR_VERSION,
                   "params.version is " + str(p->version) + ", this library implements " +
                       str(DA_API_VERSION) + " (call da_fwd_params_init)");
    if (p->struct_size != sizeof(da_fwd_params))
        return bad(msg, DA_ERR_VERSION,
                   "params.struct_size is " + str(p->struct_size) + ", version " +
                       str(DA_API_VERSION) + " expects " + str(sizeof(da_fwd_params)));
    for (int i = 0; i < 8; ++i)
        if (p->reserved[i] != 0)
            return bad(msg, DA_ERR_INVALID_ARGUMENT,
                       "params.reserved[" + str(i) + "] must be 0");

    struct {
        const void* ptr;
        const char* name;
    } req[] = {{p->q, "q"}, {p->k, "k"}, {p->v, "v"}, {p->o, "o"}, {p->r, "r"}};
    for (auto& x : req)
        if (x.ptr == nullptr)
            return bad(msg, DA_ERR_NULL_ARGUMENT, std::string(x.name) + " is NULL");

    if (p->batch < 1) return bad(msg, DA_ERR_INVALID_ARGUMENT, "batch must be >= 1 (got " + str(p->batch) + ")");
    if (p->heads < 1) return bad(msg, DA_ERR_INVALID_ARGUMENT, "heads must be >= 1 (got " + str(p->heads) + ")");
    if (p->nq < 1) return bad(msg, DA_ERR_INVALID_ARGUMENT, "nq must be >= 1 (got " + str(p->nq) + ")");
    if (p->nk < 1) return bad(msg, DA_ERR_INVALID_ARGUMENT, "nk must be >= 1 (got " + str(p->nk) + ")");
    if (p->batch > 65535)
        return bad(msg, DA_ERR_UNSUPPORTED, "batch must be <= 65535 (got " + str(p->batch) + ")");
    if (p->heads > 65535)
        return bad(msg, DA_ERR_UNSUPPORTED, "heads must be <= 65535 (got " + str(p->heads) + ")");

    if (p->head_dim <= 0)
        return bad(msg, DA_ERR_INVALID_ARGUMENT, "head_dim must be > 0 (got " + str(p->head_dim) + ")");
    if (p->head_dim != 32 && p->head_dim != 64 && p->head_dim != 128)
        return bad(msg, DA_ERR_UNSUPPORTED,
                   "head_dim " + str(p->head_dim) + " is not supported (expected 32, 64 or 128)");
    if (p->dtype != DA_DTYPE_FP16 && p->dtype != DA_DTYPE_BF16)
        return bad(msg, DA_ERR_INVALID_ARGUMENT,
                   "dtype must be DA_DTYPE_FP16 (0) or DA_DTYPE_BF16 (1) (got " + str(p->dtype) + ")");
    const int G = p->group_size;
    if (G <= 0)
        return bad(msg, DA_ERR_INVALID_ARGUMENT, "group_size must be > 0 (got " + str(G) + ")");
    if (G != 1 && G != 2 && G != 4 && G != 8 && G != 16)
        return bad(msg, DA_ERR_UNSUPPORTED,
                   "group_size " + str(G) + " is not supported (expected 1, 2, 4, 8 or 16)");
    if (p->head_dim % G != 0)
        return bad(msg, DA_ERR_INVALID_ARGUMENT, "group_size must divide head_dim");
    if (p->block_l <= 0 || p->block_l % 16 != 0)
        return bad(msg, DA_ERR_INVALID_ARGUMENT,
                   "block_l must be a positive multiple of 16 (got " + str(p->block_l) + ")");
    if (p->block_l != 64 && p->block_l != 128)
        return bad(msg, DA_ERR_UNSUPPORTED,
                   "block_l " + str(p->block_l) + " is not supported (expected 64 or 128)");
    if (p->mode != DA_MODE_MEAN && p->mode != DA_MODE_SAMPLE)
        return bad(msg, DA_ERR_INVALID_ARGUMENT,
                   "mode must be DA_MODE_MEAN (0) or DA_MODE_SAMPLE (1) (got " + str(p->mode) + ")");
    if (!std::isfinite(p->scale) || p->scale < 0.f)
        return bad(msg, DA_ERR_INVALID_ARGUMENT,
                   "scale must be finite and > 0, or 0 for 1/sqrt(head_dim) (got " + str(p->scale) + ")");
    if ((p->flags & ~DA_FLAG_KNOWN_MASK) != 0)
        return bad(msg, DA_ERR_INVALID_ARGUMENT, "flags has unknown bits (" + str(p->flags) + ")");
    if (p->block_n != 0 && p->block_n != 64 && p->block_n != 128)
        return bad(msg, DA_ERR_UNSUPPORTED,
                   "block_n " + str(p->block_n) + " is not supported (expected 0 = default, 64 or 128)");
    if (p->block_n == 128 && p->head_dim == 128)
        return bad(msg, DA_ERR_UNSUPPORTED, "block_n 128 is not supported for head_dim 128 (use 64)");

    struct {
        const void* ptr;
        const char* name;
    } al16[] = {{p->q, "q"}, {p->k, "k"}, {p->v, "v"}, {p->o, "o"}};
    for (auto& x : al16)
        if (!aligned(x.ptr, 16))
            return bad(msg, DA_ERR_INVALID_ARGUMENT, std::string(x.name) + " must be 16-byte aligned");
    if (!aligned(p->r, 4)) return bad(msg, DA_ERR_INVALID_ARGUMENT, "r must be 4-byte aligned");
    if (p->lse && !aligned(p->lse, 4)) return bad(msg, DA_ERR_INVALID_ARGUMENT, "lse must be 4-byte aligned");
    if (p->perm_out && !aligned(p->perm_out, 4))
        return bad(msg, DA_ERR_INVALID_ARGUMENT, "perm_out must be 4-byte aligned");

    int st;
    if ((st = check_strides("q", p->q_batch_stride, p->q_head_stride, p->q_row_stride, msg)) != DA_OK) return st;
    if ((st = check_strides("k", p->k_batch_stride, p->k_head_stride, p->k_row_stride, msg)) != DA_OK) return st;
    if ((st = check_strides("v", p->v_batch_stride, p->v_head_stride, p->v_row_stride, msg)) != DA_OK) return st;
    if ((st = check_strides("o", p->o_batch_stride, p->o_head_stride, p->o_row_stride, msg)) != DA_OK) return st;
    // O is written: its rows, heads and batches must not overlap.
    if (p->nq > 1 && p->o_row_stride < p->head_dim)
        return bad(msg, DA_ERR_INVALID_ARGUMENT,
                   "o_row_stride must be >= head_dim (rows of O must not overlap)");
    if (p->heads > 1 && p->o_head_stride == 0)
        return bad(msg, DA_ERR_INVALID_ARGUMENT, "o_head_stride must be > 0 when heads > 1");
    if (p->batch > 1 && p->o_batch_stride == 0)
        return bad(msg, DA_ERR_INVALID_ARGUMENT, "o_batch_stride must be > 0 when batch > 1");
    return DA_OK;
}

}  // namespace da
