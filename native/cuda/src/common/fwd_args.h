// fwd_args.h — plain-C++ description of one forward launch, shared by the host code
// (validation, configuration, launch sequence) and the CUDA kernels. No CUDA types here.
#pragma once
#include <cstdint>

namespace da {

// How a group's columns are combined into Q-hat (da_fwd_params.mode, docs/semantics.md step 4): a template parameter
// of the kernels that group (the portable kernel's expand and K-hat paths, the Q~ pre-pass and its adjoint), chosen
// by the dispatcher (kernels/dispatch.cu). Same values as da_mode.
enum class GroupMode : int32_t { kMean = 0, kSample = 1 };

// The kernel configuration chosen by the host (see config.cpp).
struct KernelConfig {
    int head_dim = 0;   // d: 32, 64, 128
    int kdg = 0;        // contraction width of S: max(16, d/G); == d iff G == 1
    int block_m = 0;    // query tile == l (LSH block): 64 or 128; warps = block_m / 16
    int block_n = 0;    // key tile m: 64 or 128
    bool bf16 = false;
    bool sm90 = false;  // the sm_90a kernel (wgmma, warp specialisation) instead of the portable one
    // G > 1 without K-hat: the portable kernel expands Q-hat back to d columns (Q~[i,c] = Q-hat[i, group(c)])
    // and contracts S = Q~ K^T over d, which equals Q-hat K-hat^T (K-hat kept in fp32 instead of rounded).
    // Runs an instance of contraction width d (kdg stays the logical d/G). See docs/performance.md (expand mode).
    bool expand = false;
    GroupMode mode = GroupMode::kMean;  // ignored for G = 1
    // Variant of the sm_90a kernel (kernels/sm90/launch.cuh): 0, 1, 2, 5 or 6; see sm90_variant in config.cpp.
    int sm90_variant = 0;
};

// Everything the kernel reads, already validated and defaulted.
struct FwdArgs {
    const void* q = nullptr;
    const void* k = nullptr;
    const void* v = nullptr;
    void* o = nullptr;
    float* lse = nullptr;
    const float* r = nullptr;
    int32_t* perm_out = nullptr;
    int64_t q_bs = 0, q_hs = 0, q_rs = 0;
    int64_t k_bs = 0, k_hs = 0, k_rs = 0;
    int64_t v_bs = 0, v_hs = 0, v_rs = 0;
    int64_t o_bs = 0, o_hs = 0, o_rs = 0;
    int32_t batch = 0, heads = 0, nq = 0, nk = 0;
    int32_t group = 1;       // G (the grouping mode is KernelConfig::mode, a template parameter of the kernels)
    int32_t causal = 0;
    int32_t no_lsh = 0;      // debug: identity permutation
    int32_t no_tie_recompute = 0;  // debug: the tensor-core hash keeps near-tie signs (DA_FLAG_DEBUG_NO_TIE_RECOMPUTE)
    int32_t n_mblocks = 0;   // ceil(nq / block_m)
    float scale = 0.f;       // softmax scale (natural units)
    float scale_log2 = 0.f;  // scale * log2(e)
};

}  // namespace da
