// ABI tests against the shared library as built (stub or CUDA): exported entry points,
// versioning and argument errors that must never reach a kernel.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "distr_attention.h"

TEST(Abi, VersionAndBuild) {
    EXPECT_EQ(da_api_version(), DA_API_VERSION);
    const int cuda = da_built_with_cuda();
    EXPECT_TRUE(cuda == 0 || cuda == 1);
}

TEST(Abi, ForwardRejectsBadArgumentsBeforeAnyDeviceWork) {
    da_fwd_params p;
    da_fwd_params_init(&p);
    EXPECT_EQ(da_forward(&p, nullptr), DA_ERR_NULL_ARGUMENT);  // no pointers set
    EXPECT_STRNE(da_last_error(), "");
    EXPECT_EQ(da_forward(nullptr, nullptr), DA_ERR_NULL_ARGUMENT);
    p.struct_size = 8;
    EXPECT_EQ(da_forward(&p, nullptr), DA_ERR_VERSION);
    EXPECT_EQ(da_check_params(&p), DA_ERR_VERSION);
    EXPECT_NE(std::string(da_last_error()).find("struct_size"), std::string::npos);
}

TEST(Abi, HostPointersNeverCrash) {
    // Valid-looking parameters over host memory: the stub says 'not built', the CUDA build
    // says 'not device memory' (or a CUDA error when no GPU is present). Never a crash.
    alignas(16) static unsigned char buf[1 << 16];
    da_fwd_params p;
    da_fwd_params_init(&p);
    p.q = buf; p.k = buf; p.v = buf; p.o = buf + 32768; p.r = reinterpret_cast<const float*>(buf);
    p.batch = 1; p.heads = 1; p.nq = 16; p.nk = 16; p.head_dim = 64;
    p.q_row_stride = p.k_row_stride = p.v_row_stride = p.o_row_stride = 64;
    const int st = da_forward(&p, nullptr);
    if (da_built_with_cuda()) {
        EXPECT_TRUE(st == DA_ERR_INVALID_ARGUMENT || st == DA_ERR_CUDA) << st << " " << da_last_error();
    } else {
        EXPECT_EQ(st, DA_ERR_NOT_BUILT_WITH_CUDA);
    }
    EXPECT_STRNE(da_last_error(), "");
}

TEST(Abi, QtildeValidatesLikeForwardAndNeedsSomethingToWrite) {
    alignas(16) static unsigned char buf[1 << 16];
    da_fwd_params p;
    da_fwd_params_init(&p);
    EXPECT_EQ(da_qtilde(nullptr, nullptr), DA_ERR_NULL_ARGUMENT);
    EXPECT_EQ(da_qtilde(&p, nullptr), DA_ERR_NULL_ARGUMENT);  // q, o, r missing
    EXPECT_STRNE(da_last_error(), "");
    // k and v are not needed: Q~ reads q and r only.
    p.q = buf; p.o = buf + 32768; p.r = reinterpret_cast<const float*>(buf);
    p.batch = 1; p.heads = 1; p.nq = 16; p.head_dim = 64; p.q_row_stride = p.o_row_stride = 64;
    p.group_size = 3;  // refused as da_forward refuses it
    EXPECT_EQ(da_qtilde(&p, nullptr), DA_ERR_UNSUPPORTED);
    p.group_size = 1;  // Q~ = Q and no perm_out: nothing to write
    EXPECT_EQ(da_qtilde(&p, nullptr), DA_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(da_last_error()).find("nothing to write"), std::string::npos) << da_last_error();
    p.group_size = 2;
    const int st = da_qtilde(&p, nullptr);  // host memory: 'not built' or 'not device memory', never a crash
    if (da_built_with_cuda()) {
        EXPECT_TRUE(st == DA_ERR_INVALID_ARGUMENT || st == DA_ERR_CUDA) << st << " " << da_last_error();
    } else {
        EXPECT_EQ(st, DA_ERR_NOT_BUILT_WITH_CUDA) << da_last_error();
    }
    // The flags are ignored except the debug tie flag, which the pre-pass reads: both pass validation.
    for (uint32_t flags : {DA_FLAG_CAUSAL | DA_FLAG_DEBUG_NO_LSH, DA_FLAG_DEBUG_NO_TIE_RECOMPUTE}) {
        p.flags = flags;
        const int sf = da_qtilde(&p, nullptr);
        EXPECT_TRUE(sf == DA_ERR_NOT_BUILT_WITH_CUDA || sf == DA_ERR_INVALID_ARGUMENT || sf == DA_ERR_CUDA)
            << flags << " " << sf << " " << da_last_error();
        if (!da_built_with_cuda()) EXPECT_EQ(sf, DA_ERR_NOT_BUILT_WITH_CUDA) << da_last_error();
    }
    p.flags = 0;
    p.version = 99;
    EXPECT_EQ(da_qtilde(&p, nullptr), DA_ERR_VERSION);
}

