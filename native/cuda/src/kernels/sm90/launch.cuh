// launch.cuh — launch template of the sm_90a path, one instance per (d, dtype), instantiated in
// ../inst/sm90_*.cu: the hashing pre-pass (G > 1 or perm_out) and the attention kernel.
// Returns cudaErrorNotSupported (nothing launched) when the tensors cannot be described by TMA
// tensor maps; the dispatcher then runs the portable kernel.
#pragma once
#include <cuda_runtime.h>

#include <cstdlib>

#include "../../common/fwd_args.h"
#include "../qtilde_kernel.cuh"
#include "../smem_attr.cuh"
#include "fwd_kernel.cuh"
#include "params.h"

namespace da {
namespace sm90 {

// Kernel variants (DA_SM90_VARIANT selects one for benchmarks; default_variant: measured fastest per shape):
//   0: 2 consumer warpgroups (128-row tile), ping-pong, intra-warpgroup overlap
//   1: 3 consumer warpgroups (192-row tile), intra-warpgroup overlap
//   2: 3 consumer warpgroups, ping-pong, intra-warpgroup overlap
//   3: 3 consumer warpgroups, no overlap (S -> softmax -> PV)
//   5, 6: variant 2 with 3 or 2 K/V stages instead of 4 (tuning)
inline int default_variant(const FwdArgs& a) { return a.nk >= 2048 ? 2 : 0; }

template <typename Tr>
cudaError_t launch_attention(Sm90Params& p, const void* q, int64_t q_bs, int64_t q_hs, int64_t q_rs,
                             cudaStream_t stream) {
    const FwdArgs& a = p.args;
    if (!make_tensor_map(&p.tmap_q, q, Tr::kHeadDim, Tr::kBF16, a.nq, a.heads, a.batch, q_rs, q_hs, q_bs,
                         Tr::kBlockM))
        return cudaErrorNotSupported;
    auto kern = &fwd_kernel_sm90<Tr>;
    cudaError_t e = ensure_smem_limit<&fwd_kernel_sm90<Tr>>(Tr::kSmemBytes);
    if (e != cudaSuccess) return e;
    int device = 0, sms = 0;
    e = cudaGetDevice(&device);
    if (e == cudaSuccess) e = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
    if (e != cudaSuccess) return e;
    const int64_t tiles = static_cast<int64_t>((a.nq + Tr::kBlockM - 1) / Tr::kBlockM) * a.heads * a.batch;
    if (tiles > 0x7fffffff) return cudaErrorNotSupported;
    p.n_query_tiles = static_cast<int>(tiles);
    const unsigned grid = static_cast<unsigned>(tiles < sms ? tiles : sms);
    kern<<<grid, Tr::kNThreads, Tr::kSmemBytes, stream>>>(p);
    return cudaGetLastError();
}

template <int D, bool BF16>
cudaError_t launch_sm90_d(const FwdArgs& a, const KernelConfig& c, cudaStream_t stream) {
    if (c.block_m != 64 && c.block_m != 128) return cudaErrorInvalidValue;
    Sm90Params p;
    p.args = a;
    const bool hat = a.group > 1;
    if (!make_tensor_map(&p.tmap_k, a.k, D, BF16, a.nk, a.heads, a.batch, a.k_rs, a.k_hs, a.k_bs, 128) ||
        !make_tensor_map(&p.tmap_v, a.v, D, BF16, a.nk, a.heads, a.batch, a.v_rs, a.v_hs, a.v_bs, 128) ||
        (hat && !make_tensor_map(&p.tmap_q, a.o, D, BF16, a.nq, a.heads, a.batch, a.o_rs, a.o_hs, a.o_bs, 128)))
        return cudaErrorNotSupported;  // (checked before the pre-pass writes O; encoded again for the tile)
    if (hat || a.perm_out != nullptr) {
        QtildeArgs qa;
        qa.a = a;
        qa.dst = hat ? a.o : nullptr;
        qa.dst_bs = a.o_bs;
        qa.dst_hs = a.o_hs;
        qa.dst_rs = a.o_rs;
        qa.block_l = c.block_m;
        cudaError_t e = launch_qtilde<D, BF16>(qa, stream);
        if (e != cudaSuccess) return e;
    }
    const void* q = hat ? a.o : a.q;
    const int64_t qbs = hat ? a.o_bs : a.q_bs, qhs = hat ? a.o_hs : a.q_hs, qrs = hat ? a.o_rs : a.q_rs;
    int variant = default_variant(a);
    if (const char* v = std::getenv("DA_SM90_VARIANT")) variant = std::atoi(v);
    switch (variant) {
        case 1: return launch_attention<Sm90Traits<D, 3, false, true, BF16>>(p, q, qbs, qhs, qrs, stream);
        case 2: return launch_attention<Sm90Traits<D, 3, true, true, BF16>>(p, q, qbs, qhs, qrs, stream);
        case 3: return launch_attention<Sm90Traits<D, 3, false, false, BF16>>(p, q, qbs, qhs, qrs, stream);
        case 5: return launch_attention<Sm90Traits<D, 3, true, true, BF16, 3>>(p, q, qbs, qhs, qrs, stream);
        case 6: return launch_attention<Sm90Traits<D, 3, true, true, BF16, 2>>(p, q, qbs, qhs, qrs, stream);
        default: return launch_attention<Sm90Traits<D, 2, true, true, BF16>>(p, q, qbs, qhs, qrs, stream);
    }
}

#define DA_SM90_DECLARE_LAUNCH(D, BF16) \
    extern template cudaError_t launch_sm90_d<D, BF16>(const FwdArgs&, const KernelConfig&, cudaStream_t);
#define DA_SM90_FOR_ALL(X) X(32, false) X(32, true) X(64, false) X(64, true)

}  // namespace sm90
}  // namespace da
