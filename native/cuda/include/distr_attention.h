/*
 * distr_attention.h — C ABI of the DistrAttention native library (libdistr_attention).
 *
 * One fused CUDA forward kernel for DistrAttention (arXiv 2507.17245), exact semantics in
 * docs/semantics.md: per query block of `block_l` rows, locality-sensitive hashing of Q's columns
 * (16 random projections, sign bits, inverse Gray code, stable sort), groups of G columns,
 * Q̂ (mean or sample of each group), K̂ (sum of each group), S = scale·Q̂K̂ᵀ, softmax, O = PV.
 *
 * Conventions
 *  - All tensors are CUDA device memory of the current device. Q [B,H,Nq,d], K [B,H,Nk,d],
 *    V [B,H,Nk,d], O [B,H,Nq,d] in the element type `dtype`; the last dimension is contiguous,
 *    the other three have the strides given (in ELEMENTS, not bytes). Every pointer must be
 *    16-byte aligned and every stride a multiple of 8 elements (16 bytes).
 *  - lse (optional) is float32 [B,H,Nq], contiguous: natural-log log-sum-exp of each row of S.
 *  - o must not overlap k or v: on sm_90a the hashing pre-pass writes Q~ into o
 *    before the attention kernel reads it back and overwrites it with the output.
 *  - r is float32 [block_l, 16], row-major, device memory (the LSH projection matrix R).
 *  - Causal: query row i sees key j iff j <= i + Nk - Nq. A row that sees no key at all
 *    (possible when Nq > Nk) gets O = 0 and lse = -inf (never NaN).
 *  - The call is asynchronous on `stream` (a cudaStream_t; NULL = the legacy default stream).
 *    Argument errors are reported synchronously; kernel-time faults surface on the stream.
 *  - Every function returns a status code; on failure, da_last_error() returns a message for
 *    the calling thread (thread-local). No C++ exception crosses this ABI.
 *
 * Versioning: callers fill `struct_size = sizeof(da_fwd_params)` and `version = DA_API_VERSION`
 * (da_fwd_params_init does both). A struct smaller than the library's version-1 layout, or an
 * unknown version, is refused with DA_ERR_VERSION. Reserved fields must be zero.
 */
#ifndef DISTR_ATTENTION_H
#define DISTR_ATTENTION_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define DA_API __declspec(dllexport)
#else
#define DA_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define DA_API_VERSION 1
#define DA_LSH_PROJECTIONS 16 /* P = N' = 16 columns of R */

/* Status codes (int). */
typedef enum da_status {
    DA_OK = 0,
    DA_ERR_NULL_ARGUMENT = 1,        /* a required pointer is NULL */
    DA_ERR_INVALID_ARGUMENT = 2,     /* a shape, stride, alignment or value is invalid */
    DA_ERR_UNSUPPORTED = 3,          /* valid but not supported (d, G, l, block size, GPU arch) */
    DA_ERR_VERSION = 4,              /* struct_size / version not understood */
    DA_ERR_NOT_BUILT_WITH_CUDA = 5,  /* this library was built without CUDA kernels */
    DA_ERR_CUDA = 6,                 /* a CUDA runtime call or the launch failed */
    DA_ERR_INTERNAL = 7              /* unexpected internal failure (bug) */
} da_status;

typedef enum da_dtype { DA_DTYPE_FP16 = 0, DA_DTYPE_BF16 = 1 } da_dtype;
typedef enum da_mode { DA_MODE_MEAN = 0, DA_MODE_SAMPLE = 1 } da_mode;

/* Flags (bit mask, field `flags`). */
#define DA_FLAG_CAUSAL 1u          /* causal mask j <= i + Nk - Nq */
#define DA_FLAG_DEBUG_NO_LSH 2u    /* DEBUG/benchmark only: skip hashing, use the identity
                                      permutation (sigma_b[t] = t). Not DistrAttention. */
#define DA_FLAG_DEBUG_NO_TIE_RECOMPUTE 4u  /* DEBUG/test only: the tensor-core hash of the sm_90a pre-pass (and
                                      da_qtilde) skips the exact fp32 recomputation of projections near a sign
                                      tie, so sigma_b may differ from da_reference_permutation there. Exists so
                                      that a test can show the recomputation matters; no effect on the portable
                                      kernel, whose hash is the reference's fma chain itself. */
#define DA_FLAG_KNOWN_MASK 7u      /* all flags this version knows; others are refused */

