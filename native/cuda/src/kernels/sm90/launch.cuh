// launch.cuh — launch template of the sm_90a path, one instance per (d, dtype), explicitly instantiated in the
// generated sm90_*.cu files (cmake/instantiations.cmake): the hashing pre-pass (G > 1 or perm_out), whose instance
// (d, dtype, grouping mode) the dispatcher picks and passes in, and the attention kernel, which has no mode.
// Returns cudaErrorNotSupported (nothing launched) when the tensors cannot be described by TMA
// tensor maps; the dispatcher then runs the portable kernel.
#pragma once
#include <cuda_runtime.h>

#include "common/fwd_args.h"
#include "common/prepass_args.h"
#include "fwd_kernel.cuh"
#include "kernels/common/dependent_launch.cuh"
#include "kernels/common/device_props.cuh"
#include "kernels/common/smem_attr.cuh"
#include "params.h"

namespace da {
namespace sm90 {

// Kernel variants (KernelConfig::sm90_variant, chosen by sm90_variant in host/config.cpp: measured fastest
// per shape, or DA_SM90_VARIANT for benchmarks and tests):
//   0: 2 consumer warpgroups (128-row tile), ping-pong
//   1: 3 consumer warpgroups (192-row tile)
//   2: 3 consumer warpgroups, ping-pong
//   5, 6: variant 2 with 3 or 2 K/V stages instead of 4 (tuning)
// (All issue S(j) and PV(j-1) back to back; a variant that did not, measured slower, was removed.)

// The hashing pre-pass of the sm_90a path: launch_qtilde<d, dtype, mode> (kernels/hash/qtilde_kernel.cuh).
using PrepassFn = cudaError_t (*)(const QtildeArgs&, cudaStream_t);

// Launches the attention kernel; p holds the three tensor maps.
template <typename Tr>
cudaError_t launch_attention(Sm90Params& p, cudaStream_t stream) {
    const FwdArgs& a = p.args;
    cudaError_t e = ensure_smem_limit<&fwd_kernel_sm90<Tr>>(Tr::kSmemBytes);
    if (e != cudaSuccess) return e;
    int sms = 0;
    e = current_sm_count(&sms);
    if (e != cudaSuccess) return e;
    const int64_t tiles = static_cast<int64_t>((a.nq + Tr::kBlockM - 1) / Tr::kBlockM) * a.heads * a.batch;
    if (tiles > 0x7fffffff) return cudaErrorNotSupported;
    p.n_query_tiles = static_cast<int>(tiles);
    const unsigned grid = static_cast<unsigned>(tiles < sms ? tiles : sms);
    // may start while the pre-pass finishes (the kernel waits for it before its first load: fwd_kernel.cuh)
    return launch_dependent<&fwd_kernel_sm90<Tr>>(dim3(grid), dim3(Tr::kNThreads), Tr::kSmemBytes, stream, p);
}

// The Q map for Tr's query tile, the pre-pass (G > 1 or perm_out), then the kernel. For G > 1 the
// kernel's Q input is Q~, which the pre-pass writes into O; its map is encoded (so O's strides are
// known to work with TMA) before anything is written.
template <typename Tr>
cudaError_t launch_variant(Sm90Params& p, int block_l, PrepassFn prepass, cudaStream_t stream) {
    const FwdArgs& a = p.args;
    const bool hat = a.group > 1;
    const bool ok = hat ? make_tensor_map(&p.tmap_q, a.o, Tr::kHeadDim, Tr::kBF16, a.nq, a.heads, a.batch, a.o_rs,
                                          a.o_hs, a.o_bs, Tr::kBlockM)
                        : make_tensor_map(&p.tmap_q, a.q, Tr::kHeadDim, Tr::kBF16, a.nq, a.heads, a.batch, a.q_rs,
                                          a.q_hs, a.q_bs, Tr::kBlockM);
    if (!ok) return cudaErrorNotSupported;
    if (hat || a.perm_out != nullptr) {
        QtildeArgs qa;
        qa.a = a;
        qa.dst = hat ? a.o : nullptr;
        qa.dst_bs = a.o_bs;
        qa.dst_hs = a.o_hs;
        qa.dst_rs = a.o_rs;
        qa.block_l = block_l;
        const cudaError_t e = prepass(qa, stream);
        if (e != cudaSuccess) return e;
        p.kv_before_wait = 1;  // K and V are this call's inputs, not the pre-pass's output
    }
    return launch_attention<Tr>(p, stream);
}

template <int D, bool BF16>
cudaError_t launch_sm90_d(const FwdArgs& a, const KernelConfig& c, PrepassFn prepass, cudaStream_t stream) {
    if (c.block_m != 64 && c.block_m != 128) return cudaErrorInvalidValue;
    Sm90Params p;
    p.args = a;
    if (!make_tensor_map(&p.tmap_k, a.k, D, BF16, a.nk, a.heads, a.batch, a.k_rs, a.k_hs, a.k_bs, 128) ||
        !make_tensor_map(&p.tmap_v, a.v, D, BF16, a.nk, a.heads, a.batch, a.v_rs, a.v_hs, a.v_bs, 128))
        return cudaErrorNotSupported;
    switch (c.sm90_variant) {
        case 2: return launch_variant<Sm90Traits<D, 3, true, BF16>>(p, c.block_m, prepass, stream);
#if defined(DA_TUNING_KNOBS) && DA_TUNING_KNOBS
        // Variants the dispatcher never picks (config.cpp: 0, or 2 from Nk = 2048): only in the tuning build,
        // where DA_SM90_VARIANT forces them for the kernel suite and the benchmarks.
        case 1: return launch_variant<Sm90Traits<D, 3, false, BF16>>(p, c.block_m, prepass, stream);
        case 5: return launch_variant<Sm90Traits<D, 3, true, BF16, 3>>(p, c.block_m, prepass, stream);
        case 6: return launch_variant<Sm90Traits<D, 3, true, BF16, 2>>(p, c.block_m, prepass, stream);
#endif
        default: return launch_variant<Sm90Traits<D, 2, true, BF16>>(p, c.block_m, prepass, stream);
    }
}

}  // namespace sm90
}  // namespace da
