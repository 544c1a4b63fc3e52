"""Where the time of one DistrAttention call goes on the sm_90a path: per-kernel GPU time (hashing
pre-pass `qtilde_kernel` vs attention `fwd_kernel_sm90`) from the PyTorch profiler, median over many
calls, with the hash on and skipped (DA_FLAG_DEBUG_NO_LSH: identity permutation, same Q~ work).
  python3 bench/kernel/kernel_split.py [--dtype float16] [--out FILE.md]
"""
import argparse
import os
import statistics
import sys

import torch
from torch.profiler import ProfilerActivity, profile

# the ctypes binding lives in native/cuda/python
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "native", "cuda", "python"))
import distr_attention as da  # noqa: E402

SHAPES = [(64, 12, 197, 64), (64, 12, 577, 64), (8, 16, 2048, 64), (4, 16, 4096, 64), (1, 16, 16384, 64)]


def per_kernel_us(fn, iters=30):
    for _ in range(5):
        fn()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(iters):
            fn()
        torch.cuda.synchronize()
    times = {}
    for ev in prof.events():
        if ev.device_type is not None and str(ev.device_type).endswith("CUDA") and ev.device_time > 0:
            name = "prepass" if "qtilde" in ev.name else ("attention" if "fwd_kernel" in ev.name else None)
            if name:
                times.setdefault(name, []).append(ev.device_time)
    return {k: statistics.median(v) for k, v in times.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dtype", default="float16")
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    dtype = getattr(torch, args.dtype)
    lines = ["| B·H·N·d | G | l | pre-pass µs | pre-pass, hash skipped µs | hash share of the call | attention µs | call (sum) µs |",
             "|---|---|---|---|---|---|---|---|"]
    for (B, H, N, d) in SHAPES:
        q, k, v = (torch.randn(B, H, N, d, device="cuda", dtype=dtype) for _ in range(3))
        o = torch.empty_like(q)
        for l in (128, 64):
            R = da.make_r(l)
            stream = torch.cuda.current_stream().cuda_stream
            full = da.build_params(q, k, v, o, R, 2, l)
            skip = da.build_params(q, k, v, o, R, 2, l, no_lsh=True)
            t = per_kernel_us(lambda: da.forward_into(full, stream))
            ts = per_kernel_us(lambda: da.forward_into(skip, stream))
            pre, att = t.get("prepass", float("nan")), t.get("attention", float("nan"))
            pre_s = ts.get("prepass", float("nan"))
            share = (pre - pre_s) / (pre + att)
            lines.append(f"| {B}·{H}·{N}·{d} | 2 | {l} | {pre:.1f} | {pre_s:.1f} | {100 * share:.0f}% | {att:.1f} | {pre + att:.1f} |")
            print(lines[-1], flush=True)
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
