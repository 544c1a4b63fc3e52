"""ctypes binding of libdistr_attention (native/cuda/include/distr_attention.h) for PyTorch tensors.

Loads the same shared library the C# side loads: $DA_LIB, else native/cuda/build/libdistr_attention.so. Tensors are
[B, H, N, d] (any strides with a contiguous last dim, 16-byte aligned). Used by the GPU correctness suite
(native/cuda/tests/gpu/suite.py) and the benchmarks (bench/kernel/); they put this folder on sys.path.
"""
import ctypes
import math
import os

import torch

DA_FLAG_CAUSAL = 1
DA_FLAG_DEBUG_NO_LSH = 2
DA_FLAG_DEBUG_NO_TIE_RECOMPUTE = 4  # tests only: the tensor-core hash keeps its near-tie signs


class Params(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_uint32), ("version", ctypes.c_uint32),
        ("q", ctypes.c_void_p), ("k", ctypes.c_void_p), ("v", ctypes.c_void_p), ("o", ctypes.c_void_p),
        ("lse", ctypes.c_void_p), ("r", ctypes.c_void_p), ("perm_out", ctypes.c_void_p),
        ("q_batch_stride", ctypes.c_int64), ("q_head_stride", ctypes.c_int64), ("q_row_stride", ctypes.c_int64),
        ("k_batch_stride", ctypes.c_int64), ("k_head_stride", ctypes.c_int64), ("k_row_stride", ctypes.c_int64),
        ("v_batch_stride", ctypes.c_int64), ("v_head_stride", ctypes.c_int64), ("v_row_stride", ctypes.c_int64),
        ("o_batch_stride", ctypes.c_int64), ("o_head_stride", ctypes.c_int64), ("o_row_stride", ctypes.c_int64),
        ("batch", ctypes.c_int32), ("heads", ctypes.c_int32), ("nq", ctypes.c_int32), ("nk", ctypes.c_int32),
        ("head_dim", ctypes.c_int32), ("dtype", ctypes.c_int32), ("group_size", ctypes.c_int32),
        ("block_l", ctypes.c_int32), ("mode", ctypes.c_int32), ("scale", ctypes.c_float),
        ("flags", ctypes.c_uint32), ("block_n", ctypes.c_int32), ("reserved", ctypes.c_int32 * 8),
    ]


_lib = None


def lib():
    global _lib
    if _lib is None:
        path = os.environ.get("DA_LIB", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build",
                                                      "libdistr_attention.so"))
        _lib = ctypes.CDLL(os.path.abspath(path))
        _lib.da_forward.argtypes = [ctypes.POINTER(Params), ctypes.c_void_p]
        _lib.da_forward.restype = ctypes.c_int
        _lib.da_qtilde.argtypes = [ctypes.POINTER(Params), ctypes.c_void_p]
        _lib.da_qtilde.restype = ctypes.c_int
        _lib.da_fwd_params_init.argtypes = [ctypes.POINTER(Params)]
        _lib.da_last_error.restype = ctypes.c_char_p
        _lib.da_status_string.restype = ctypes.c_char_p
        _lib.da_last_kernel.restype = ctypes.c_char_p
        _lib.da_reference_permutation.argtypes = [ctypes.c_void_p, ctypes.c_int32, ctypes.c_int32, ctypes.c_int32,
                                                  ctypes.c_void_p, ctypes.c_void_p]
        _lib.da_reference_permutation.restype = ctypes.c_int
        p = Params()
        _lib.da_fwd_params_init(ctypes.byref(p))
        assert p.struct_size == ctypes.sizeof(Params), (p.struct_size, ctypes.sizeof(Params))
    return _lib


def last_kernel():
    """Name of the kernel the last successful da_forward on this thread launched: "sm90/v0" ... "sm90/v6"
    (the sm_90a variant), "portable/exact", "portable/expand" or "portable/khat"."""
    return lib().da_last_kernel().decode()


class DAError(RuntimeError):
    def __init__(self, status, msg):
        super().__init__(f"{lib().da_status_string(status).decode()}: {msg}")
        self.status = status


def make_r(l, seed=0, device="cuda"):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(l, 16, generator=g, dtype=torch.float32).to(device)


