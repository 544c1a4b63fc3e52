// config.cpp — choice of the kernel configuration (block sizes) per architecture and d.
// Defaults were chosen by measurement on an H100 (see docs/performance.md).
#include <cstdlib>
#include <string>

#include "internal.h"
#include "tuning_knobs.h"

namespace da {

// Key tile m by (d, G), measured on an H100 at B4·H16·N4096 fp16 (docs/performance.md):
// d=64: m=64 for G<=2, m=128 for G>=4; d=32: m=64 for G<=2 (l=128); d=128: only m=64 fits.
int default_block_n(int sm, int head_dim, int group) {
    (void)sm;
    if (head_dim == 128) return 64;
    return group <= 2 ? 64 : 128;
}

// The sm_90a kernel (src/kernels/sm90/: TMA, wgmma, ping-pong consumer warpgroups, every G in expand
// mode) serves compute capability 9.x for d in {32, 64}, l in {64, 128}, the default key tile (or 128),
// Nk >= kSm90MinNk, every G, mode, mask, lse and perm_out. Everything else (d = 128, block_n = 64,
// tensors TMA cannot describe) runs on the portable kernel.
// Tuning knobs (tests and benchmarks; compiled in only with DA_TUNING_KNOBS, tuning_knobs.h): DA_DISABLE_SM90=1
// forces the portable kernel; DA_SM90_MIN_NK=n overrides the Nk threshold; DA_EXPAND_Q=0 (K-hat mode, portable
// kernel only) also leaves it.
constexpr int kSm90MinNk = 0;

// DA_EXPAND_Q: 0 (K-hat mode forced), 1 (expand mode forced), -1 (not set: the measured default).
static int expand_override() {
    const char* e = tuning_knob("DA_EXPAND_Q");
    if (e == nullptr) return -1;
    return e[0] == '0' ? 0 : (e[0] == '1' ? 1 : -1);
}

bool use_sm90(const da_fwd_params& p, int sm) {
    if (sm / 10 != 9) return false;
    if (p.head_dim != 32 && p.head_dim != 64) return false;
    if (p.block_l != 64 && p.block_l != 128) return false;
    if (p.block_n != 0 && p.block_n != 128) return false;
    const char* env = tuning_knob("DA_DISABLE_SM90");
    if (env != nullptr && env[0] != '\0' && env[0] != '0') return false;
    if (p.group_size > 1 && expand_override() == 0) return false;
    const char* e = tuning_knob("DA_SM90_MIN_NK");
    const int min_nk = e != nullptr ? std::atoi(e) : kSm90MinNk;
    return p.nk >= min_nk;
}

// Expand mode of the portable kernel (G > 1): S = Q~ K^T over d with Q~[i,c] = Q-hat[i, group(c)] instead
// of building K-hat per key tile (no K-hat MMA, no second barrier per tile; the S contraction is d
// instead of d/G). Measured on an H100 (docs/performance.md, f6bcb7e): faster for G = 2 at every measured
// shape; for G >= 4 the K-hat path (contraction d/G <= 16) was faster, so it stays there.
// DA_EXPAND_Q=0 / 1 forces it off / on (tests, benchmarks).
bool use_expand(const da_fwd_params& p) {
    if (p.group_size <= 1) return false;
    const int forced = expand_override();
    return forced >= 0 ? forced == 1 : p.group_size == 2;
}

// Variant of the sm_90a attention kernel (kernels/sm90/launch.cuh), measured fastest per shape: 2 (3 consumer warpgroups,
// ping-pong) from Nk = 2048 on, else 0 (2 warpgroups). DA_SM90_VARIANT=n forces one (benchmarks, tests); an
// unknown n runs variant 0.
int sm90_variant(const da_fwd_params& p) {
    int v = p.nk >= 2048 ? 2 : 0;
    if (const char* e = tuning_knob("DA_SM90_VARIANT")) v = std::atoi(e);
    return (v == 1 || v == 2 || v == 5 || v == 6) ? v : 0;
}

const char* kernel_name(const KernelConfig& c) {
    if (c.sm90) {
        switch (c.sm90_variant) {
            case 1: return "sm90/v1";
            case 2: return "sm90/v2";
            case 5: return "sm90/v5";
            case 6: return "sm90/v6";
            default: return "sm90/v0";
        }
    }
    if (c.expand) return "portable/expand";
    return c.kdg == c.head_dim ? "portable/exact" : "portable/khat";
}

static_assert(static_cast<int>(GroupMode::kMean) == DA_MODE_MEAN && static_cast<int>(GroupMode::kSample) == DA_MODE_SAMPLE,
              "GroupMode and da_mode agree");
GroupMode group_mode(int mode) { return mode == DA_MODE_SAMPLE ? GroupMode::kSample : GroupMode::kMean; }

int select_config(const da_fwd_params& p, int sm, KernelConfig* cfg, std::string* msg) {
    if (sm < 80) {
        *msg = "DistrAttention kernels need compute capability 8.0 or newer (this GPU is " +
               std::to_string(sm / 10) + "." + std::to_string(sm % 10) + ")";
        return DA_ERR_UNSUPPORTED;
    }
    KernelConfig c;
    c.head_dim = p.head_dim;
    const int dg = p.head_dim / p.group_size;
    c.kdg = dg < 16 ? 16 : dg;
    c.block_m = p.block_l;
    c.block_n = p.block_n != 0 ? p.block_n : default_block_n(sm, p.head_dim, p.group_size);
    c.bf16 = p.dtype == DA_DTYPE_BF16;
    c.mode = group_mode(p.mode);
    c.expand = use_expand(p);  // portable kernel; the sm_90a kernel always expands
    c.sm90 = use_sm90(p, sm);
    c.sm90_variant = sm90_variant(p);
    *cfg = c;
    return DA_OK;
}

FwdArgs make_args(const da_fwd_params& p, const KernelConfig& cfg) {
    FwdArgs a;
    a.q = p.q; a.k = p.k; a.v = p.v; a.o = p.o; a.lse = p.lse; a.r = p.r; a.perm_out = p.perm_out;
    a.q_bs = p.q_batch_stride; a.q_hs = p.q_head_stride; a.q_rs = p.q_row_stride;
    a.k_bs = p.k_batch_stride; a.k_hs = p.k_head_stride; a.k_rs = p.k_row_stride;
    a.v_bs = p.v_batch_stride; a.v_hs = p.v_head_stride; a.v_rs = p.v_row_stride;
    a.o_bs = p.o_batch_stride; a.o_hs = p.o_head_stride; a.o_rs = p.o_row_stride;
    a.batch = p.batch; a.heads = p.heads; a.nq = p.nq; a.nk = p.nk;
    a.group = p.group_size;
    a.causal = (p.flags & DA_FLAG_CAUSAL) ? 1 : 0;
    a.no_lsh = (p.flags & DA_FLAG_DEBUG_NO_LSH) ? 1 : 0;
    a.no_tie_recompute = (p.flags & DA_FLAG_DEBUG_NO_TIE_RECOMPUTE) ? 1 : 0;
    a.n_mblocks = (p.nq + cfg.block_m - 1) / cfg.block_m;
    a.scale = p.scale > 0.f ? p.scale : 1.0f / __builtin_sqrtf(static_cast<float>(p.head_dim));
    a.scale_log2 = a.scale * 1.4426950408889634f;
    return a;
}

}  // namespace da
