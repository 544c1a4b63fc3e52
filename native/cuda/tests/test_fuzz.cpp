// ABI fuzz of libdistr_attention (issue 14, item 8): seeded random calls of da_forward, da_qtilde,
// da_qtilde_backward, da_check_params and da_check_qtilde_params — random shapes and strides, NULL pointers,
// misalignment, overlapping o/k and o/q, unsupported d/G/l, huge sizes and strides, bad versions, struct sizes,
// reserved fields and flags.
//
// Oracle: an independent, order-free model of the documented rules (distr_attention.h) collects every rule a call
// breaks. The library must return the status of one of them (it reports the first it checks) with a message that
// names the field; a call that breaks none must take the valid path: DA_OK from the two checks, and from the others
// DA_ERR_NOT_BUILT_WITH_CUDA (host build), "not device memory" (CUDA build, host pointers), or a launch (CUDA build,
// cudaMalloc'd pointers, FuzzAbi.DevicePointers) after which the device must still be healthy. Every status is a
// known code, every failure has a non-empty message, and the process never crashes.
//
// Environment: DA_FUZZ_SEED (default 14), DA_FUZZ_CASES (host pointers, default 20000), DA_FUZZ_DEVICE_CASES (device
// pointers, default 1000; scripts/gpu-kernel-suite.sh runs them under compute-sanitizer memcheck).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "distr_attention.h"

#if defined(DA_FUZZ_WITH_CUDA)
#include <cuda_runtime.h>
#endif

