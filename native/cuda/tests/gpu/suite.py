"""GPU correctness suite of the fused DistrAttention kernel (issues 3 and 14). Oracles: the C++ host reference of the
hash (da_reference_permutation, bit-exact by design), a float64 evaluation of docs/semantics.md and, for G = 1, PyTorch's
scaled_dot_product_attention in float64.

For every (dtype, d, G, l, mode, causal) and shapes including Nq = 197, Nq != Nk, N = 1 and N not a multiple of any
tile, EVERY kernel the dispatcher can pick for the case is run (da_last_kernel names it; the name is asserted and
tallied): on compute capability 9.x the sm_90a kernel (the suite sets DA_SM90_MIN_NK=0 so that short sequences take
it too), and always the portable kernel in each of its modes (exact for G = 1; expand and K-hat for G > 1). Each run:
  * output and lse poisoned with NaN (permutations with -1) first: every element written, no NaN;
  * permutations (perm_out) equal to the host reference, block for block; the host reference itself compared with a
    float64 evaluation once per input (differences allowed only at sign ties, |p_j| below rounding; reported);
  * output against the float64 semantics with the host permutation: per-dtype limits on the whole-tensor relative
    Frobenius error AND on the worst row (LIMITS below: derivation and margins); lse checked row by row against a
    per-row bound; G = 1 also against float64 exact attention and against torch's scaled_dot_product_attention in
    float64 (an oracle this file does not implement: same limits, causal as an explicit bottom-right mask);
  * fully masked rows (causal, Nq > Nk): O = 0 and lse = -inf.
Besides: cases that reach the persistent sm_90a loop (more than 2 x SM-count query tiles of the largest tile) at
Nk in {2050, 4096, 8192} for every sm_90a variant (0, 1, 2, 5, 6) and portable mode; constructed sign-tie inputs
that must differ from the host reference with DA_FLAG_DEBUG_NO_TIE_RECOMPUTE and equal it without; the identity
permutation of DA_FLAG_DEBUG_NO_LSH; argument errors as status codes.
Seeds are fixed (--seed, default 1234) and every input's seed is printed in its failure lines.
--faults: the few cases that reach each deliberate fault of scripts/gpu-fault-injection.sh (d = 64 fp16 only, the
kernels a fault-injection build has): a persistent shape, G = 1 (also against SDPA), 2 and 4, heads >= 2.
Usage: python3 native/cuda/tests/gpu/suite.py [--small | --quick | --faults] [--seed N] [--shard I/N]   (DA_LIB: the library)
"""
import argparse
import contextlib
import math
import os
import sys
import time
from collections import Counter

import numpy as np
import torch
import torch.nn.functional as F

# the ctypes binding lives in native/cuda/python
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import distr_attention as da  # noqa: E402

DEV = "cuda"
# Every supported shape through the sm_90a kernel, even if its default Nk threshold (today 0) is raised.
os.environ.setdefault("DA_SM90_MIN_NK", "0")
# The suite chooses kernels itself: an inherited override would change what "default" means.
for _name in ("DA_SM90_VARIANT", "DA_EXPAND_Q"):
    os.environ.pop(_name, None)
SM90 = False  # set in main(): compute capability 9.x and DA_DISABLE_SM90 unset
SDPA_CHECK = True  # G = 1 against torch SDPA; off with --small (memcheck instruments torch's kernels too: time)
TIE_REL = 1e-5  # |p| / sum|q r| below this counts as a sign tie (fp32 rounding of an l-term sum)

# ---- limits -------------------------------------------------------------------------------------------------------
# u: unit roundoff of the input type (half an ulp of 1): 2^-11 fp16, 2^-8 bf16.
U = {torch.float16: 2.0 ** -11, torch.bfloat16: 2.0 ** -8}
# Whole-tensor relative Frobenius error ||o - ref|| / ||ref|| against the float64 semantics.
#   Measured (bench/results/kernel-h200-tuning.md, commit 276c020, every shape of this suite, all G, d): the default
#   kernels reach fp16 4.7e-4 (0.97u), bf16 3.7e-3 (0.94u). The K-hat mode rounds Q-hat and K-hat (two roundings where
#   expand mode has one); it differed from the default by at most 8.8e-4 fp16 / 6.5e-3 bf16, so by the triangle
#   inequality its own error is at most 1.2e-3 (2.4u) fp16 / 9.1e-3 (2.3u) bf16.
#   fp16: 4u = 1.95e-3 (1.6x over that bound; tightened from the former 1e-2 for every dtype).
#   bf16: 1e-2 = 2.56u, the former limit, kept (1.1x over the triangle bound, 2.7x over the measured default kernels).
FROB = {torch.float16: 4 * U[torch.float16], torch.bfloat16: 1e-2}
# Worst row: max_i ||o_i - ref_i|| / max(||ref_i||, 1e-2 * median_i ||ref_i||) (the floor as in the C# suite's
#   TensorMath.WorstRowError: a row whose exact value is ~0 would divide rounding noise by ~0).
#   Not measured before this suite: set from theory. A row's error is the rms of its d >= 32 elements' errors, from
#   the same independent roundings as the whole tensor's (Q-tilde, or Q-hat and K-hat, to dtype; P to dtype before
#   PV; O to dtype: each <= u relative), so rows concentrate around the whole-tensor error (<= 2.4u above) with a
#   relative spread of about 1/sqrt(2d) <= 13%; rows with few keys (causal starts, Nk = 1) have fewer roundings.
#   Limit 8u (fp16 3.9e-3, bf16 3.1e-2): 3.3x over the 2.4u bound; one row wrong by 30% fails in either dtype.
#   The suite prints the measured worst row per (dtype, d, G, kernel) ("row" in the table): confirm the margin there.
ROW_U = 8
# lse, row by row: |lse_i - ref_i| <= 2u M_i [G > 1] + 2^-20 (|ref_i| + M_i) + 1e-4, where
#   M_i = scale * max_j sum_c |q~_ic| |k_jc| over the keys row i sees (float64): the largest |S_ij| the roundings act on.
#   The kernel's S differs from the float64 S by the rounding of Q-tilde to dtype (expand mode, sm_90a: |dq~| <= u|q~|)
#   or of Q-hat and K-hat (K-hat mode) -> |dS_ij| <= 2u scale sum_c |q~_ic k_jc|, and lse moves by at most
#   max_j |dS_ij|. The rest is fp32 arithmetic (S accumulated in fp32, the online softmax's sums, exp2/log2): the
#   2^-20 relative and 1e-4 absolute terms, 40x over the measured G = 1 worst (2.3e-6). Measured G > 1 worst
#   (276c020): 1.8e-3 fp16, 7.5e-3 bf16 absolute. A key tile skipped or a wrong scale moves G = 1 rows far past this.
LSE_ABS = 1e-4
LSE_REL = 2.0 ** -20