typedef struct da_fwd_params {
    uint32_t struct_size;  /* sizeof(da_fwd_params) as compiled by the caller */
    uint32_t version;      /* DA_API_VERSION */

    const void* q;         /* [B,H,Nq,d] dtype */
    const void* k;         /* [B,H,Nk,d] dtype */
    const void* v;         /* [B,H,Nk,d] dtype */
    void* o;               /* [B,H,Nq,d] dtype, written entirely */
    float* lse;            /* optional [B,H,Nq] fp32 contiguous; NULL = not written */
    const float* r;        /* [block_l,16] fp32 row-major (LSH projection matrix) */
    int32_t* perm_out;     /* optional [B,H,ceil(Nq/block_l),d] int32: sigma_b of every query
                              block (column indices sorted by (gray key, column)); NULL = none.
                              With G = 1 the kernel still hashes when this is non-NULL. */

    /* strides in elements; index of (b,h,n,c) = b*batch + h*head + n*row + c */
    int64_t q_batch_stride, q_head_stride, q_row_stride;
    int64_t k_batch_stride, k_head_stride, k_row_stride;
    int64_t v_batch_stride, v_head_stride, v_row_stride;
    int64_t o_batch_stride, o_head_stride, o_row_stride;

    int32_t batch;         /* B >= 1 */
    int32_t heads;         /* H >= 1 */
    int32_t nq;            /* Nq >= 1 */
    int32_t nk;            /* Nk >= 1 */
    int32_t head_dim;      /* d: 32, 64 or 128 (V has the same head dim) */
    int32_t dtype;         /* da_dtype */
    int32_t group_size;    /* G: 1, 2, 4, 8 or 16; G divides d; G = 1 is exact attention */
    int32_t block_l;       /* l: query rows per LSH block = the kernel's query tile; 64 or 128 */
    int32_t mode;          /* da_mode */
    float scale;           /* softmax scale; 0 = default 1/sqrt(d) (the original d) */
    uint32_t flags;        /* DA_FLAG_* */
    int32_t block_n;       /* key tile m: 0 = default for (arch, d); else 64 or 128.
                              A tuning knob only: it never changes results beyond rounding. */
    int32_t reserved[8];   /* must be zero */
} da_fwd_params;

/* Fills defaults: struct_size, version, G = 2, l = 64, mode Mean, scale 0 (= 1/sqrt d),
   dtype fp16, block_n 0, all pointers NULL, all shapes/strides 0. */
DA_API void da_fwd_params_init(da_fwd_params* p);

/* Validates, picks the kernel configuration and launches on `stream`. */
DA_API int da_forward(const da_fwd_params* p, void* stream);

/* The hashing pre-pass alone (docs/semantics.md: DistrAttention is exact attention on Q~): writes
   Q~ [B,H,Nq,d] into o (dtype; strides o_*), Q~[i,c] = the representative of c's group in i's
   query block (Mean: the group's mean, fp32 sum and one rounding; Sample: its first column), and,
   when perm_out is non-NULL, sigma_b. Reads q and r; k, v, lse, scale and block_n are ignored (k and
   v may be NULL), and so are the flags except DA_FLAG_DEBUG_NO_TIE_RECOMPUTE. G = 1 needs perm_out (Q~ = Q: nothing else to write). o must not
   overlap q. Supported: compute capability >= 8.0, d in {32, 64}, l in {64, 128}; otherwise
   DA_ERR_UNSUPPORTED. Asynchronous on `stream`, like da_forward. */
DA_API int da_qtilde(const da_fwd_params* p, void* stream);

/* The adjoint of da_qtilde's Q -> Q~ for given permutations (the training backward, docs/semantics.md):
   reads dQ~ from q (strides q_*) and sigma_b from perm_out (an INPUT here: int32 [B,H,ceil(Nq/l),d]
   as da_qtilde wrote it for the same Q, l and shapes), writes dQ [B,H,Nq,d] to o (strides o_*).
   Group g of block b = columns sigma_b[g*G .. g*G+G-1]. Mean: dQ[i,c] = (1/G)·sum of dQ~[i,c'] over
   c's group; Sample: the group's first column gets that sum, the others 0 (fp32 sums, one rounding).
   sigma is piecewise constant in Q: no gradient flows through it. r, k, v, lse, scale, flags and
   block_n are ignored (may be NULL). o must not overlap q. Same support as da_qtilde. */
DA_API int da_qtilde_backward(const da_fwd_params* p, void* stream);

/* Validation only (no CUDA call): DA_OK or the status da_forward would return for the
   arguments (except device-dependent checks). Sets the last error on failure. */
DA_API int da_check_params(const da_fwd_params* p);

/* Validation only (no CUDA call): DA_OK or the status da_qtilde would return for the arguments
   (except device-dependent checks: compute capability, device memory). Sets the last error on
   failure. Lets a caller ask whether the pre-pass supports a configuration without restating it. */
DA_API int da_check_qtilde_params(const da_fwd_params* p);

/* Message of the last failed call on this thread ("" if none). Valid until the next call. */
DA_API const char* da_last_error(void);

/* Name of the kernel the last successful da_forward on this thread launched: "sm90/vN" (the sm_90a
   TMA/wgmma kernel, variant N of sm90/launch.cuh: 0, 1, 2, 5 or 6), or "portable/exact" (G = 1),
   "portable/expand" or "portable/khat" (the sm_80+ mma.sync kernel and its mode); "" before any.
   For tests and benchmarks; the choice never changes results beyond rounding. */
DA_API const char* da_last_kernel(void);

/* Static name of a status code, e.g. "DA_ERR_UNSUPPORTED". */
DA_API const char* da_status_string(int status);

/* DA_API_VERSION of the library. */
DA_API int da_api_version(void);

/* 1 if the CUDA kernels were compiled in, else 0. */
DA_API int da_built_with_cuda(void);

/* Host (CPU) reference of docs/semantics.md steps 1-3 for one query block, bit-exact with the
   kernel: q is fp32 [rows, d] row-major (rows <= l; missing rows count as zero), r is fp32
   [l,16] row-major, p_j(c) accumulates i = 0..rows-1 in order with fused multiply-add.
   Writes perm[0..d-1] = sigma_b. Also usable as the reference in other implementations. */
DA_API int da_reference_permutation(const float* q, int32_t rows, int32_t d, int32_t l,
                                    const float* r, int32_t* perm);

#ifdef __cplusplus
}
#endif

#endif /* DISTR_ATTENTION_H */