def build_params(q, k, v, o, r, G=2, l=64, mode=0, causal=False, scale=0.0, lse=None, perm=None,
                 block_n=0, no_lsh=False, no_tie_recompute=False):
    L = lib()
    p = Params()
    L.da_fwd_params_init(ctypes.byref(p))
    B, H, Nq, d = q.shape
    Nk = k.shape[2]
    p.q, p.k, p.v, p.o = q.data_ptr(), k.data_ptr(), v.data_ptr(), o.data_ptr()
    p.r = r.data_ptr()
    p.lse = lse.data_ptr() if lse is not None else None
    p.perm_out = perm.data_ptr() if perm is not None else None
    for name, t in (("q", q), ("k", k), ("v", v), ("o", o)):
        bs, hs, rs, cs = t.stride()
        assert cs == 1, f"{name} last dim must be contiguous"
        setattr(p, f"{name}_batch_stride", bs)
        setattr(p, f"{name}_head_stride", hs)
        setattr(p, f"{name}_row_stride", rs)
    p.batch, p.heads, p.nq, p.nk, p.head_dim = B, H, Nq, Nk, d
    p.dtype = {torch.float16: 0, torch.bfloat16: 1}.get(q.dtype, 99)
    p.group_size, p.block_l, p.mode, p.scale, p.block_n = G, l, mode, scale, block_n
    p.flags = ((DA_FLAG_CAUSAL if causal else 0) | (DA_FLAG_DEBUG_NO_LSH if no_lsh else 0)
               | (DA_FLAG_DEBUG_NO_TIE_RECOMPUTE if no_tie_recompute else 0))
    return p


def forward_into(params, stream=None):
    L = lib()
    s = torch.cuda.current_stream().cuda_stream if stream is None else stream
    st = L.da_forward(ctypes.byref(params), ctypes.c_void_p(s))
    if st != 0:
        raise DAError(st, L.da_last_error().decode())


def forward(q, k, v, r, G=2, l=64, mode=0, causal=False, scale=0.0, want_lse=True, want_perm=False,
            block_n=0, no_lsh=False, out=None, no_tie_recompute=False):
    B, H, Nq, d = q.shape
    o = out if out is not None else torch.empty_like(q)
    lse = torch.empty(B, H, Nq, device=q.device, dtype=torch.float32) if want_lse else None
    perm = (torch.empty(B, H, math.ceil(Nq / l), d, device=q.device, dtype=torch.int32) if want_perm else None)
    p = build_params(q, k, v, o, r, G, l, mode, causal, scale, lse, perm, block_n, no_lsh, no_tie_recompute)
    forward_into(p)
    return o, lse, perm


def qtilde(q, r, G=2, l=64, mode=0, want_perm=True, no_tie_recompute=False):
    """da_qtilde: the hashing pre-pass alone -> (Q~ [B,H,Nq,d] or None for G = 1, sigma [B,H,ceil(Nq/l),d] or None)."""
    L = lib()
    B, H, Nq, d = q.shape
    qt = torch.empty(B, H, Nq, d, device=q.device, dtype=q.dtype)
    perm = torch.empty(B, H, math.ceil(Nq / l), d, device=q.device, dtype=torch.int32) if want_perm else None
    p = build_params(q, q, q, qt, r, G, l, mode, False, 0.0, None, perm, 0, False, no_tie_recompute)
    s = torch.cuda.current_stream().cuda_stream
    st = L.da_qtilde(ctypes.byref(p), ctypes.c_void_p(s))
    if st != 0:
        raise DAError(st, L.da_last_error().decode())
    return (qt if G > 1 else None), perm


def reference_permutation(qblock_f32, l, r_f32):
    """CPU reference (C++) for one block: qblock [rows, d] float32 (CPU), r [l,16] float32 (CPU)."""
    import numpy as np
    q = np.ascontiguousarray(qblock_f32, dtype=np.float32)
    rr = np.ascontiguousarray(r_f32, dtype=np.float32)
    rows, d = q.shape
    out = np.empty(d, dtype=np.int32)
    st = lib().da_reference_permutation(q.ctypes.data, rows, d, l, rr.ctypes.data, out.ctypes.data)
    if st != 0:
        raise DAError(st, lib().da_last_error().decode())
    return out