def dt(dtype):
    return str(dtype).split(".")[-1]


def sync():
    torch.cuda.synchronize()


def sm_count():
    return torch.cuda.get_device_properties(0).multi_processor_count


def sm90_case(d, l, block_n):
    return SM90 and d in (32, 64) and l in (64, 128) and block_n in (0, 128)


@contextlib.contextmanager
def env(values):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def kernel_variants(d, l, G, Nk, block_n=0, sm90_variants=(None,)):
    """[(environment, expected da_last_kernel name)] of every kernel the dispatcher can pick for this case.
    sm90_variants: None = the default variant for Nk (2 from Nk = 2048 on, else 0), n = DA_SM90_VARIANT=n."""
    out = []
    if sm90_case(d, l, block_n):
        for var in sm90_variants:
            if var is None:
                out.append(({}, "sm90/v%d" % (2 if Nk >= 2048 else 0)))
            else:
                out.append(({"DA_SM90_VARIANT": str(var)}, "sm90/v%d" % var))
        if G == 1:
            out.append(({"DA_DISABLE_SM90": "1"}, "portable/exact"))
        else:
            out.append(({"DA_DISABLE_SM90": "1", "DA_EXPAND_Q": "1"}, "portable/expand"))
            out.append(({"DA_DISABLE_SM90": "1", "DA_EXPAND_Q": "0"}, "portable/khat"))
    elif G == 1:
        out.append(({}, "portable/exact"))
    else:  # the portable default (expand for G = 2, K-hat for G >= 4), then the other mode
        default = "portable/expand" if G == 2 else "portable/khat"
        other = "portable/khat" if G == 2 else "portable/expand"
        out.append(({}, default))
        out.append(({"DA_EXPAND_Q": "0" if G == 2 else "1"}, other))
    return out


def inv_gray(x):
    x = x ^ (x >> 1)
    x = x ^ (x >> 2)
    x = x ^ (x >> 4)
    x = x ^ (x >> 8)
    return x


def perms_f64(q, l, R):
    """float64 steps 1-3 (docs/semantics.md) -> perm [B,H,nb,d] and per-(block, column) min relative margin."""
    B, H, Nq, d = q.shape
    nb = math.ceil(Nq / l)
    qp = torch.zeros(B, H, nb * l, d, dtype=torch.float64, device=q.device)
    qp[:, :, :Nq] = q.double()
    qb = qp.view(B, H, nb, l, d)
    Rd = R.double().to(q.device)
    P = torch.einsum("bhnic,ij->bhncj", qb, Rd)
    mag = torch.einsum("bhnic,ij->bhncj", qb.abs(), Rd.abs())
    w = (1 << torch.arange(16, device=q.device, dtype=torch.int64))
    bits = ((P > 0).long() * w).sum(-1)
    comp = inv_gray(bits) * 256 + torch.arange(d, device=q.device)
    perm = torch.argsort(comp, dim=-1)
    rel = (P.abs() / mag.clamp_min(1e-30)).amin(-1)  # [B,H,nb,d]
    return perm.to(torch.int32), rel


def perms_host(q, l, R):
    """C++ reference (da_reference_permutation), block by block."""
    B, H, Nq, d = q.shape
    nb = math.ceil(Nq / l)
    qc = q.float().cpu().numpy()
    Rc = R.float().cpu().numpy()
    out = np.empty((B, H, nb, d), dtype=np.int32)
    for b in range(B):
        for h in range(H):
            for n in range(nb):
                blk = qc[b, h, n * l:min(Nq, (n + 1) * l)]
                out[b, h, n] = da.reference_permutation(blk, l, Rc)
    return torch.from_numpy(out).to(q.device)


def causal_mask(Nq, Nk, device):
    i = torch.arange(Nq, device=device)[:, None]
    j = torch.arange(Nk, device=device)[None, :]
    return j > i + (Nk - Nq)  # True = masked