TEST(Abi, QtildeCheckAnswersWhatQtildeWouldBeforeTheDevice) {
    alignas(16) static unsigned char buf[1 << 16];
    da_fwd_params p;
    da_fwd_params_init(&p);
    EXPECT_EQ(da_check_qtilde_params(nullptr), DA_ERR_NULL_ARGUMENT);
    EXPECT_EQ(da_check_qtilde_params(&p), DA_ERR_NULL_ARGUMENT);  // q, o, r missing
    p.q = buf; p.o = buf + 32768; p.r = reinterpret_cast<const float*>(buf);
    p.batch = 1; p.heads = 1; p.nq = 16; p.q_row_stride = p.o_row_stride = 128;
    // The pre-pass runs d = 32 and 64; da_forward also runs 128, so da_check_params accepts it and this check does not.
    for (int d : {32, 64, 128}) {
        p.head_dim = d;
        const int st = da_check_qtilde_params(&p);
        if (d == 128) {
            EXPECT_EQ(st, DA_ERR_UNSUPPORTED);
            EXPECT_NE(std::string(da_last_error()).find("head_dim 32 and 64"), std::string::npos) << da_last_error();
            EXPECT_EQ(da_qtilde(&p, nullptr), DA_ERR_UNSUPPORTED);  // the same answer, before any device call
            EXPECT_EQ(da_check_params(&p), DA_ERR_NULL_ARGUMENT);   // a forward needs k and v
        } else {
            EXPECT_EQ(st, DA_OK) << d << " " << da_last_error();
            EXPECT_STREQ(da_last_error(), "");
        }
    }
    p.head_dim = 64;
    for (int l : {64, 128}) {
        p.block_l = l;
        EXPECT_EQ(da_check_qtilde_params(&p), DA_OK) << l << " " << da_last_error();
    }
    p.block_l = 96;
    EXPECT_EQ(da_check_qtilde_params(&p), DA_ERR_UNSUPPORTED);
    p.block_l = 64;
    p.group_size = 1;  // nothing to write without perm_out
    EXPECT_EQ(da_check_qtilde_params(&p), DA_ERR_INVALID_ARGUMENT);
    p.perm_out = reinterpret_cast<int32_t*>(buf + 49152);
    EXPECT_EQ(da_check_qtilde_params(&p), DA_OK) << da_last_error();
    p.dtype = 7;
    EXPECT_EQ(da_check_qtilde_params(&p), DA_ERR_INVALID_ARGUMENT);
    p.dtype = DA_DTYPE_BF16;
    p.version = 99;
    EXPECT_EQ(da_check_qtilde_params(&p), DA_ERR_VERSION);
}

TEST(Abi, LastKernelStaysEmptyWithoutASuccessfulLaunch) {
    // Only a successful launch names a kernel ("sm90/vN" / "portable/<mode>"); failed calls leave it alone.
    if (da_built_with_cuda()) GTEST_SKIP() << "a CUDA build may have launched on this thread";
    da_fwd_params p;
    da_fwd_params_init(&p);
    EXPECT_EQ(da_forward(&p, nullptr), DA_ERR_NULL_ARGUMENT);
    EXPECT_STREQ(da_last_kernel(), "");
}

TEST(Abi, ReferencePermutationExported) {
    float q[2 * 32], r[2 * 16];
    for (int i = 0; i < 64; ++i) q[i] = static_cast<float>((i * 37) % 11) - 5.f;
    for (int i = 0; i < 32; ++i) r[i] = static_cast<float>((i * 13) % 7) - 3.f;
    int32_t perm[32];
    ASSERT_EQ(da_reference_permutation(q, 2, 32, 2, r, perm), DA_OK);
    bool seen[32] = {};
    for (int t = 0; t < 32; ++t) {
        ASSERT_TRUE(perm[t] >= 0 && perm[t] < 32);
        seen[perm[t]] = true;
    }
    for (int c = 0; c < 32; ++c) EXPECT_TRUE(seen[c]);
}

TEST(Abi, QtildeBackwardNeedsSigmaAndValidatesLikeQtilde) {
    alignas(16) static unsigned char buf[1 << 16];
    da_fwd_params p;
    da_fwd_params_init(&p);
    EXPECT_EQ(da_qtilde_backward(nullptr, nullptr), DA_ERR_NULL_ARGUMENT);
    p.q = buf; p.o = buf + 32768;  // dQ~ in, dQ out; r is not needed
    p.batch = 1; p.heads = 1; p.nq = 16; p.head_dim = 64; p.q_row_stride = p.o_row_stride = 64;
    EXPECT_EQ(da_qtilde_backward(&p, nullptr), DA_ERR_NULL_ARGUMENT);  // sigma missing
    EXPECT_NE(std::string(da_last_error()).find("perm_out"), std::string::npos) << da_last_error();
    p.perm_out = reinterpret_cast<int32_t*>(buf + 49152);
    p.group_size = 3;
    EXPECT_EQ(da_qtilde_backward(&p, nullptr), DA_ERR_UNSUPPORTED);
    p.group_size = 2;
    p.q_row_stride = 60;  // not a multiple of 8 elements
    EXPECT_EQ(da_qtilde_backward(&p, nullptr), DA_ERR_INVALID_ARGUMENT);
    p.q_row_stride = 64;
    const int st = da_qtilde_backward(&p, nullptr);  // host memory: never a crash
    if (da_built_with_cuda()) {
        EXPECT_TRUE(st == DA_ERR_INVALID_ARGUMENT || st == DA_ERR_CUDA) << st << " " << da_last_error();
    } else {
        EXPECT_EQ(st, DA_ERR_NOT_BUILT_WITH_CUDA) << da_last_error();
    }
    p.version = 99;
    EXPECT_EQ(da_qtilde_backward(&p, nullptr), DA_ERR_VERSION);
}