namespace {

// Buffers the pointers of a case point into (with a byte offset).
enum Buffer { kBufQ, kBufK, kBufV, kBufO, kBufLse, kBufR, kBufPerm, kBufSigma, kNumBuffers };
constexpr int64_t kBufferBytes = int64_t{8} << 20;  // each device buffer
constexpr int kNone = -1;                            // a NULL pointer

// One pointer of a case: buffer (kNone = NULL) and byte offset.
struct Ptr {
    int buffer = kNone;
    int64_t offset = 0;
};

enum Function { kCheck, kForward, kQtilde, kQtildeBackward, kCheckQtilde, kNumFunctions };
const char* const kFunctionNames[kNumFunctions] = {"da_check_params", "da_forward", "da_qtilde", "da_qtilde_backward",
                                                   "da_check_qtilde_params"};
// The pre-pass functions: da_qtilde, its adjoint and its check take q (and r) only, and d = 32 or 64.
bool is_prepass(Function f) { return f == kQtilde || f == kQtildeBackward || f == kCheckQtilde; }
// The functions that only validate (no device call).
bool is_check(Function f) { return f == kCheck || f == kCheckQtilde; }

struct Case {
    da_fwd_params p{};  // everything but the pointers
    Ptr q, k, v, o, lse, r, perm;
    bool null_params = false;
    std::string what;   // the mutations, for failure messages
};

// A rule the call breaks: the status the library must then be able to return and a word its message must contain.
struct Broken {
    int status;
    std::string keyword;
};

int env_int(const char* name, int fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && v[0] != '\0' ? std::atoi(v) : fallback;
}

template <typename T>
T pick(std::mt19937_64& rng, std::initializer_list<T> values) {
    std::uniform_int_distribution<size_t> u(0, values.size() - 1);
    return *(values.begin() + u(rng));
}

int uniform(std::mt19937_64& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

// Strides of a [B,H,N,d] tensor in one of the layouts the library accepts (elements, last dimension contiguous).
void layout(std::mt19937_64& rng, int H, int N, int d, bool allow_broadcast, int64_t* bs, int64_t* hs,
            int64_t* rs) {
    const int64_t pad = 8 * uniform(rng, 0, 2);
    const int kind = uniform(rng, 0, allow_broadcast ? 2 : 1);
    if (kind == 0) {  // [B,H,N,d], rows padded
        *rs = d + pad;
        *hs = int64_t{N} * *rs;
        *bs = int64_t{H} * *hs;
    } else if (kind == 1) {  // [B,N,H,d] viewed as [B,H,N,d] (interleaved heads)
        *hs = d + pad;
        *rs = int64_t{H} * *hs;
        *bs = int64_t{N} * *rs;
    } else {  // broadcast over batch and/or heads (inputs only)
        *rs = d + pad;
        *hs = uniform(rng, 0, 1) ? 0 : int64_t{N} * *rs;
        *bs = uniform(rng, 0, 1) ? 0 : int64_t{H} * (*hs == 0 ? int64_t{N} * *rs : *hs);
    }
}

// A call every rule allows (small shapes: it fits the device buffers).
Case valid_case(std::mt19937_64& rng) {
    Case c;
    da_fwd_params& p = c.p;
    da_fwd_params_init(&p);
    p.head_dim = pick(rng, {32, 64, 128});
    p.dtype = uniform(rng, 0, 1);
    p.group_size = pick(rng, {1, 2, 4, 8, 16});
    p.block_l = pick(rng, {64, 128});
    p.mode = uniform(rng, 0, 1);
    p.batch = uniform(rng, 1, 3);
    p.heads = uniform(rng, 1, 4);
    p.nq = uniform(rng, 0, 3) == 0 ? uniform(rng, 1, 3) : uniform(rng, 1, 300);
    p.nk = uniform(rng, 0, 3) == 0 ? uniform(rng, 1, 3) : uniform(rng, 1, 300);
    p.flags = static_cast<uint32_t>(uniform(rng, 0, 7)) & DA_FLAG_KNOWN_MASK;
    p.block_n = p.head_dim == 128 ? pick(rng, {0, 64}) : pick(rng, {0, 64, 128});
    p.scale = uniform(rng, 0, 1) ? 0.f : std::uniform_real_distribution<float>(0.01f, 2.f)(rng);
    const int d = p.head_dim;
    layout(rng, p.heads, p.nq, d, true, &p.q_batch_stride, &p.q_head_stride, &p.q_row_stride);
    layout(rng, p.heads, p.nk, d, true, &p.k_batch_stride, &p.k_head_stride, &p.k_row_stride);
    layout(rng, p.heads, p.nk, d, true, &p.v_batch_stride, &p.v_head_stride, &p.v_row_stride);
    layout(rng, p.heads, p.nq, d, false, &p.o_batch_stride, &p.o_head_stride, &p.o_row_stride);
    auto at = [&](int buffer) { return Ptr{buffer, 16 * uniform(rng, 0, 4)}; };
    c.q = at(kBufQ);
    c.k = at(kBufK);
    c.v = at(kBufV);
    c.o = at(kBufO);
    c.r = Ptr{kBufR, 4 * uniform(rng, 0, 4)};
    c.lse = uniform(rng, 0, 1) ? Ptr{} : Ptr{kBufLse, 4 * uniform(rng, 0, 4)};
    c.perm = uniform(rng, 0, 1) ? Ptr{} : Ptr{kBufPerm, 4 * uniform(rng, 0, 4)};
    return c;
}

// Mutation groups: two mutations of one case never touch the same group.
enum Group : unsigned {
    gQ = 1u << 0, gK = 1u << 1, gV = 1u << 2, gO = 1u << 3, gR = 1u << 4, gLse = 1u << 5, gPerm = 1u << 6,
    gBatch = 1u << 7, gHeads = 1u << 8, gNq = 1u << 9, gNk = 1u << 10, gD = 1u << 11, gDtype = 1u << 12,
    gG = 1u << 13, gL = 1u << 14, gMode = 1u << 15, gScale = 1u << 16, gFlags = 1u << 17, gBlockN = 1u << 18,
    gReserved = 1u << 19, gVersion = 1u << 20, gSize = 1u << 21, gQs = 1u << 22, gKs = 1u << 23, gVs = 1u << 24,
    gOs = 1u << 25
};
constexpr int kNumMutations = 33;

// Applies mutation m if its groups are free; returns false (nothing done) otherwise.
bool mutate(std::mt19937_64& rng, int m, unsigned* used, Case* c) {
    static const unsigned groups[kNumMutations] = {
        gQ, gK, gV, gO, gR, gLse, gPerm,                  // 0-6: NULL pointers
        gQ, gK, gV, gO, gR, gLse, gPerm,                  // 7-13: misaligned pointers
        gO, gO,                                           // 14-15: o overlapping k / q
        gBatch, gHeads, gNq, gNk,                         // 16-19: bad or huge sizes
        gD, gDtype, gG, gL, gMode, gScale, gFlags, gBlockN, gReserved, gVersion, gSize,  // 20-30
        gQs | gKs | gVs | gOs,                            // 31: a stride not a multiple of 8, negative, or huge
        gOs | gNq | gHeads | gBatch};                     // 32: rows, heads or batches of O overlapping
    if ((*used & groups[m]) != 0) return false;
    *used |= groups[m];
    da_fwd_params& p = c->p;
    Ptr* ptrs[7] = {&c->q, &c->k, &c->v, &c->o, &c->r, &c->lse, &c->perm};
    const char* names[7] = {"q", "k", "v", "o", "r", "lse", "perm_out"};
    const int32_t big = std::numeric_limits<int32_t>::max(), small = std::numeric_limits<int32_t>::min();
    char buf[160];
    switch (m) {
        case 0: case 1: case 2: case 3: case 4: case 5: case 6:
            *ptrs[m] = Ptr{};
            std::snprintf(buf, sizeof buf, "%s NULL; ", names[m]);
            break;
        case 7: case 8: case 9: case 10: case 11: case 12: case 13: {
            Ptr& x = *ptrs[m - 7];
            if (x.buffer == kNone) x = Ptr{m - 7 == 5 ? kBufLse : kBufPerm, 0};  // lse, perm_out: optional
            const int64_t by = pick<int64_t>(rng, {1, 2, 3, 4, 8, 12});
            x.offset += by;
            std::snprintf(buf, sizeof buf, "%s + %lld bytes; ", names[m - 7], static_cast<long long>(by));
            break;
        }
        case 14:
            c->o = Ptr{c->k.buffer == kNone ? kBufK : c->k.buffer, c->k.offset + 16 * uniform(rng, 0, 2)};
            std::snprintf(buf, sizeof buf, "o overlaps k; ");
            break;
        case 15:
            c->o = Ptr{c->q.buffer == kNone ? kBufQ : c->q.buffer, c->q.offset + 16 * uniform(rng, 0, 2)};
            std::snprintf(buf, sizeof buf, "o overlaps q; ");
            break;
        case 16: case 17: case 18: case 19: case 20: case 21: case 22: case 23: case 24: {
            // an integer field set to a bad, unsupported or huge value
            const std::vector<int32_t> sizes = {0, -1, small, 65535, 65536, 70000, big};  // batch, heads: <= 65535
            const std::vector<int32_t> lengths = {0, -5, small, 1 << 20, 1 << 28, big};
            const struct {
                int32_t* x;
                const char* name;
                std::vector<int32_t> values;
            } fields[9] = {{&p.batch, "batch", sizes},
                           {&p.heads, "heads", sizes},
                           {&p.nq, "nq", lengths},
                           {&p.nk, "nk", lengths},
                           {&p.head_dim, "head_dim", {0, -32, 8, 16, 33, 48, 96, 256, big}},
                           {&p.dtype, "dtype", {2, -1, 99, big}},
                           {&p.group_size, "group_size", {0, -2, 3, 5, 6, 12, 32, 64, small}},
                           {&p.block_l, "block_l", {0, -64, 8, 16, 32, 48, 100, 192, 256, 1 << 30, big}},
                           {&p.mode, "mode", {2, -1, 7}}};
            const auto& field = fields[m - 16];
            *field.x = field.values[std::uniform_int_distribution<size_t>(0, field.values.size() - 1)(rng)];
            std::snprintf(buf, sizeof buf, "%s = %d; ", field.name, *field.x);
            break;
        }
        case 25:
            p.scale = pick<float>(rng, {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                                        -std::numeric_limits<float>::infinity(), -1.f, -0.f, 1e30f});
            std::snprintf(buf, sizeof buf, "scale = %g; ", static_cast<double>(p.scale));
            break;
        case 26:
            p.flags |= 1u << uniform(rng, 3, 31);
            std::snprintf(buf, sizeof buf, "flags = 0x%x; ", p.flags);
            break;
        case 27:
            p.block_n = p.head_dim == 128 ? pick<int32_t>(rng, {128, -1, 1, 96}) : pick<int32_t>(rng, {-1, 1, 32, 96, 256});
            std::snprintf(buf, sizeof buf, "block_n = %d; ", p.block_n);
            break;
        case 28: {
            const int i = uniform(rng, 0, 7);
            p.reserved[i] = pick<int32_t>(rng, {1, -1, big});
            std::snprintf(buf, sizeof buf, "reserved[%d] = %d; ", i, p.reserved[i]);
            break;
        }
        case 29:
            p.version = pick<uint32_t>(rng, {0u, 2u, 99u, 0xffffffffu});
            std::snprintf(buf, sizeof buf, "version = %u; ", p.version);
            break;
        case 30:
            p.struct_size = pick<uint32_t>(rng, {0u, 8u, static_cast<uint32_t>(sizeof(da_fwd_params)) - 4u,
                                                 static_cast<uint32_t>(sizeof(da_fwd_params)) + 8u, 0xffffffffu});
            std::snprintf(buf, sizeof buf, "struct_size = %u; ", p.struct_size);
            break;
        case 31: {
            int64_t* strides[4][3] = {{&p.q_batch_stride, &p.q_head_stride, &p.q_row_stride},
                                      {&p.k_batch_stride, &p.k_head_stride, &p.k_row_stride},
                                      {&p.v_batch_stride, &p.v_head_stride, &p.v_row_stride},
                                      {&p.o_batch_stride, &p.o_head_stride, &p.o_row_stride}};
            const int t = uniform(rng, 0, 3), w = uniform(rng, 0, 2);
            int64_t& s = *strides[t][w];
            const int how = uniform(rng, 0, 2);
            if (how == 0) s += uniform(rng, 1, 7);
            else if (how == 1) s = -8 * int64_t{uniform(rng, 1, 1000)};
            else s = int64_t{8} << uniform(rng, 30, 59);  // valid, but far past any buffer (int64 overflow of offsets)
            std::snprintf(buf, sizeof buf, "%s_%s_stride = %lld; ", names[t], w == 0 ? "batch" : (w == 1 ? "head" : "row"),
                          static_cast<long long>(s));
            break;
        }
        case 32: {
            const int w = uniform(rng, 0, 2);
            if (w == 0) {
                if (p.nq < 2) p.nq = 2 + uniform(rng, 0, 100);
                p.o_row_stride = 8 * uniform(rng, 0, std::max(0, p.head_dim / 8 - 1));  // < head_dim (when it is > 0)
            } else if (w == 1) {
                if (p.heads < 2) p.heads = 2;
                p.o_head_stride = 0;
            } else {
                if (p.batch < 2) p.batch = 2;
                p.o_batch_stride = 0;
            }
            std::snprintf(buf, sizeof buf, "o overlapping itself (%s stride); ", w == 0 ? "row" : (w == 1 ? "head" : "batch"));
            break;
        }
        default:
            return false;
    }
    c->what += buf;
    return true;
}

Case random_case(std::mt19937_64& rng) {
    Case c = valid_case(rng);
    if (uniform(rng, 0, 199) == 0) {
        c.null_params = true;
        c.what = "params NULL; ";
        return c;
    }
    const int n = uniform(rng, 0, 9) < 3 ? 0 : uniform(rng, 1, 3);
    unsigned used = 0;
    for (int i = 0; i < n; ++i) mutate(rng, uniform(rng, 0, kNumMutations - 1), &used, &c);
    if (c.what.empty()) c.what = "valid; ";
    return c;
}

// The documented rules (distr_attention.h), as the function sees its arguments. Not the library's code: every rule
// is checked independently, in no order, and all broken ones are collected.
std::vector<Broken> broken_rules(const Case& c, Function f) {
    std::vector<Broken> out;
    if (c.null_params) return {{DA_ERR_NULL_ARGUMENT, "params"}};
    da_fwd_params e = c.p;  // what the validation sees
    Ptr q = c.q, k = c.k, v = c.v, o = c.o, lse = c.lse, r = c.r, perm = c.perm;
    if (is_prepass(f)) {
        // The pre-pass reads q (and r), writes o (and sigma): k, v, lse, scale, block_n and all flags but the tie flag
        // are ignored; the rules are those of a forward whose keys and values are Q.
        k = v = q;
        e.k_batch_stride = e.v_batch_stride = e.q_batch_stride;
        e.k_head_stride = e.v_head_stride = e.q_head_stride;
        e.k_row_stride = e.v_row_stride = e.q_row_stride;
        e.nk = e.nq;
        lse = Ptr{};
        e.scale = 0.f;
        e.block_n = 0;
        e.flags &= DA_FLAG_DEBUG_NO_TIE_RECOMPUTE;
        if (f == kQtildeBackward) {
            r = Ptr{kBufR, 0};  // not read
            if (perm.buffer == kNone) out.push_back({DA_ERR_NULL_ARGUMENT, "perm_out"});
        } else if (e.group_size == 1 && perm.buffer == kNone) {
            out.push_back({DA_ERR_INVALID_ARGUMENT, "nothing to write"});
        }
    }
    if (e.version != DA_API_VERSION) out.push_back({DA_ERR_VERSION, "version"});
    if (e.struct_size != sizeof(da_fwd_params)) out.push_back({DA_ERR_VERSION, "struct_size"});
    for (int i = 0; i < 8; ++i)
        if (e.reserved[i] != 0) out.push_back({DA_ERR_INVALID_ARGUMENT, "reserved"});
    const struct { const Ptr* p; const char* name; int align; bool required; } ptrs[] = {
        {&q, "q", 16, true}, {&k, "k", 16, true}, {&v, "v", 16, true}, {&o, "o", 16, true},
        {&r, "r", 4, true}, {&lse, "lse", 4, false}, {&perm, "perm_out", 4, false}};
    for (const auto& x : ptrs) {
        if (x.p->buffer == kNone) {
            if (x.required) out.push_back({DA_ERR_NULL_ARGUMENT, std::string(x.name) + " is NULL"});
        } else if (x.p->offset % x.align != 0) {  // every buffer base is 256-byte aligned
            out.push_back({DA_ERR_INVALID_ARGUMENT, std::string(x.name) + " must be " + std::to_string(x.align) + "-byte aligned"});
        }
    }
    if (e.batch < 1) out.push_back({DA_ERR_INVALID_ARGUMENT, "batch"});
    if (e.batch > 65535) out.push_back({DA_ERR_UNSUPPORTED, "batch"});
    if (e.heads < 1) out.push_back({DA_ERR_INVALID_ARGUMENT, "heads"});
    if (e.heads > 65535) out.push_back({DA_ERR_UNSUPPORTED, "heads"});
    if (e.nq < 1) out.push_back({DA_ERR_INVALID_ARGUMENT, "nq"});
    if (e.nk < 1) out.push_back({DA_ERR_INVALID_ARGUMENT, "nk"});
    const int d = e.head_dim, G = e.group_size, l = e.block_l;
    if (d <= 0) out.push_back({DA_ERR_INVALID_ARGUMENT, "head_dim"});
    else if (d != 32 && d != 64 && d != 128) out.push_back({DA_ERR_UNSUPPORTED, "head_dim"});
    else if (d == 128 && is_prepass(f)) out.push_back({DA_ERR_UNSUPPORTED, "head_dim"});
    if (e.dtype != DA_DTYPE_FP16 && e.dtype != DA_DTYPE_BF16) out.push_back({DA_ERR_INVALID_ARGUMENT, "dtype"});
    if (G <= 0) out.push_back({DA_ERR_INVALID_ARGUMENT, "group_size"});
    else if (G != 1 && G != 2 && G != 4 && G != 8 && G != 16) out.push_back({DA_ERR_UNSUPPORTED, "group_size"});
    if (d > 0 && G > 0 && d % G != 0) out.push_back({DA_ERR_INVALID_ARGUMENT, "group_size"});
    if (l <= 0 || l % 16 != 0) out.push_back({DA_ERR_INVALID_ARGUMENT, "block_l"});
    else if (l != 64 && l != 128) out.push_back({DA_ERR_UNSUPPORTED, "block_l"});
    if (e.mode != DA_MODE_MEAN && e.mode != DA_MODE_SAMPLE) out.push_back({DA_ERR_INVALID_ARGUMENT, "mode"});
    if (!(std::isfinite(e.scale) && e.scale >= 0.f)) out.push_back({DA_ERR_INVALID_ARGUMENT, "scale"});
    if ((e.flags & ~DA_FLAG_KNOWN_MASK) != 0) out.push_back({DA_ERR_INVALID_ARGUMENT, "flags"});
    if (e.block_n != 0 && e.block_n != 64 && e.block_n != 128) out.push_back({DA_ERR_UNSUPPORTED, "block_n"});
    if (e.block_n == 128 && d == 128) out.push_back({DA_ERR_UNSUPPORTED, "block_n"});
    const struct { const char* name; int64_t s[3]; } strides[] = {
        {"q", {e.q_batch_stride, e.q_head_stride, e.q_row_stride}},
        {"k", {e.k_batch_stride, e.k_head_stride, e.k_row_stride}},
        {"v", {e.v_batch_stride, e.v_head_stride, e.v_row_stride}},
        {"o", {e.o_batch_stride, e.o_head_stride, e.o_row_stride}}};
    const char* which[3] = {"batch", "head", "row"};
    for (const auto& t : strides)
        for (int i = 0; i < 3; ++i)
            if (t.s[i] < 0 || t.s[i] % 8 != 0)
                out.push_back({DA_ERR_INVALID_ARGUMENT, std::string(t.name) + "_" + which[i] + "_stride"});
    if (e.nq > 1 && e.o_row_stride < d) out.push_back({DA_ERR_INVALID_ARGUMENT, "o_row_stride"});
    if (e.heads > 1 && e.o_head_stride == 0) out.push_back({DA_ERR_INVALID_ARGUMENT, "o_head_stride"});
    if (e.batch > 1 && e.o_batch_stride == 0) out.push_back({DA_ERR_INVALID_ARGUMENT, "o_batch_stride"});
    return out;
}

// Bytes from a [B,H,N,d] tensor's first element to the end of its last one; -1 when that is not a small positive
// number (negative sizes or strides, or more than a buffer).
int64_t tensor_bytes(int B, int H, int N, int d, int64_t bs, int64_t hs, int64_t rs) {
    if (B < 1 || H < 1 || N < 1 || d < 1 || bs < 0 || hs < 0 || rs < 0) return -1;
    const double elems = double(B - 1) * double(bs) + double(H - 1) * double(hs) + double(N - 1) * double(rs) + d;
    return elems * 2 > double(kBufferBytes) ? -1 : static_cast<int64_t>(elems) * 2;
}

// Whether every pointer of the call, with what the kernel reads or writes from it, lies inside its device buffer:
// only then does the device test hand out device pointers (a too-large valid call would be the caller's error).
bool fits_buffers(const Case& c, Function f) {
    const da_fwd_params& p = c.p;
    const bool pre = is_prepass(f);
    const int nk = pre ? p.nq : p.nk;
    auto inside = [](const Ptr& x, int64_t bytes) {
        return x.buffer == kNone || (bytes >= 0 && x.offset + bytes <= kBufferBytes);
    };
    if (p.block_l < 1 || p.block_l > 4096) return false;
    const double blocks = std::ceil(double(p.nq) / p.block_l);
    const double rows = double(p.batch) * p.heads;
    const double lse_bytes = rows * p.nq * 4, perm_bytes = rows * blocks * p.head_dim * 4;
    auto bytes = [](double x) { return x > double(kBufferBytes) || x < 0 ? int64_t{-1} : static_cast<int64_t>(x); };
    return inside(c.q, tensor_bytes(p.batch, p.heads, p.nq, p.head_dim, p.q_batch_stride, p.q_head_stride, p.q_row_stride)) &&
           (pre || inside(c.k, tensor_bytes(p.batch, p.heads, nk, p.head_dim, p.k_batch_stride, p.k_head_stride, p.k_row_stride))) &&
           (pre || inside(c.v, tensor_bytes(p.batch, p.heads, nk, p.head_dim, p.v_batch_stride, p.v_head_stride, p.v_row_stride))) &&
           inside(c.o, tensor_bytes(p.batch, p.heads, p.nq, p.head_dim, p.o_batch_stride, p.o_head_stride, p.o_row_stride)) &&
           inside(c.r, int64_t{p.block_l} * 16 * 4) && (pre || inside(c.lse, bytes(lse_bytes))) &&
           inside(c.perm, bytes(perm_bytes));
}

// Host memory the pointers of a host-pointer case point into (the library never reads it: every call is refused
// before a kernel would run).
struct HostArena {
    std::vector<unsigned char> bytes = std::vector<unsigned char>(kNumBuffers * 4096 + 256);
    uintptr_t base(int buffer) const {
        const uintptr_t first = (reinterpret_cast<uintptr_t>(bytes.data()) + 255) & ~uintptr_t{255};
        return first + static_cast<uintptr_t>(buffer) * 4096;
    }
};

struct Bases {
    uintptr_t at[kNumBuffers] = {};
};

void* address(const Bases& bases, const Ptr& x) {
    if (x.buffer == kNone) return nullptr;
    return reinterpret_cast<void*>(bases.at[x.buffer] + static_cast<uintptr_t>(x.offset));
}

da_fwd_params with_pointers(const Case& c, const Bases& b, Function f) {
    da_fwd_params p = c.p;
    p.q = address(b, c.q);
    p.k = address(b, c.k);
    p.v = address(b, c.v);
    p.o = address(b, c.o);
    p.lse = static_cast<float*>(address(b, c.lse));
    p.r = static_cast<const float*>(address(b, c.r));
    Ptr perm = c.perm;
    // da_qtilde_backward READS sigma: in device memory it gets the zero-filled buffer (column 0 everywhere, always
    // in range), never the one da_forward / da_qtilde write for other shapes.
    if (f == kQtildeBackward && perm.buffer == kBufPerm) perm.buffer = kBufSigma;
    p.perm_out = static_cast<int32_t*>(address(b, perm));
    return p;
}

int call(Function f, const da_fwd_params* p) {
    switch (f) {
        case kCheck: return da_check_params(p);
        case kForward: return da_forward(p, nullptr);
        case kQtilde: return da_qtilde(p, nullptr);
        case kCheckQtilde: return da_check_qtilde_params(p);
        default: return da_qtilde_backward(p, nullptr);
    }
}

enum class Pointers { kHost, kDevice };

struct Fuzzer {
    Pointers mode;
    Bases host_bases, device_bases;
    std::map<std::string, int> histogram;  // function and status -> calls
    int launches = 0, failures = 0;

    void fail(const std::string& text) {
        ++failures;
        if (failures <= 25) ADD_FAILURE() << text;
    }

    // Runs one case through the four functions. Returns false when the device is no longer usable.
    bool run(uint64_t seed, int index, const Case& c) {
        for (int fi = 0; fi < kNumFunctions; ++fi) {
            const Function f = static_cast<Function>(fi);
            const std::vector<Broken> broken = broken_rules(c, f);
            const bool device = mode == Pointers::kDevice && broken.empty() && !is_check(f) && fits_buffers(c, f);
            const da_fwd_params p = with_pointers(c, device ? device_bases : host_bases, f);
            const int st = call(f, c.null_params ? nullptr : &p);
            const std::string msg = da_last_error();
            const std::string status = da_status_string(st);
            histogram[std::string(kFunctionNames[f]) + " " + status]++;
            char where[160];
            std::snprintf(where, sizeof where, "seed %llu case %d, %s%s: ", static_cast<unsigned long long>(seed),
                          index, kFunctionNames[f], device ? " (device pointers)" : "");
            const std::string context = std::string(where) + c.what + "-> " + status + " \"" + msg + "\"";
            if (status == "DA_ERR_UNKNOWN_STATUS") fail(context + ": not a status code");
            if (st != DA_OK && msg.empty()) fail(context + ": failed without a message");
            if (st == DA_OK && !msg.empty()) fail(context + ": DA_OK with a message");
            if (!broken.empty()) {
                bool allowed = false, named = false;
                std::string expected;
                for (const Broken& b : broken) {
                    expected += std::string(da_status_string(b.status)) + " (" + b.keyword + ") ";
                    if (b.status == st) {
                        allowed = true;
                        named = named || msg.find(b.keyword) != std::string::npos;
                    }
                }
                if (!allowed) fail(context + ": expected one of " + expected);
                else if (!named) fail(context + ": the message names none of " + expected);
                continue;
            }
            // A call every rule allows: the valid path.
            if (is_check(f)) {
                if (st != DA_OK) fail(context + ": expected DA_OK");
            } else if (!da_built_with_cuda()) {
                if (st != DA_ERR_NOT_BUILT_WITH_CUDA) fail(context + ": expected DA_ERR_NOT_BUILT_WITH_CUDA");
            } else if (!device) {
                // host memory: refused as not device memory (or a CUDA error without a GPU); the pre-pass refuses
                // GPUs below compute capability 8.0 before it looks at the pointers
                const bool ok = st == DA_ERR_INVALID_ARGUMENT || st == DA_ERR_CUDA ||
                                (f != kForward && st == DA_ERR_UNSUPPORTED);
                if (!ok) fail(context + ": expected a refusal of host memory");
            } else {
                if (st != DA_OK) fail(context + ": expected DA_OK");
                if (st == DA_OK) {
                    ++launches;
                    if (!device_healthy(context)) return false;
                }
            }
        }
        return true;
    }

    bool device_healthy(const std::string& context) {
#if defined(DA_FUZZ_WITH_CUDA)
        const cudaError_t e = cudaDeviceSynchronize();
        if (e != cudaSuccess) {
            fail(context + ": the kernel failed on the device: " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
            return false;
        }
#else
        (void)context;
#endif
        return true;
    }

    void report(const char* what, uint64_t seed, int cases) const {
        std::printf("%s: seed %llu, %d cases, %d kernel launches, %d failures\n", what,
                    static_cast<unsigned long long>(seed), cases, launches, failures);
        for (const auto& h : histogram) std::printf("  %-52s %d\n", h.first.c_str(), h.second);
    }
};

uint64_t fuzz_seed() { return static_cast<uint64_t>(env_int("DA_FUZZ_SEED", 14)); }

void run_cases(Fuzzer& fz, int cases) {
    const uint64_t seed = fuzz_seed();
    for (int i = 0; i < cases; ++i) {
        std::mt19937_64 rng(seed * 1000003u + static_cast<uint64_t>(i));  // case i alone reproduces
        const Case c = random_case(rng);
        if (!fz.run(seed, i, c)) break;
    }
}

TEST(FuzzAbi, HostPointers) {
    HostArena arena;
    Fuzzer fz{Pointers::kHost, {}, {}, {}, 0, 0};
    for (int b = 0; b < kNumBuffers; ++b) fz.host_bases.at[b] = arena.base(b);
    const int cases = env_int("DA_FUZZ_CASES", 20000);
    run_cases(fz, cases);
    fz.report("fuzz (host pointers)", fuzz_seed(), cases);
    EXPECT_EQ(fz.failures, 0);
    EXPECT_EQ(fz.launches, 0);
}

// The same calls with cudaMalloc'd buffers: a call that breaks no rule and fits the buffers runs its kernels, and the
// device must stay healthy (scripts/gpu-kernel-suite.sh fuzz runs this under compute-sanitizer memcheck).
TEST(FuzzAbi, DevicePointers) {
#if !defined(DA_FUZZ_WITH_CUDA)
    GTEST_SKIP() << "host build: no CUDA runtime linked (the CUDA build runs this test)";
#else
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
        (void)cudaGetLastError();
        GTEST_SKIP() << "no CUDA device";
    }
    HostArena arena;
    Fuzzer fz{Pointers::kDevice, {}, {}, {}, 0, 0};
    void* mem[kNumBuffers] = {};
    std::mt19937_64 rng(fuzz_seed());
    std::vector<uint16_t> halves(static_cast<size_t>(kBufferBytes / 2));
    std::vector<float> floats(static_cast<size_t>(kBufferBytes / 4));
    for (int b = 0; b < kNumBuffers; ++b) {
        ASSERT_EQ(cudaMalloc(&mem[b], static_cast<size_t>(kBufferBytes)), cudaSuccess);
        ASSERT_EQ(cudaMemset(mem[b], 0, static_cast<size_t>(kBufferBytes)), cudaSuccess);
        fz.device_bases.at[b] = reinterpret_cast<uintptr_t>(mem[b]);
        fz.host_bases.at[b] = arena.base(b);
    }
    // q, k, v, o: finite fp16 values of magnitude <= 1 (tiny finite numbers when read as bf16); R: N(0, 1).
    for (auto& h : halves) h = static_cast<uint16_t>(uniform(rng, 0x2000, 0x3bff) | (uniform(rng, 0, 1) << 15));
    for (auto& x : floats) x = std::normal_distribution<float>(0.f, 1.f)(rng);
    for (int b : {kBufQ, kBufK, kBufV, kBufO})
        ASSERT_EQ(cudaMemcpy(mem[b], halves.data(), static_cast<size_t>(kBufferBytes), cudaMemcpyHostToDevice), cudaSuccess);
    ASSERT_EQ(cudaMemcpy(mem[kBufR], floats.data(), static_cast<size_t>(kBufferBytes), cudaMemcpyHostToDevice), cudaSuccess);
    const int cases = env_int("DA_FUZZ_DEVICE_CASES", 1000);
    run_cases(fz, cases);
    fz.report("fuzz (device pointers)", fuzz_seed(), cases);
    for (void* m : mem) cudaFree(m);
    EXPECT_EQ(fz.failures, 0);
    EXPECT_GT(fz.launches, 0);
#endif
}

}  // namespace
