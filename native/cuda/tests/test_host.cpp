// Host unit tests: validation, configuration choice, error text, CPU reference permutation.
// Built with the stub dispatcher: no CUDA needed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "distr_attention.h"
#include "host/internal.h"

namespace da {
uint32_t inverse_gray16(uint32_t x);
}

namespace {

// A valid parameter set (fake but aligned, non-null pointers; never dereferenced on the host).
da_fwd_params valid_params() {
    alignas(16) static unsigned char buf[256];
    da_fwd_params p;
    da_fwd_params_init(&p);
    p.q = buf; p.k = buf + 16; p.v = buf + 32; p.o = buf + 48;
    p.r = reinterpret_cast<const float*>(buf + 64);
    p.batch = 2; p.heads = 3; p.nq = 197; p.nk = 197; p.head_dim = 64;
    p.q_row_stride = p.k_row_stride = p.v_row_stride = p.o_row_stride = 64;
    p.q_head_stride = p.k_head_stride = p.v_head_stride = p.o_head_stride = 197 * 64;
    p.q_batch_stride = p.k_batch_stride = p.v_batch_stride = p.o_batch_stride = 3 * 197 * 64;
    return p;
}

int check(const da_fwd_params& p, std::string* msg) { return da::validate_params(&p, msg); }

TEST(ParamsInit, Defaults) {
    da_fwd_params p;
    std::memset(&p, 0xAB, sizeof(p));
    da_fwd_params_init(&p);
    EXPECT_EQ(p.struct_size, sizeof(da_fwd_params));
    EXPECT_EQ(p.version, static_cast<uint32_t>(DA_API_VERSION));
    EXPECT_EQ(p.group_size, 2);
    EXPECT_EQ(p.block_l, 64);
    EXPECT_EQ(p.mode, DA_MODE_MEAN);
    EXPECT_EQ(p.dtype, DA_DTYPE_FP16);
    EXPECT_EQ(p.scale, 0.f);
    EXPECT_EQ(p.q, nullptr);
    for (int i = 0; i < 8; ++i) EXPECT_EQ(p.reserved[i], 0);
}

TEST(Validate, AcceptsValid) {
    std::string msg;
    auto p = valid_params();
    EXPECT_EQ(check(p, &msg), DA_OK) << msg;
    for (int d : {32, 64, 128})
        for (int g : {1, 2, 4, 8, 16})
            for (int l : {64, 128})
                for (int dt : {0, 1})
                    for (int mode : {0, 1}) {
                        auto q = valid_params();
                        q.head_dim = d; q.group_size = g; q.block_l = l; q.dtype = dt; q.mode = mode;
                        q.o_row_stride = 128;
                        EXPECT_EQ(check(q, &msg), DA_OK) << d << " " << g << " " << l << ": " << msg;
                    }
}

TEST(Validate, NullParams) {
    std::string msg;
    EXPECT_EQ(da::validate_params(nullptr, &msg), DA_ERR_NULL_ARGUMENT);
    EXPECT_EQ(da_check_params(nullptr), DA_ERR_NULL_ARGUMENT);
    EXPECT_NE(std::string(da_last_error()).find("NULL"), std::string::npos);
}

TEST(Validate, VersionAndSize) {
    std::string msg;
    auto p = valid_params();
    p.version = 99;
    EXPECT_EQ(check(p, &msg), DA_ERR_VERSION);
    EXPECT_NE(msg.find("version"), std::string::npos);
    p = valid_params();
    p.struct_size = 16;
    EXPECT_EQ(check(p, &msg), DA_ERR_VERSION);
    EXPECT_NE(msg.find("struct_size"), std::string::npos);
    p = valid_params();
    p.reserved[3] = 1;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
}

TEST(Validate, NullPointers) {
    std::string msg;
    const char* names[] = {"q", "k", "v", "o", "r"};
    for (int i = 0; i < 5; ++i) {
        auto p = valid_params();
        if (i == 0) p.q = nullptr;
        if (i == 1) p.k = nullptr;
        if (i == 2) p.v = nullptr;
        if (i == 3) p.o = nullptr;
        if (i == 4) p.r = nullptr;
        EXPECT_EQ(check(p, &msg), DA_ERR_NULL_ARGUMENT);
        EXPECT_EQ(msg.rfind(names[i], 0), 0u) << msg;
    }
    auto p = valid_params();  // optional pointers may be NULL
    p.lse = nullptr; p.perm_out = nullptr;
    EXPECT_EQ(check(p, &msg), DA_OK);
}

TEST(Validate, Shapes) {
    std::string msg;
    auto p = valid_params(); p.batch = 0;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    p = valid_params(); p.heads = -1;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    p = valid_params(); p.nq = 0;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    p = valid_params(); p.nk = 0;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    p = valid_params(); p.nq = 1; p.nk = 1;
    EXPECT_EQ(check(p, &msg), DA_OK) << msg;
    p = valid_params(); p.batch = 70000;
    EXPECT_EQ(check(p, &msg), DA_ERR_UNSUPPORTED);
}

TEST(Validate, HeadDimGroupBlock) {
    std::string msg;
    auto p = valid_params(); p.head_dim = 96;
    EXPECT_EQ(check(p, &msg), DA_ERR_UNSUPPORTED);
    EXPECT_NE(msg.find("head_dim 96"), std::string::npos) << msg;
    p = valid_params(); p.head_dim = 0;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    p = valid_params(); p.group_size = 3;
    EXPECT_EQ(check(p, &msg), DA_ERR_UNSUPPORTED);
    EXPECT_NE(msg.find("group_size 3"), std::string::npos);
    p = valid_params(); p.group_size = 32;
    EXPECT_EQ(check(p, &msg), DA_ERR_UNSUPPORTED);
    p = valid_params(); p.group_size = 0;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    p = valid_params(); p.block_l = 48;  // multiple of 16 but unsupported
    EXPECT_EQ(check(p, &msg), DA_ERR_UNSUPPORTED);
    EXPECT_NE(msg.find("block_l 48"), std::string::npos);
    p = valid_params(); p.block_l = 20;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    p = valid_params(); p.block_l = 32;
    EXPECT_EQ(check(p, &msg), DA_ERR_UNSUPPORTED);
    p = valid_params(); p.block_n = 96;
    EXPECT_EQ(check(p, &msg), DA_ERR_UNSUPPORTED);
    p = valid_params(); p.head_dim = 128; p.block_n = 128;
    EXPECT_EQ(check(p, &msg), DA_ERR_UNSUPPORTED);
    p = valid_params(); p.head_dim = 128; p.block_n = 64; p.o_row_stride = 128;
    EXPECT_EQ(check(p, &msg), DA_OK) << msg;
}

TEST(Validate, EnumsScaleFlags) {
    std::string msg;
    auto p = valid_params(); p.dtype = 2;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    p = valid_params(); p.mode = 7;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    p = valid_params(); p.scale = -1.f;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    p = valid_params(); p.scale = NAN;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    p = valid_params(); p.scale = INFINITY;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    p = valid_params(); p.scale = 0.3f;
    EXPECT_EQ(check(p, &msg), DA_OK);
    p = valid_params(); p.flags = 8;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    p = valid_params(); p.flags = DA_FLAG_CAUSAL | DA_FLAG_DEBUG_NO_LSH;
    EXPECT_EQ(check(p, &msg), DA_OK);
    p = valid_params(); p.flags = DA_FLAG_CAUSAL | DA_FLAG_DEBUG_NO_TIE_RECOMPUTE;
    EXPECT_EQ(check(p, &msg), DA_OK);
    EXPECT_EQ(DA_FLAG_KNOWN_MASK, DA_FLAG_CAUSAL | DA_FLAG_DEBUG_NO_LSH | DA_FLAG_DEBUG_NO_TIE_RECOMPUTE);
    p = valid_params(); p.flags = DA_FLAG_KNOWN_MASK + 1;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    EXPECT_NE(msg.find("unknown bits"), std::string::npos);
}

TEST(Validate, AlignmentAndStrides) {
    std::string msg;
    alignas(16) static unsigned char buf[64];
    auto p = valid_params(); p.q = buf + 8;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    EXPECT_NE(msg.find("16-byte"), std::string::npos);
    p = valid_params(); p.lse = reinterpret_cast<float*>(buf + 2);
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    p = valid_params(); p.k_row_stride = 66;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    EXPECT_NE(msg.find("k_row_stride"), std::string::npos) << msg;
    p = valid_params(); p.v_head_stride = -64;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    p = valid_params(); p.o_row_stride = 32;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    p = valid_params(); p.o_head_stride = 0;
    EXPECT_EQ(check(p, &msg), DA_ERR_INVALID_ARGUMENT);
    p = valid_params(); p.k_batch_stride = 0; p.k_head_stride = 0;  // broadcast K is fine
    EXPECT_EQ(check(p, &msg), DA_OK);
    // [B, N, H, d] layout (interleaved heads) is accepted.
    p = valid_params(); p.q_row_stride = 3 * 64; p.q_head_stride = 64; p.q_batch_stride = 197 * 3 * 64;
    EXPECT_EQ(check(p, &msg), DA_OK);
}

TEST(Config, Selection) {
    std::string msg;
    da::KernelConfig c;
    auto p = valid_params();
    EXPECT_EQ(da::select_config(p, 75, &c, &msg), DA_ERR_UNSUPPORTED);
    EXPECT_NE(msg.find("7.5"), std::string::npos);
    for (int d : {32, 64, 128})
        for (int g : {1, 2, 4, 8, 16}) {
            p = valid_params(); p.head_dim = d; p.group_size = g; p.block_l = 128;
            ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
            EXPECT_EQ(c.kdg, std::max(16, d / g));
            EXPECT_EQ(c.block_m, 128);
            EXPECT_TRUE(c.block_n == 64 || c.block_n == 128);
            if (d == 128) EXPECT_EQ(c.block_n, 64);
            EXPECT_EQ(c.kdg == d, g == 1);
        }
    p = valid_params(); p.block_n = 64; p.dtype = DA_DTYPE_BF16;
    ASSERT_EQ(da::select_config(p, 80, &c, &msg), DA_OK);
    EXPECT_EQ(c.block_n, 64);
    EXPECT_TRUE(c.bf16);
}

TEST(Config, Sm90Path) {
    std::string msg;
    da::KernelConfig c;
    auto p = valid_params();
    p.nk = 4096;
    // Every G, l in {64, 128}, d in {32, 64} on compute capability 9.x; never on 8.x.
    for (int d : {32, 64})
        for (int l : {64, 128})
            for (int g : {1, 2, 4, 16}) {
                p.head_dim = d; p.block_l = l; p.group_size = g;
                ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
                EXPECT_TRUE(c.sm90) << d << " " << l << " " << g;
                ASSERT_EQ(da::select_config(p, 80, &c, &msg), DA_OK);
                EXPECT_FALSE(c.sm90);
                ASSERT_EQ(da::select_config(p, 89, &c, &msg), DA_OK);
                EXPECT_FALSE(c.sm90);
            }
    p.head_dim = 64; p.block_l = 128; p.group_size = 2;
    // The portable kernel's own choice (expand for G = 2) is still recorded for the fallback.
    ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
    EXPECT_TRUE(c.expand);
    EXPECT_EQ(c.kdg, 32);
    // DA_EXPAND_Q=0 asks for K-hat mode, which only the portable kernel has.
    setenv("DA_EXPAND_Q", "0", 1);
    ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
    EXPECT_FALSE(c.expand);
    EXPECT_FALSE(c.sm90);
    p.group_size = 1;  // no effect on G = 1
    ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
    EXPECT_TRUE(c.sm90);
    unsetenv("DA_EXPAND_Q");
    setenv("DA_EXPAND_Q", "1", 1);
    p.group_size = 4;
    ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
    EXPECT_TRUE(c.expand);
    EXPECT_TRUE(c.sm90);
    unsetenv("DA_EXPAND_Q");
    // Nk threshold override.
    setenv("DA_SM90_MIN_NK", "8192", 1);
    ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
    EXPECT_FALSE(c.sm90);
    setenv("DA_SM90_MIN_NK", "0", 1);
    p.nk = 1;
    ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
    EXPECT_TRUE(c.sm90);
    unsetenv("DA_SM90_MIN_NK");
    p.nk = 4096;
    // Not served: d = 128, a 64-key tile, DA_DISABLE_SM90.
    p.head_dim = 128;
    ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
    EXPECT_FALSE(c.sm90);
    p.head_dim = 64; p.block_n = 64;
    ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
    EXPECT_FALSE(c.sm90);
    EXPECT_EQ(c.block_n, 64);
    p.block_n = 128;
    ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
    EXPECT_TRUE(c.sm90);
    p.block_n = 0;
    setenv("DA_DISABLE_SM90", "1", 1);
    ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
    EXPECT_FALSE(c.sm90);
    unsetenv("DA_DISABLE_SM90");
    ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
    EXPECT_TRUE(c.sm90);
}

TEST(Config, Args) {
    auto p = valid_params();
    p.flags = DA_FLAG_CAUSAL;
    da::KernelConfig c;
    std::string msg;
    ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
    da::FwdArgs a = da::make_args(p, c);
    EXPECT_EQ(a.n_mblocks, (197 + 63) / 64);
    EXPECT_FLOAT_EQ(a.scale, 0.125f);
    EXPECT_NEAR(a.scale_log2, 0.125 * 1.4426950408889634, 1e-6);
    EXPECT_EQ(a.causal, 1);
    EXPECT_EQ(a.no_lsh, 0);
    EXPECT_EQ(a.no_tie_recompute, 0);
    p.scale = 0.5f;
    a = da::make_args(p, c);
    EXPECT_FLOAT_EQ(a.scale, 0.5f);
    p.flags = DA_FLAG_DEBUG_NO_TIE_RECOMPUTE;
    a = da::make_args(p, c);
    EXPECT_EQ(a.no_tie_recompute, 1);
    EXPECT_EQ(a.causal, 0);
    EXPECT_EQ(a.no_lsh, 0);
    p.flags = DA_FLAG_DEBUG_NO_LSH;
    a = da::make_args(p, c);
    EXPECT_EQ(a.no_tie_recompute, 0);
    EXPECT_EQ(a.no_lsh, 1);
}

// da_last_kernel's names: the sm_90a variant (measured default by Nk, DA_SM90_VARIANT) or the portable mode.
TEST(Config, KernelNames) {
    std::string msg;
    da::KernelConfig c;
    auto p = valid_params();
    p.head_dim = 64; p.block_l = 128; p.group_size = 2;
    for (int nk : {1, 2047, 2048, 2050, 4096, 8192}) {
        p.nk = nk;
        ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
        EXPECT_EQ(c.sm90_variant, nk >= 2048 ? 2 : 0);
        EXPECT_STREQ(da::kernel_name(c), nk >= 2048 ? "sm90/v2" : "sm90/v0");
    }
    for (const char* v : {"0", "1", "2", "5", "6"}) {
        setenv("DA_SM90_VARIANT", v, 1);
        ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
        EXPECT_EQ(c.sm90_variant, std::atoi(v));
        EXPECT_EQ(std::string(da::kernel_name(c)), std::string("sm90/v") + v);
    }
    setenv("DA_SM90_VARIANT", "3", 1);  // unknown: variant 0 runs, and is named
    ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
    EXPECT_STREQ(da::kernel_name(c), "sm90/v0");
    unsetenv("DA_SM90_VARIANT");
    // The portable kernel: G = 1 exact, G = 2 expand, G >= 4 K-hat, DA_EXPAND_Q overriding.
    const struct { int d, g; const char* expand_q; const char* name; } cases[] = {
        {64, 1, nullptr, "portable/exact"},  {64, 2, nullptr, "portable/expand"}, {64, 4, nullptr, "portable/khat"},
        {32, 16, nullptr, "portable/khat"},  {128, 1, nullptr, "portable/exact"}, {128, 2, nullptr, "portable/expand"},
        {128, 8, nullptr, "portable/khat"},  {64, 2, "0", "portable/khat"},      {64, 4, "1", "portable/expand"},
        {128, 1, "1", "portable/exact"},
    };
    for (const auto& k : cases) {
        p = valid_params(); p.head_dim = k.d; p.group_size = k.g;
        if (k.expand_q != nullptr) setenv("DA_EXPAND_Q", k.expand_q, 1);
        ASSERT_EQ(da::select_config(p, 80, &c, &msg), DA_OK);
        EXPECT_STREQ(da::kernel_name(c), k.name) << k.d << " " << k.g;
        unsetenv("DA_EXPAND_Q");
    }
    // On 9.x a shape the sm_90a kernel does not serve gets the portable name too.
    p = valid_params(); p.head_dim = 128; p.group_size = 4;
    ASSERT_EQ(da::select_config(p, 90, &c, &msg), DA_OK);
    EXPECT_STREQ(da::kernel_name(c), "portable/khat");
}

TEST(Errors, StatusStrings) {
    EXPECT_STREQ(da_status_string(DA_OK), "DA_OK");
    EXPECT_STREQ(da_status_string(DA_ERR_UNSUPPORTED), "DA_ERR_UNSUPPORTED");
    EXPECT_STREQ(da_status_string(DA_ERR_NOT_BUILT_WITH_CUDA), "DA_ERR_NOT_BUILT_WITH_CUDA");
    EXPECT_STREQ(da_status_string(1234), "DA_ERR_UNKNOWN_STATUS");
}

TEST(Errors, LastErrorIsThreadLocal) {
    auto p = valid_params();
    p.head_dim = 96;
    EXPECT_EQ(da_check_params(&p), DA_ERR_UNSUPPORTED);
    std::string here = da_last_error();
    EXPECT_NE(here.find("head_dim"), std::string::npos);
    std::string other = "unset";
    std::thread t([&] { other = da_last_error(); });
    t.join();
    EXPECT_EQ(other, "");
    EXPECT_EQ(std::string(da_last_error()), here);
    p = valid_params();
    EXPECT_EQ(da_check_params(&p), DA_OK);
    EXPECT_STREQ(da_last_error(), "");
}

TEST(Stub, ForwardReportsNotBuilt) {
    auto p = valid_params();
    EXPECT_EQ(da_forward(&p, nullptr), DA_ERR_NOT_BUILT_WITH_CUDA);
    EXPECT_NE(std::string(da_last_error()).find("without CUDA"), std::string::npos);
    EXPECT_EQ(da_built_with_cuda(), 0);
    p.group_size = 5;  // validation comes first
    EXPECT_EQ(da_forward(&p, nullptr), DA_ERR_UNSUPPORTED);
}

// ---- reference permutation ----

TEST(Reference, InverseGray) {
    for (uint32_t n = 0; n < 65536; ++n) EXPECT_EQ(da::inverse_gray16(n ^ (n >> 1)), n);
}

TEST(Reference, HandExample) {
    // l = 1, d = 4: p_j(c) = q[c] * R[0][j]. R row = (1, 1, 0...): q>0 -> bits 3 -> key 2; q<=0 -> 0.
    float q[4] = {1.f, -1.f, 2.f, 0.5f};
    float r[16] = {1.f, 1.f};
    int32_t perm[4];
    ASSERT_EQ(da_reference_permutation(q, 1, 4, 1, r, perm), DA_OK);
    EXPECT_EQ(std::vector<int32_t>(perm, perm + 4), (std::vector<int32_t>{1, 0, 2, 3}));
    // R row = (1, 0, ...): q>0 -> bits 1 -> key 1; q<=0 -> 0. Zero column: p = 0 is not > 0.
    float q2[4] = {0.f, 3.f, -2.f, 1.f};
    float r2[16] = {1.f};
    ASSERT_EQ(da_reference_permutation(q2, 1, 4, 1, r2, perm), DA_OK);
    EXPECT_EQ(std::vector<int32_t>(perm, perm + 4), (std::vector<int32_t>{0, 2, 1, 3}));
}

TEST(Reference, MatchesIndependentDoubleEvaluation) {
    std::mt19937 rng(7);
    std::normal_distribution<float> nd;
    for (int trial = 0; trial < 20; ++trial) {
        const int d = (trial % 3 == 0) ? 32 : (trial % 3 == 1 ? 64 : 128);
        const int l = (trial % 2) ? 64 : 128;
        const int rows = (trial % 4 == 3) ? l / 3 : l;
        std::vector<float> q(static_cast<size_t>(rows) * d), r(static_cast<size_t>(l) * 16);
        for (auto& x : q) x = nd(rng);
        for (auto& x : r) x = nd(rng);
        std::vector<int32_t> perm(d);
        ASSERT_EQ(da_reference_permutation(q.data(), rows, d, l, r.data(), perm.data()), DA_OK);
        // independent: double precision, explicit key sort; skip if any |p| is near a tie
        std::vector<std::pair<uint32_t, int>> keys;
        bool tie = false;
        for (int c = 0; c < d; ++c) {
            uint32_t bits = 0;
            for (int j = 0; j < 16; ++j) {
                double p = 0, mag = 0;
                for (int i = 0; i < rows; ++i) {
                    p += double(q[i * d + c]) * r[i * 16 + j];
                    mag += std::fabs(double(q[i * d + c]) * r[i * 16 + j]);
                }
                if (std::fabs(p) < 1e-5 * mag) tie = true;
                if (p > 0) bits |= 1u << j;
            }
            uint32_t g = 0;  // inverse Gray by definition: prefix XOR of bits from the top
            for (int bit = 15; bit >= 0; --bit) {
                uint32_t prev = (bit == 15) ? 0 : ((g >> (bit + 1)) & 1);
                g |= ((((bits >> bit) & 1) ^ prev) << bit);
            }
            keys.push_back({g, c});
        }
        if (tie) continue;
        std::sort(keys.begin(), keys.end());
        for (int t = 0; t < d; ++t) EXPECT_EQ(perm[t], keys[t].second) << "trial " << trial << " t " << t;
    }
}

TEST(Reference, MissingRowsAreZero) {
    std::mt19937 rng(3);
    std::normal_distribution<float> nd;
    const int d = 64, l = 64, rows = 5;
    std::vector<float> q(static_cast<size_t>(l) * d, 0.f), r(static_cast<size_t>(l) * 16);
    for (int i = 0; i < rows * d; ++i) q[i] = nd(rng);
    for (auto& x : r) x = nd(rng);
    std::vector<int32_t> a(d), b(d);
    ASSERT_EQ(da_reference_permutation(q.data(), rows, d, l, r.data(), a.data()), DA_OK);
    ASSERT_EQ(da_reference_permutation(q.data(), l, d, l, r.data(), b.data()), DA_OK);
    EXPECT_EQ(a, b);
    std::vector<int32_t> sorted = a;
    std::sort(sorted.begin(), sorted.end());
    for (int c = 0; c < d; ++c) EXPECT_EQ(sorted[c], c);  // a permutation
}

// The sign-tie construction of the GPU kernel suite (native/cuda/tests/gpu/suite.py, tie_cases): a column whose three
// nonzero rows are 1 against R rows (2^14, 2^7 + 2^-12, -(2^14 + 2^7)) has the exact projection 2^-12 > 0, but the
// reference's fp32 fma chain loses the 2^-12 in 2^14 + 2^7 (half an ulp there is 2^-10) and ends at exactly 0: bit 0.
// The kernels' tensor-core hash splits R into fp16/bf16 parts (hi 2^14, 2^7, -(2^14 + 2^7); lo 0, 2^-12, 0), sums
// the hi parts to exactly 0 and then adds 2^-12: bit 1, unless the near-tie recomputation restores the fma chain.
TEST(Reference, ConstructedSignTie) {
    const int d = 32, l = 64;
    std::vector<float> q(static_cast<size_t>(l) * d, 0.f), r(static_cast<size_t>(l) * 16, 0.f);
    const float tie_r[3] = {16384.f, 128.f + 0x1p-12f, -(16384.f + 128.f)};
    ASSERT_EQ(128.f + 0x1p-12f - 128.f, 0x1p-12f);  // representable in fp32
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 16; ++j) r[i * 16 + j] = tie_r[i];
    for (int i = 3; i < l; ++i)
        for (int j = 0; j < 16; ++j) r[i * 16 + j] = static_cast<float>(((i * 7 + j * 3) % 11) - 5);
    // Columns 0..15: the tie (rows 0-2 are 1); columns 16..31: one row each, projection r[i][j] (never a tie).
    for (int c = 0; c < 16; ++c)
        for (int i = 0; i < 3; ++i) q[i * d + c] = 1.f;
    for (int c = 16; c < d; ++c) q[(3 + c) * d + c] = 1.f;
    float p = 0.f;
    for (int i = 0; i < 3; ++i) p = std::fmaf(1.f, tie_r[i], p);
    EXPECT_EQ(p, 0.f);  // the reference's chain: exactly 0
    EXPECT_GT(double(tie_r[0]) + double(tie_r[1]) + double(tie_r[2]), 0.0);  // the exact value: 2^-12
    std::vector<int32_t> perm(d);
    ASSERT_EQ(da_reference_permutation(q.data(), l, d, l, r.data(), perm.data()), DA_OK);
    // Bits 0 -> key 0: the tie columns sort first, in column order.
    for (int t = 0; t < 16; ++t) EXPECT_EQ(perm[t], t);
}

TEST(Reference, BadArguments) {
    float q[4] = {}, r[16] = {};
    int32_t perm[4];
    EXPECT_EQ(da_reference_permutation(nullptr, 1, 4, 1, r, perm), DA_ERR_NULL_ARGUMENT);
    EXPECT_EQ(da_reference_permutation(q, 2, 4, 1, r, perm), DA_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(da_reference_permutation(q, 1, 0, 1, r, perm), DA_ERR_INVALID_ARGUMENT);
}

}  // namespace