def softmax_out(S, v, mask):
    if mask is not None:
        S = S.masked_fill(mask, float("-inf"))
    lse = torch.logsumexp(S, dim=-1)
    dead = torch.isinf(lse) & (lse < 0)
    P = torch.exp(S - torch.where(dead, torch.zeros_like(lse), lse)[..., None])
    P = torch.where(dead[..., None], torch.zeros_like(P), P)
    return P @ v, lse


def row_magnitude(S_abs, mask):
    """M_i = max_j |S|_ij over the keys row i sees (0 for a row that sees none)."""
    if mask is not None:
        S_abs = S_abs.masked_fill(mask, 0.0)
    return S_abs.amax(-1)


def distr_ref64(q, k, v, perm, G, l, mode, causal, scale):
    """float64 steps 4-6 with the given permutations -> (O, lse, M) with M the row magnitude of the lse bound."""
    B, H, Nq, d = q.shape
    Nk = k.shape[2]
    nb = perm.shape[2]
    idx = perm.long()
    qp = torch.zeros(B, H, nb * l, d, dtype=torch.float64, device=q.device)
    qp[:, :, :Nq] = q.double()
    qb = qp.view(B, H, nb, l, d)
    qg = torch.gather(qb, -1, idx[:, :, :, None, :].expand(B, H, nb, l, d)).view(B, H, nb, l, d // G, G)
    qhat = qg.mean(-1) if mode == 0 else qg[..., 0]
    gidx = idx[:, :, :, None, :].expand(B, H, nb, Nk, d)
    kd = k.double()
    khat = torch.gather(kd[:, :, None].expand(B, H, nb, Nk, d), -1, gidx).view(B, H, nb, Nk, d // G, G).sum(-1)
    S = scale * (qhat @ khat.transpose(-1, -2))  # [B,H,nb,l,Nk]
    S = S.reshape(B, H, nb * l, Nk)[:, :, :Nq]
    mask = causal_mask(Nq, Nk, q.device) if causal else None
    o, lse = softmax_out(S, v.double(), mask)
    del S
    # sum_c |q~_c| |k_c| = sum_t |q-hat_t| sum_{c in t} |k_c|
    kabs = torch.gather(kd.abs()[:, :, None].expand(B, H, nb, Nk, d), -1, gidx).view(B, H, nb, Nk, d // G, G).sum(-1)
    S_abs = (scale * (qhat.abs() @ kabs.transpose(-1, -2))).reshape(B, H, nb * l, Nk)[:, :, :Nq]
    return o, lse, row_magnitude(S_abs, mask)


def exact_ref64(q, k, v, causal, scale):
    Nq, Nk = q.shape[2], k.shape[2]
    S = scale * (q.double() @ k.double().transpose(-1, -2))
    mask = causal_mask(Nq, Nk, q.device) if causal else None
    o, lse = softmax_out(S, v.double(), mask)
    S_abs = scale * (q.double().abs() @ k.double().abs().transpose(-1, -2))
    return o, lse, row_magnitude(S_abs, mask)


def sdpa_ref64(q, k, v, causal, scale):
    """G = 1 oracle outside this file: torch's scaled_dot_product_attention in float64 (the math backend) -> (O, lse
    marker, 0). Causal as an explicit boolean mask, since is_causal aligns top-left and the library bottom-right
    (j <= i + Nk - Nq). Rows that see no key come out NaN there: they are set to 0 (the library's convention), and the
    lse marker is -inf exactly for them (check_output tells live rows from dead ones by it; lse is not compared)."""
    Nq, Nk = q.shape[2], k.shape[2]
    allowed = ~causal_mask(Nq, Nk, q.device) if causal else None
    o = F.scaled_dot_product_attention(q.double(), k.double(), v.double(), attn_mask=allowed, scale=scale)
    dead = torch.zeros(Nq, dtype=torch.bool, device=q.device) if allowed is None else ~allowed.any(-1)
    dead = dead.expand(q.shape[0], q.shape[1], Nq)
    o = torch.where(dead[..., None], torch.zeros_like(o), o)
    marker = torch.where(dead, torch.full_like(dead, float("-inf"), dtype=torch.float64),
                         torch.zeros_like(dead, dtype=torch.float64))
    return o, marker, torch.zeros_like(marker)


def rel_err(a, ref):
    n = ref.norm().item()
    e = (a.double() - ref).norm().item()
    return e / n if n > 0 else e


def worst_row(a, ref, live):
    """max over live rows of ||a_i - ref_i|| / max(||ref_i||, 1e-2 * median ||ref_i||), and that row's index."""
    err = (a.double() - ref).norm(dim=-1)
    nrm = ref.norm(dim=-1)
    if not bool(live.any()):
        return 0.0, None
    floor = max(1e-2 * nrm[live].median().item(), 1e-30)
    rel = torch.where(live, err / nrm.clamp_min(floor), torch.zeros_like(err))
    i = int(rel.argmax())
    return rel.flatten()[i].item(), np.unravel_index(i, tuple(rel.shape))


def make_inputs(B, H, Nq, Nk, d, dtype, layout_bnhd, kind, gen):
    def t(N):
        if kind == "uniform":
            x = torch.rand(B, N, H, d, generator=gen, device=DEV)
        else:
            x = torch.randn(B, N, H, d, generator=gen, device=DEV)
        x = x.to(dtype)
        if layout_bnhd:
            return x.transpose(1, 2)  # [B,H,N,d] view with interleaved heads
        return x.transpose(1, 2).contiguous()
    return t(Nq), t(Nk), t(Nk)


class Stats:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.failures = []
        self.worst = {}
        self.blocks_distinct = 0      # Q blocks hashed by the host reference (each input once)
        self.block_checks = 0         # kernel-vs-host block comparisons (one per block per kernel run)
        self.host_mismatch = 0
        self.f64_mismatch = 0
        self.f64_mismatch_ties = 0
        self.kernels = Counter()      # da_last_kernel of every checked run
        self.persistent = []          # (tag, kernel, query tiles, SM count)
        self.ties = []                # summary lines of the sign-tie cases

    def fail(self, msg):
        self.failures.append(msg)
        print("FAIL:", msg, flush=True)

    def note(self, key, err):
        self.worst[key] = max(self.worst.get(key, 0.0), err)

    def count(self, ok):
        if ok:
            self.passed += 1
        else:
            self.failed += 1


def lse_limit(dtype, G, ref_lse, M):
    return (2 * U[dtype] * M if G > 1 else 0.0) + LSE_REL * (ref_lse.abs() + M) + LSE_ABS


def check_output(st, name, dtype, d, G, kernel, o, lse, ref, what="vs_ref64"):
    """Output and lse of one run against a float64 reference (O, lse, M). Returns True when every check passed."""
    ref_o, ref_lse, M = ref
    key = (dt(dtype), d, G, kernel)
    ok = True
    if torch.isnan(o).any():
        st.fail(f"{name}: NaN/unwritten output elements: {int(torch.isnan(o).sum())}")
        return False
    if lse is not None and torch.isnan(lse).any():
        st.fail(f"{name}: NaN/unwritten lse: {int(torch.isnan(lse).sum())}")
        return False
    dead = torch.isinf(ref_lse)
    live = ~dead
    if lse is not None and bool((torch.isinf(lse) != dead).any()):
        st.fail(f"{name}: fully-masked rows must give lse = -inf, and only they")
        ok = False
    if dead.any() and bool((o.double()[dead] != 0).any()):
        st.fail(f"{name}: fully-masked rows must give O = 0")
        ok = False
    frob = rel_err(o, ref_o)
    st.note(key + (what,), frob)
    if not frob <= FROB[dtype]:
        st.fail(f"{name}: {what} output rel err {frob:.3e} > {FROB[dtype]:.3e}")
        ok = False
    row, where = worst_row(o, ref_o, live)
    st.note(key + (what + " row",), row)
    if not row <= ROW_U * U[dtype]:
        st.fail(f"{name}: {what} worst row {row:.3e} > {ROW_U * U[dtype]:.3e} at [b, h, i] = {where}")
        ok = False
    if lse is not None and live.any():
        diff = torch.where(live, (lse.double() - ref_lse).abs(), torch.zeros_like(ref_lse))
        lim = lse_limit(dtype, G, ref_lse, M)
        ratio = torch.where(live, diff / lim, torch.zeros_like(ref_lse))
        i = int(ratio.argmax())
        st.note(key + ("lse abs",), diff.max().item())
        st.note(key + ("lse / limit",), ratio.flatten()[i].item())
        if not ratio.flatten()[i].item() <= 1.0:
            st.fail(f"{name}: lse at [b, h, i] = {np.unravel_index(i, tuple(ratio.shape))} off by "
                    f"{diff.flatten()[i].item():.3e} > its limit {lim.flatten()[i].item():.3e}")
            ok = False
    return ok


def run_kernel(q, k, v, R, G, l, mode, causal, environment, block_n=0, want_perm=True, no_tie_recompute=False):
    """One da_forward with poisoned outputs under the given environment -> (o, lse, perm, da_last_kernel)."""
    B, H, Nq, d = q.shape
    o = torch.full((B, Nq, H, d), float("nan"), dtype=q.dtype, device=DEV).transpose(1, 2) \
        if q.stride(1) == d else torch.full_like(q, float("nan"))
    lse = torch.full((B, H, Nq), float("nan"), device=DEV)
    perm = torch.full((B, H, math.ceil(Nq / l), d), -1, dtype=torch.int32, device=DEV) if want_perm else None
    p = da.build_params(q, k, v, o, R, G, l, mode, causal, 0.0, lse, perm, block_n,
                        no_tie_recompute=no_tie_recompute)
    with env(environment):
        da.forward_into(p)
        served = da.last_kernel()  # thread-local, read right after the call
    sync()
    return o, lse, perm, served


def check_perm(st, name, perm, ph):
    if perm is None:
        return True
    st.block_checks += perm.shape[0] * perm.shape[1] * perm.shape[2]
    unwritten = int((perm < 0).any(-1).sum())
    mism = int((perm != ph).any(-1).sum())
    st.host_mismatch += mism
    if unwritten or mism:
        st.fail(f"{name}: {mism} blocks differ from the host (fp32 fma) reference ({unwritten} with unwritten entries)")
        return False
    return True


def check_host_vs_f64(st, tag, ph, p64, rel64):
    """The host reference against the float64 hash, once per input: differences only at sign ties."""
    st.blocks_distinct += ph.shape[0] * ph.shape[1] * ph.shape[2]
    mism64_blocks = (ph != p64).any(-1)
    mism64 = int(mism64_blocks.sum())
    st.f64_mismatch += mism64
    if mism64:
        ties = rel64.amin(-1)[mism64_blocks] < TIE_REL
        st.f64_mismatch_ties += int(ties.sum())
        if not bool(ties.all()):
            st.fail(f"{tag}: {mism64} blocks of the host reference differ from float64, not all at sign ties")


def run_case(st, q, k, v, R, G, l, mode, causal, ph, tag, block_n=0, sm90_variants=(None,), persistent=False):
    """Every kernel variant of one (G, mode, causal) case against one float64 reference."""
    B, H, Nq, d = q.shape
    Nk = k.shape[2]
    scale = 1.0 / math.sqrt(d)
    name = f"{tag} G={G} mode={mode} causal={int(causal)} bn={block_n}"
    ref = distr_ref64(q, k, v, ph, G, l, mode, causal, scale)
    exact = exact_ref64(q, k, v, causal, scale) if G == 1 else None
    sdpa = sdpa_ref64(q, k, v, causal, scale) if G == 1 and SDPA_CHECK else None
    for environment, expected in kernel_variants(d, l, G, Nk, block_n, sm90_variants):
        label = f"{name} [{' '.join(f'{a}={b}' for a, b in environment.items()) or 'default'}]"
        try:
            o, lse, perm, served = run_kernel(q, k, v, R, G, l, mode, causal, environment, block_n)
        except Exception as e:  # a status or a CUDA error: this run fails, the others still run
            st.fail(f"{label}: {type(e).__name__}: {e}")
            st.count(False)
            continue
        st.kernels[served] += 1
        ok = True
        if served != expected:
            st.fail(f"{label}: served by {served!r}, expected {expected!r}")
            ok = False
        ok &= check_perm(st, label, perm, ph)
        ok &= check_output(st, f"{label} ({served})", q.dtype, d, G, served, o, lse, ref)
        if exact is not None:
            ok &= check_output(st, f"{label} ({served}) G=1", q.dtype, d, G, served, o, None, exact, "G1_vs_exact")
            if sdpa is not None:
                ok &= check_output(st, f"{label} ({served}) G=1 vs SDPA", q.dtype, d, G, served, o, None, sdpa,
                                   "G1_vs_sdpa")
        if persistent and served.startswith("sm90"):
            rows = 128 if served == "sm90/v0" else 192
            st.persistent.append((name, served, math.ceil(Nq / rows) * B * H, sm_count()))
        st.count(ok)
    del ref, exact, sdpa


def no_lsh_case(st, q, k, v, R, l, tag):
    d = q.shape[-1]
    o, _, perm = da.forward(q, k, v, R, G=2, l=l, want_perm=True, no_lsh=True)
    sync()
    ident = torch.arange(d, device=DEV, dtype=torch.int32).expand_as(perm)
    ok = bool((perm == ident).all())
    if not ok:
        st.fail(f"{tag}: DEBUG_NO_LSH did not use the identity permutation")
    ref = distr_ref64(q, k, v, ident, 2, l, 0, False, 1 / math.sqrt(d))
    ok &= check_output(st, f"{tag} DEBUG_NO_LSH", q.dtype, d, 2, "no_lsh", o, None, ref)
    st.count(ok)


def tie_inputs(B, H, Nq, d, l, dtype, gen, seed):
    """Q and R whose tie columns (the even ones) have the projection 2^-12 > 0 exactly, 0 in the reference's fp32 fma
    chain (it loses 2^-12 in 2^14 + 2^7) and 2^-12 on tensor cores (R split into fp16/bf16 parts, the hi parts summed
    to exactly 0 first): see native/cuda/tests/test_host.cpp, Reference.ConstructedSignTie. Odd columns: randn."""
    q = torch.randn(B, H, Nq, d, generator=gen, device=DEV)
    nb = math.ceil(Nq / l)
    for n in range(nb):
        r0 = n * l
        q[:, :, r0:r0 + 3, :] = 0.0
        q[:, :, r0:min(Nq, r0 + l), 0::2] = 0.0
        q[:, :, r0:r0 + 3, 0::2] = 1.0
    R = torch.randn(l, 16, generator=torch.Generator().manual_seed(seed), dtype=torch.float32)
    R[0, :] = 16384.0
    R[1, :] = 128.0 + 2.0 ** -12
    R[2, :] = -(16384.0 + 128.0)
    return q.to(dtype), R.to(DEV)


def tie_cases(st, dtypes, dims, seeds):
    """The near-tie recomputation of the tensor-core hash (sm_90a pre-pass, da_qtilde) is what keeps it bit-exact:
    constructed ties must differ from the host reference with DA_FLAG_DEBUG_NO_TIE_RECOMPUTE and equal it without."""
    for dtype in dtypes:
        for d in [x for x in dims if x in (32, 64)]:
            for l in (64, 128):
                seed = next(seeds)
                try:
                    tie_case(st, dtype, d, l, seed)
                except Exception as e:  # a status or a CUDA error: this case fails, the others still run
                    st.fail(f"ties {dt(dtype)} d={d} l={l} seed={seed}: {type(e).__name__}: {e}")
                    st.count(False)


def tie_case(st, dtype, d, l, seed):
    gen = torch.Generator(device=DEV).manual_seed(seed)
    B, H, Nq = 1, 2, 3 * l - 5  # a short last block too
    q, R = tie_inputs(B, H, Nq, d, l, dtype, gen, seed)
    k = torch.randn(B, H, Nq, d, generator=gen, device=DEV).to(dtype)
    v = torch.randn(B, H, Nq, d, generator=gen, device=DEV).to(dtype)
    ph = perms_host(q, l, R)
    st.blocks_distinct += ph.shape[0] * ph.shape[1] * ph.shape[2]
    tag = f"ties {dt(dtype)} d={d} l={l} B{B}H{H} Nq={Nq} seed={seed}"
    nblocks = ph.shape[0] * ph.shape[1] * ph.shape[2]
    # float64 sees the exact 2^-12 > 0 (bits 1) where the reference's fp32 chain gives 0 (bits 0)
    p64, _ = perms_f64(q, l, R)
    off64 = int((p64 != ph).any(-1).sum())
    ok = off64 > 0
    if not ok:
        st.fail(f"{tag}: the host reference agrees with float64: the constructed ties are not ties")
    # da_qtilde (the tensor-core hash on any GPU of compute capability >= 8.0)
    _, perm = da.qtilde(q, R, G=2, l=l)
    sync()
    ok &= check_perm(st, f"{tag} da_qtilde", perm, ph)
    _, perm = da.qtilde(q, R, G=2, l=l, no_tie_recompute=True)
    sync()
    st.block_checks += nblocks
    off = int((perm != ph).any(-1).sum())
    line = (f"{tag}: host reference vs float64 differs in {off64}/{nblocks} blocks; "
            f"da_qtilde without the recomputation in {off}/{nblocks}")
    if off == 0:
        st.fail(f"{line}: the constructed ties did not need the recomputation")
        ok = False
    # da_forward: the sm_90a path hashes on tensor cores (the flag matters); the portable kernel's hash is
    # the reference's fma chain (the flag changes nothing)
    for environment, expected in kernel_variants(d, l, 2, Nq):
        for flag in (False, True):
            o, lse, perm, served = run_kernel(q, k, v, R, 2, l, 0, False, environment,
                                              no_tie_recompute=flag)
            st.kernels[served] += 1
            if served != expected:
                st.fail(f"{tag} {environment}: served by {served!r}, expected {expected!r}")
                ok = False
            if flag and served.startswith("sm90"):
                st.block_checks += nblocks
                off = int((perm != ph).any(-1).sum())
                line += f"; {served} without it: {off}/{nblocks}"
                if off == 0:
                    st.fail(f"{tag} {served}: no block differs without the recomputation")
                    ok = False
            else:
                ok &= check_perm(st, f"{tag} {served} no_tie_recompute={int(flag)}", perm, ph)
            if not flag:
                ref = distr_ref64(q, k, v, ph, 2, l, 0, False, 1 / math.sqrt(d))
                ok &= check_output(st, f"{tag} {served}", dtype, d, 2, served, o, lse, ref, "ties")
    st.ties.append(line)
    st.count(ok)


# (Nk = Nq, l, input kind) of the persistent cases
PERSISTENT = ((2050, 128, "randn"), (4096, 64, "uniform"), (8192, 128, "randn"))


def persistent_cases(st, dtypes, dims, seeds):
    """Nk in {2050, 4096, 8192}, every kernel the dispatcher can pick; d = 32, 64 with more than 2 x SM-count query
    tiles of the largest sm_90a tile (192 rows), so that every CTA of the persistent kernel loops over tiles."""
    sms = sm_count()
    for dtype in dtypes:
        for Nk, l, kind in PERSISTENT:
            for d in dims:
                Nq = Nk
                if d == 128:  # the portable kernel only (one CTA per tile, no loop): its Nk coverage
                    B, H = 1, 2
                else:
                    bh = math.ceil((2 * sms + 1) / math.ceil(Nq / 192))
                    B, H = 2, math.ceil(bh / 2)
                seed = next(seeds)
                gen = torch.Generator(device=DEV).manual_seed(seed)
                q, k, v = make_inputs(B, H, Nq, Nk, d, dtype, layout_bnhd=(Nk == 4096), kind=kind, gen=gen)
                R = da.make_r(l, seed=l + d)
                ph = perms_host(q, l, R)
                p64, rel64 = perms_f64(q, l, R)
                tag = f"persistent {dt(dtype)} d={d} l={l} B{B}H{H} Nq={Nq} Nk={Nk} {kind} seed={seed}"
                check_host_vs_f64(st, tag, ph, p64, rel64)
                del p64, rel64
                if d == 64:  # every sm_90a variant: the default for Nk (2) and 0, 1, 5, 6 forced
                    configs, variants = [(2, 0, False), (1, 0, True), (4, 1, False), (16, 0, True)], (None, 0, 1, 5, 6)
                else:
                    configs, variants = [(2, 0, True), (4, 0, False)], (None,)
                for G, mode, causal in configs:
                    run_case(st, q, k, v, R, G, l, mode, causal, ph, tag, sm90_variants=variants, persistent=True)
                del q, k, v, ph
                torch.cuda.empty_cache()
                print(f"  done {tag}: {st.passed} passed, {st.failed} failed", flush=True)


def fault_persistent_case(st, seeds):
    """--faults: Nk = Nq = 2050, fp16, d = 64, l = 128, default kernels (sm_90a variant 2: 11 tiles of 192 rows x 25
    heads = 275 > 2 x 132 SMs), G = 1 and 2, not causal."""
    seed = next(seeds)
    gen = torch.Generator(device=DEV).manual_seed(seed)
    B, H, N, d, l = 1, 25, 2050, 64, 128
    q, k, v = make_inputs(B, H, N, N, d, torch.float16, layout_bnhd=False, kind="randn", gen=gen)
    R = da.make_r(l, seed=l + d)
    ph = perms_host(q, l, R)
    tag = f"faults persistent float16 d={d} l={l} B{B}H{H} Nq={N} Nk={N} randn seed={seed}"
    for G in (1, 2):
        run_case(st, q, k, v, R, G, l, 0, False, ph, tag, persistent=True)
    print(f"  done {tag}: {st.passed} passed, {st.failed} failed", flush=True)


def expect_status(st, what, fn, status):
    try:
        fn()
    except da.DAError as e:
        ok = e.status == status
        if not ok:
            st.fail(f"{what}: status {e.status} != {status}: {e}")
        st.count(ok)
        return
    st.fail(f"{what}: no error raised")
    st.count(False)


def error_cases(st, gen):
    q = torch.randn(1, 2, 64, 64, generator=gen, device=DEV).to(torch.float16)
    R = da.make_r(64)
    expect_status(st, "fp32 input", lambda: da.forward(q.float(), q.float(), q.float(), R), 2)
    expect_status(st, "block_l 32", lambda: da.forward(q, q, q, da.make_r(32), l=32), 3)
    expect_status(st, "G 3", lambda: da.forward(q, q, q, R, G=3), 3)
    qh = q.cpu().pin_memory()
    expect_status(st, "host tensor", lambda: da.forward(qh, qh, qh, R), 2)
    big = torch.randn(1, 2, 64, 72, generator=gen, device=DEV).to(torch.float16)
    expect_status(st, "misaligned view", lambda: da.forward(big[..., 1:65], q, q, R), 2)
    expect_status(st, "head_dim 72", lambda: da.forward(big, big, big, R), 3)


def counter(start):
    n = start
    while True:
        yield n
        n += 1


def main(argv=None):
    global SM90, SDPA_CHECK
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", action="store_true", help="few cases (for compute-sanitizer)")
    ap.add_argument("--quick", action="store_true", help="d 32/64 only (the sm_90a path), fewer shapes")
    ap.add_argument("--faults", action="store_true",
                    help="the cases that reach the deliberate faults of scripts/gpu-fault-injection.sh (d = 64 fp16)")
    ap.add_argument("--seed", type=int, default=1234, help="first input seed (input set n uses seed + n)")
    ap.add_argument("--shard", default="0/1",
                    help="I/N: run only the (dtype, d, l) groups whose index mod N is I (the error and sign-tie cases in "
                         "shard 0); every case keeps the seed it has in the unsharded run. For parallel memcheck runs")
    args = ap.parse_args(argv)
    shard, shards = (int(x) for x in args.shard.split("/"))
    if not 0 <= shard < shards:
        ap.error(f"--shard: expected I/N with 0 <= I < N, got {args.shard}")
    SM90 = torch.cuda.get_device_capability()[0] == 9 and os.environ.get("DA_DISABLE_SM90", "0") in ("", "0")
    SDPA_CHECK = not args.small
    torch.manual_seed(args.seed)
    seeds = counter(args.seed)
    st = Stats()
    t0 = time.time()
    print(f"seeds: input set n uses --seed + n = {args.seed} + n (printed as seed=... in its lines); "
          f"sm_90a path {'active' if SM90 else 'inactive'}", flush=True)
    if args.faults:
        # Each fault of native/cuda/src/kernels/common/fault_injection.h is reached: 1 by the second query tile of a persistent
        # sm_90a CTA (48 heads x 9 tiles of 128 rows = 432 > 2 x 132 SMs, 3 key tiles each; and Nk = 2050, variant 2),
        # 2 by every G > 1 run, 3 by head 1 of every run. Only d = 64 fp16: the kernels a fault-injection build has.
        dtypes, dims, ls = [torch.float16], [64], [64, 128]
        shapes = [(1, 2, 197, 197), (1, 48, 1100, 300)]
        groups, modes = [1, 2, 4], [0]
    elif args.small:
        dtypes, dims, ls = [torch.float16, torch.bfloat16], [32, 64, 128], [64, 128]
        # the last shape: 9 query tiles of 128 rows x 48 heads = 432 > 2 x 132 SMs: the persistent loop under memcheck
        # (for d = 32, l = 128 only, to keep memcheck's time)
        shapes = [(1, 2, 197, 197), (1, 1, 1, 1), (1, 2, 77, 190), (1, 1, 130, 3), (1, 48, 1100, 300)]
        groups, modes = [1, 2, 16], [0]
    elif args.quick:
        dtypes, dims, ls = [torch.float16, torch.bfloat16], [32, 64], [64, 128]
        shapes = [(2, 3, 197, 197), (1, 2, 1, 300), (2, 2, 130, 257), (1, 2, 77, 190), (1, 2, 513, 1030)]
        groups, modes = [1, 2, 4, 16], [0, 1]
    else:
        dtypes, dims, ls = [torch.float16, torch.bfloat16], [32, 64, 128], [64, 128]
        shapes = [(2, 3, 197, 197), (2, 2, 1, 1), (1, 2, 1, 300), (1, 2, 300, 1), (2, 2, 130, 257),
                  (1, 2, 256, 256), (1, 2, 77, 190), (1, 2, 513, 1030)]
        groups, modes = [1, 2, 4, 8, 16], [0, 1]
    if not args.faults:
        error_seed = next(seeds)
        if shard == 0:
            error_cases(st, torch.Generator(device=DEV).manual_seed(error_seed))
    group_index = counter(0)
    for dtype in dtypes:
        for d in dims:
            for l in ls:
                mine = next(group_index) % shards == shard
                R = da.make_r(l, seed=l + d)
                for si, (B, H, Nq, Nk) in enumerate(shapes):
                    if args.small and H == 48 and (d, l) != (32, 128):
                        continue
                    kind = "uniform" if si % 3 == 2 else "randn"
                    seed = next(seeds)
                    if not mine:
                        continue
                    gen = torch.Generator(device=DEV).manual_seed(seed)
                    q, k, v = make_inputs(B, H, Nq, Nk, d, dtype, layout_bnhd=(si % 2 == 1), kind=kind, gen=gen)
                    ph = perms_host(q, l, R)
                    p64, rel64 = perms_f64(q, l, R)
                    tag = f"{dt(dtype)} d={d} l={l} B{B}H{H} Nq={Nq} Nk={Nk} {kind} seed={seed}"
                    check_host_vs_f64(st, tag, ph, p64, rel64)
                    for G in groups:
                        for mode in modes:
                            for causal in (False, True):
                                run_case(st, q, k, v, R, G, l, mode, causal, ph, tag,
                                         persistent=B * H * math.ceil(Nq / 128) > 2 * sm_count())
                    if si == 0 and not args.faults:  # key-tile variants must agree
                        for bn in ([64, 128] if d < 128 else [64]):
                            for G in (1, 2):
                                run_case(st, q, k, v, R, G, l, 0, True, ph, tag, block_n=bn)
                        no_lsh_case(st, q, k, v, R, l, tag)
            print(f"  done {dt(dtype)} d={d}: {st.passed} passed, {st.failed} failed, {time.time()-t0:.0f}s",
                  flush=True)
    if args.faults:
        fault_persistent_case(st, seeds)
    elif shard == 0:
        tie_cases(st, dtypes, dims, seeds)
        print(f"  done sign-tie cases: {st.passed} passed, {st.failed} failed, {time.time()-t0:.0f}s", flush=True)
    if not args.small and not args.faults and shard == 0:
        persistent_cases(st, dtypes, dims, seeds)
    print()
    print("Limits: whole-tensor relative Frobenius " + ", ".join(f"{dt(t)} {FROB[t]:.2e}" for t in U)
          + f"; worst row {ROW_U}u = " + ", ".join(f"{dt(t)} {ROW_U * U[t]:.2e}" for t in U)
          + f"; lse per row 2u*M_i [G>1] + {LSE_REL:.1e}*(|lse_i|+M_i) + {LSE_ABS:.0e} (derivation: suite.py LIMITS)")
    print()
    print("| dtype | d | G | kernel | metric | worst |")
    print("|---|---|---|---|---|---|")
    for key in sorted(st.worst, key=lambda x: (x[0], x[1], x[2], x[3], x[4])):
        print(f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | {key[4]} | {st.worst[key]:.2e} |")
    print()
    for dtype in dtypes:
        rows = [(v, k) for k, v in st.worst.items() if k[0] == dt(dtype) and k[4].endswith(" row")]
        if rows:
            v, k = max(rows)
            print(f"measured worst row, {dt(dtype)}: {v:.2e} = {v / U[dtype]:.2f}u (limit {ROW_U}u = "
                  f"{ROW_U * U[dtype]:.2e}; d={k[1]} G={k[2]} {k[3]} {k[4]})")
        fro = [(v, k) for k, v in st.worst.items() if k[0] == dt(dtype) and k[4] in ("vs_ref64", "G1_vs_exact", "G1_vs_sdpa")]
        if fro:
            v, k = max(fro)
            print(f"measured worst whole-tensor error, {dt(dtype)}: {v:.2e} = {v / U[dtype]:.2f}u "
                  f"(limit {FROB[dtype]:.2e}; d={k[1]} G={k[2]} {k[3]})")
        lr = [(v, k) for k, v in st.worst.items() if k[0] == dt(dtype) and k[4] == "lse / limit"]
        if lr:
            v, k = max(lr)
            print(f"measured worst lse row / its limit, {dt(dtype)}: {v:.2e} (d={k[1]} G={k[2]} {k[3]})")
    print()
    print("kernels run and checked: " + ", ".join(f"{k} {n}" for k, n in sorted(st.kernels.items())))
    if st.persistent:
        worst = min(st.persistent, key=lambda x: x[2] / x[3])
        print(f"persistent sm_90a runs: {len(st.persistent)}, each with at least {worst[2]} query tiles on "
              f"{worst[3]} SMs ({worst[2] / worst[3]:.1f} tiles per CTA; fewest: {worst[0]} {worst[1]})")
    for line in st.ties:
        print(line)
    print(f"permutation blocks: {st.blocks_distinct} distinct Q blocks hashed by the host reference; "
          f"{st.block_checks} kernel-vs-host block comparisons, {st.host_mismatch} mismatches; "
          f"host vs float64: {st.f64_mismatch} blocks differ (of which at sign ties: {st.f64_mismatch_ties})")
    print(f"suite: {st.passed} passed, {st.failed} failed ({time.time()-t0:.0f}s)")
    return 1 if st.failures or st.failed else 0


if __name__ == "__main__":
    sys.exit(main())
