"""Runs the DistrAttention call (pre-pass + attention) at the given shapes, block sizes l and group sizes G:
  --calls  whole calls back to back between one pair of CUDA events (what a model sees, including any overlap of the
           two kernels), issued from Python as a model issues them: bench.py's timer without CUDA graphs;
  --time   per kernel with the PyTorch profiler (pre-pass and attention apart), median of 50 calls;
  neither  a few calls, for a profiler to attach to (ncu --kernel-name regex:qtilde ...).
The library is $DA_LIB (native/cuda/python/distr_attention.py): run once per build to compare builds.
  python3 bench/kernel/prepass_probe.py [--shapes 64,12,197,64 64,12,577,64] [--l 64 128] [--g 1 2] [--calls] [--time]
      [--token-major] [--no-tie-recompute]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "native", "cuda", "python"))
import distr_attention as da  # noqa: E402
import bench as kernel_bench  # noqa: E402
from kernel_split import per_kernel_us  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shapes", nargs="+", default=["64,12,197,64"])
    ap.add_argument("--l", type=int, nargs="+", default=[128])
    ap.add_argument("--g", type=int, nargs="+", default=[2])
    ap.add_argument("--dtype", default="float16")
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--calls", action="store_true")
    ap.add_argument("--time", action="store_true")
    ap.add_argument("--token-major", action="store_true", help="q, k, v, o strided as in a ViT (views of [B, N, 3, H, d])")
    ap.add_argument("--no-tie-recompute", action="store_true",
                    help="debug flag: keep the tensor-core signs (not bit-exact), to time what the recomputations cost")
    args = ap.parse_args()
    kernel_bench.USE_GRAPHS = False  # each call launched from the host, so the pre-pass -> attention launch is as in a model
    dtype = getattr(torch, args.dtype)
    for shape in args.shapes:
        B, H, N, d = (int(x) for x in shape.split(","))
        torch.manual_seed(0)
        if args.token_major:  # as a ViT has them: views of one [B, N, 3, H, d] projection, O token-major
            q, k, v = torch.randn(B, N, 3, H, d, device="cuda", dtype=dtype).permute(2, 0, 3, 1, 4).unbind(0)
            o = torch.empty(B, N, H, d, device="cuda", dtype=dtype).transpose(1, 2)
        else:
            q, k, v = (torch.randn(B, H, N, d, device="cuda", dtype=dtype) for _ in range(3))
            o = torch.empty_like(q)
        for g in args.g:
            for l in args.l:
                r = da.make_r(l)  # held here: the params keep only its address
                p = da.build_params(q, k, v, o, r, g, l, no_tie_recompute=args.no_tie_recompute)
                fn = lambda: da.forward_into(p)  # noqa: E731
                if not (args.calls or args.time):
                    for _ in range(args.iters):
                        fn()
                    torch.cuda.synchronize()
                    continue
                parts = []
                if args.calls:
                    parts.append(f"call {kernel_bench.bench(fn) * 1000.0:.1f}")
                if args.time:
                    parts += [f"{name} {t:.1f}" for name, t in sorted(per_kernel_us(fn, iters=50).items())]
                tag = (" no-ties" if args.no_tie_recompute else "") + (" token-major" if args.token_major else "")
                print(f"{shape} {args.dtype} G={g} l={l}{tag}: " + ", ".join(parts) + " (us)", flush=True)


if __name__ == "__main__":
    main()
