"""Benchmark of the fused DistrAttention kernel vs PyTorch SDPA (FlashAttention-2 and cuDNN backends).

One process, one run, same tensors: after warm-up, the mean time per call of many back-to-back calls between one pair
of CUDA events, median over 7 such runs (SDPA inside one sdpa_kernel context for all of them). The n calls are
captured once in a CUDA graph and replayed (no host time between calls, as in a captured model); where capture fails
the reason is printed and the calls are issued from Python instead (--no-graphs: always). TFLOP/s are
counted as exact attention's 4*B*H*Nq*Nk*d for every kernel. Error = relative Frobenius error of the
kernel's output vs the FlashAttention-2 output (exact attention) on the same randn inputs; err_unif is
the same on uniform [0,1) inputs (columns sharing a mean, as in the paper's error table).

  python3 bench/kernel/bench.py --outdir DIR --commit SHA [--tune] [--lsh] [--quick] [--no-graphs]
"""
import argparse
import contextlib
import datetime
import functools
import json
import math
import os
import statistics
import sys

from collections import Counter

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

# the ctypes binding lives in native/cuda/python
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "native", "cuda", "python"))
import distr_attention as da  # noqa: E402

SHAPES = [(64, 12, 197, 64), (64, 12, 577, 64), (8, 16, 1024, 64), (4, 16, 4096, 64), (2, 16, 8192, 64), (1, 16, 16384, 64),
          (4, 16, 4096, 32), (4, 16, 4096, 128)]
GROUPS = [1, 2, 4, 8]


USE_GRAPHS = True              # --no-graphs: issue the timed calls from Python
TIMED_AS = Counter()           # "CUDA graph" / "Python loop" -> measurements, for the report
GRAPH_FAILURES = {}            # reason -> first label it happened to


def capture(fn, n):
    """A CUDA graph of n back-to-back calls of fn (each issued on the current stream, which torch.cuda.graph makes its
    capture stream) -> (graph, None), or (None, reason) when capture fails. fn has been warmed up."""
    try:
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):  # one call on a side stream first, as torch's graph recipe asks
            fn()
        torch.cuda.current_stream().wait_stream(side)
        torch.cuda.synchronize()
        g = torch.cuda.CUDAGraph()
        # relaxed: the library's host-side calls during capture (cudaPointerGetAttributes, cudaFuncSetAttribute,
        # tensor-map encoding) enqueue nothing, so they need not be refused
        with torch.cuda.graph(g, capture_error_mode="relaxed"):
            for _ in range(n):
                fn()
        torch.cuda.synchronize()
        return g, None
    except Exception as e:  # the call cannot be captured: time it from Python
        try:
            torch.cuda.synchronize()
        except Exception:  # a capture that did not end cleanly may leave an error behind; the loop still runs
            pass
        return None, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"


def bench(fn, context=contextlib.nullcontext, target_ms=150.0, repeats=7, min_calls=10, max_calls=5000, label=""):
    """Milliseconds per call: n calls back to back between ONE pair of CUDA events, divided by n; the median over
    `repeats` such runs. An event pair per call charged every call with the event records and the host's gap between
    calls (at short shapes a large share of the call). The n calls are captured once in a CUDA graph and the graph is
    replayed between the events, so no host time falls between calls; where capture fails (reason printed) they are
    issued from Python back to back, the host queueing the next call while the GPU runs this one. `context` (e.g.
    sdpa_kernel(backend)) is entered once around everything, not per call. fn must issue its work on the current
    stream."""
    with context():
        for _ in range(3):
            fn()
        torch.cuda.synchronize()
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        for _ in range(5):
            fn()
        e.record()
        torch.cuda.synchronize()
        est = s.elapsed_time(e) / 5
        n = int(max(min_calls, min(max_calls, target_ms / repeats / max(est, 1e-3))))
        graph, why = capture(fn, n) if USE_GRAPHS else (None, "--no-graphs")
        if graph is None and USE_GRAPHS and why not in GRAPH_FAILURES:
            GRAPH_FAILURES[why] = label
            print(f"CUDA graph capture failed ({label}): {why}; timing calls issued from Python instead", flush=True)
        TIMED_AS["CUDA graph" if graph is not None else "Python loop"] += 1
        times = []
        for _ in range(repeats):
            s.record()
            if graph is not None:
                graph.replay()
            else:
                for _ in range(n):
                    fn()
            e.record()
            torch.cuda.synchronize()
            times.append(s.elapsed_time(e) / n)
        del graph
    return statistics.median(times)


def sdpa(backend, q, k, v):
    with sdpa_kernel(backend):
        return F.scaled_dot_product_attention(q, k, v)


def bench_sdpa(backend, q, k, v):
    """SDPA with one backend, timed by bench() inside one sdpa_kernel context."""
    return bench(lambda: F.scaled_dot_product_attention(q, k, v), context=functools.partial(sdpa_kernel, backend),
                 label=f"SDPA {backend.name} {tuple(q.shape)}")


def rel(a, b):
    return ((a.float() - b.float()).norm() / b.float().norm()).item()


def kernel_fn(q, k, v, o, R, G, l, block_n=0, no_lsh=False, causal=False):
    """One da_forward with fixed arguments, on the stream that is current when it is called (a graph's capture stream)."""
    p = da.build_params(q, k, v, o, R, G, l, 0, causal, 0.0, None, None, block_n, no_lsh)
    return lambda: da.forward_into(p)


def row_label(dtype, B, H, N, d):
    return f"{str(dtype).split('.')[-1]} {B}x{H}x{N}x{d}"


def default_l(d):
    return int(os.environ.get("DA_BENCH_L", "128"))


def main_table(args, rows):
    for dtype in [getattr(torch, x) for x in args.dtypes.split(",")]:
        for (B, H, N, d) in SHAPES:
            if args.quick and (B, H, N, d) not in [(4, 16, 4096, 64), (64, 12, 197, 64), (64, 12, 577, 64)]:
                continue
            torch.manual_seed(0)
            q, k, v = (torch.randn(B, H, N, d, device="cuda", dtype=dtype) for _ in range(3))
            qu, ku, vu = (torch.rand(B, H, N, d, device="cuda", dtype=dtype) for _ in range(3))
            flops = 4.0 * B * H * N * N * d
            ref = sdpa(SDPBackend.FLASH_ATTENTION, q, k, v)
            refu = sdpa(SDPBackend.FLASH_ATTENTION, qu, ku, vu)
            t_fa = bench_sdpa(SDPBackend.FLASH_ATTENTION, q, k, v)
            try:
                t_cd = bench_sdpa(SDPBackend.CUDNN_ATTENTION, q, k, v)
            except Exception as e:  # backend unavailable
                print("cudnn failed:", e)
                t_cd = float("nan")
            l = default_l(d)
            R = da.make_r(l)
            for G in GROUPS:
                o = torch.empty_like(q)
                fn = kernel_fn(q, k, v, o, R, G, l)
                fn()
                torch.cuda.synchronize()
                err = rel(o, ref)
                ou = torch.empty_like(qu)
                kernel_fn(qu, ku, vu, ou, R, G, l)()
                erru = rel(ou, refu)
                lab = f"kernel {row_label(dtype, B, H, N, d)} G={G}"
                t = bench(fn, label=lab)
                t_port = float("nan")
                if args.portable:
                    os.environ["DA_DISABLE_SM90"] = "1"
                    try:
                        t_port = bench(fn, label=lab + " portable")
                    finally:
                        del os.environ["DA_DISABLE_SM90"]
                variants = {}
                for var in (args.variants.split(",") if args.variants else []):
                    os.environ["DA_SM90_VARIANT"] = var
                    try:
                        variants[f"v{var}_ms"] = bench(fn, label=lab + f" v{var}")
                    finally:
                        del os.environ["DA_SM90_VARIANT"]
                t_khat = float("nan")
                if args.khat and G > 1:
                    os.environ["DA_EXPAND_Q"] = "0"
                    try:
                        t_khat = bench(fn, label=lab + " K-hat")
                    finally:
                        del os.environ["DA_EXPAND_Q"]
                row = dict(portable_ms=t_port, khat_ms=t_khat, dtype=str(dtype).split(".")[-1], B=B, H=H, N=N, d=d, G=G, l=l,
                           ms=t, tflops=flops / t / 1e9, fa2_ms=t_fa, cudnn_ms=t_cd,
                           fa2_tflops=flops / t_fa / 1e9, cudnn_tflops=flops / t_cd / 1e9,
                           speedup_fa2=t_fa / t, speedup_cudnn=t_cd / t, err=err, err_unif=erru)
                row.update(variants)
                rows.append(row)
                print(f"{row['dtype']} B{B} H{H} N{N} d{d} G{G}: {t:.3f} ms ({row['tflops']:.0f} TF/s) "
                      f"FA2 {t_fa:.3f} cuDNN {t_cd:.3f} -> x{row['speedup_fa2']:.2f} / x{row['speedup_cudnn']:.2f} "
                      f"err {err:.3f} err_unif {erru:.4f} portable {t_port:.3f} khat {t_khat:.3f} "
                      + " ".join(f"{k} {x:.3f}" for k, x in variants.items()), flush=True)
            del q, k, v, qu, ku, vu


def tune(args, rows):
    B, H, N = 4, 16, 4096
    for d in (32, 64, 128):
        torch.manual_seed(0)
        q, k, v = (torch.randn(B, H, N, d, device="cuda", dtype=torch.float16) for _ in range(3))
        o = torch.empty_like(q)
        flops = 4.0 * B * H * N * N * d
        for G in (1, 2, 4):
            for l in (64, 128):
                R = da.make_r(l)
                for bn in ((64, 128) if d < 128 else (64,)):
                    t = bench(kernel_fn(q, k, v, o, R, G, l, block_n=bn), target_ms=80, label=f"tune d{d} G{G} l{l} m{bn}")
                    rows.append(dict(d=d, G=G, l=l, block_n=bn, warps=(l // 32 if (l == 128 and d <= 64) else l // 16), stages=2, ms=t,
                                     tflops=flops / t / 1e9))
                    print(f"tune d{d} G{G} l{l} m{bn}: {t:.3f} ms {flops / t / 1e9:.0f} TF/s", flush=True)


def lsh_share(args, rows):
    for (B, H, N) in ((64, 12, 197), (8, 16, 2048), (1, 16, 16384)):
        d = 64
        torch.manual_seed(0)
        q, k, v = (torch.randn(B, H, N, d, device="cuda", dtype=torch.float16) for _ in range(3))
        o = torch.empty_like(q)
        for l in (64, 128):
            R = da.make_r(l)
            t_full = bench(kernel_fn(q, k, v, o, R, 2, l), label=f"lsh B{B} H{H} N{N} l{l}")
            t_nolsh = bench(kernel_fn(q, k, v, o, R, 2, l, no_lsh=True), label=f"no-lsh B{B} H{H} N{N} l{l}")
            rows.append(dict(B=B, H=H, N=N, d=d, G=2, l=l, full_ms=t_full, no_lsh_ms=t_nolsh,
                             lsh_share=(t_full - t_nolsh) / t_full))
            print(f"lsh B{B} H{H} N{N} l{l}: full {t_full:.4f} ms, no-LSH {t_nolsh:.4f} ms, "
                  f"share {(t_full - t_nolsh) / t_full * 100:.1f}%", flush=True)


def write_outputs(args, rows, tune_rows, lsh_rows):
    gpu = torch.cuda.get_device_name()
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    os.makedirs(args.outdir, exist_ok=True)
    with open(os.path.join(args.outdir, "kernel-bench.json"), "w") as f:
        json.dump(dict(gpu=gpu, commit=args.commit, date=date, torch=torch.__version__, rows=rows,
                       tune=tune_rows, lsh=lsh_rows, command=" ".join(sys.argv)), f, indent=1)
    L = []
    L.append(f"# DistrAttention kernel benchmark\n")
    L.append(f"- GPU: {gpu}; torch {torch.__version__}; CUDA {torch.version.cuda}")
    L.append(f"- git commit (working tree based on): {args.commit}")
    L.append(f"- date: {date}")
    L.append(f"- command: `scripts/gpu-kernel-suite.sh bench` -> `python3 bench/kernel/bench.py {' '.join(sys.argv[1:])}`")
    L.append("- time: after warm-up, the mean per call of n back-to-back calls between one pair of CUDA events, median "
             "of 7 such runs (SDPA: one sdpa_kernel context around them all); the n calls replayed as one CUDA graph "
             f"where capture works ({', '.join(f'{k}: {n} measurements' for k, n in sorted(TIMED_AS.items())) or 'none'}"
             + "".join(f"; capture failed first at {lab}: {why}" for why, lab in GRAPH_FAILURES.items())
             + "); TFLOP/s = 4*B*H*N*N*d / time for every "
             "kernel (exact attention's count); err = rel. Frobenius error vs the FlashAttention-2 output on "
             "randn inputs; err_unif the same on uniform [0,1) inputs. Kernel: l = query tile, Mean mode, "
             "non-causal.\n")
    if rows:
        L.append("Kernel = what the library dispatches by default: on compute capability 9.x for d ∈ {32, 64} the "
                 "sm_90a path (G > 1: hashing pre-pass writing Q~, then the persistent TMA/wgmma attention kernel, "
                 "variant 2 = 3 consumer warpgroups for Nk ≥ 2048, else variant 0 = 2 warpgroups); else (d = 128) the "
                 "portable mma.sync kernel. portable ms = the same call with DA_DISABLE_SM90=1; K-hat ms = the "
                 "portable kernel in K-hat mode (DA_EXPAND_Q=0); v0/v1/v2 ms = the sm_90a kernel variants forced "
                 "with DA_SM90_VARIANT (0: 2 consumer warpgroups, ping-pong; 1: 3 warpgroups; 2: 3 warpgroups, "
                 "ping-pong; 5 / 6: variant 2 with 3 / 2 K/V stages instead of 4; all with intra-warpgroup overlap); "
                 "nan: not measured / not applicable.\n")
        L.append("| dtype | B·H·N·d | G | l | kernel ms | TFLOP/s | FA2 ms | cuDNN ms | ×FA2 | ×cuDNN | portable ms | K-hat ms | v0 ms | v1 ms | v2 ms | v5 ms | v6 ms | err (randn) | err (uniform) |")
        L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            L.append(f"| {r['dtype']} | {r['B']}·{r['H']}·{r['N']}·{r['d']} | {r['G']} | {r['l']} | {r['ms']:.3f} | "
                     f"{r['tflops']:.0f} | {r['fa2_ms']:.3f} | {r['cudnn_ms']:.3f} | {r['speedup_fa2']:.2f} | "
                     f"{r['speedup_cudnn']:.2f} | {r.get('portable_ms', float('nan')):.3f} | {r.get('khat_ms', float('nan')):.3f} | "
                     + " | ".join(f"{r.get(f'v{x}_ms', float('nan')):.3f}" for x in (0, 1, 2, 5, 6))
                     + f" | {r['err']:.3f} | {r['err_unif']:.4f} |")
    def section(title, header, cells):
        """A markdown section: a title line, a table header, then one row per cell list."""
        L.append(f"\n## {title}\n")
        L.append("| " + " | ".join(header) + " |")
        L.append("|" + "---|" * len(header))
        L.extend("| " + " | ".join(row) + " |" for row in cells)

    if tune_rows:
        section("Block-size tuning (fp16, B4·H16·N4096, non-causal)",
                ["d", "G", "l (query tile)", "m (key tile)", "warps", "stages", "ms", "TFLOP/s"],
                ([str(r['d']), str(r['G']), str(r['l']), str(r['block_n']), str(r['warps']), str(r['stages']),
                  f"{r['ms']:.3f}", f"{r['tflops']:.0f}"] for r in tune_rows))
    if lsh_rows:
        section("LSH share of kernel time (fp16, d=64, G=2; no-LSH = DA_FLAG_DEBUG_NO_LSH)",
                ["B·H·N", "l", "full ms", "no-LSH ms", "LSH share"],
                ([f"{r['B']}·{r['H']}·{r['N']}", str(r['l']), f"{r['full_ms']:.4f}", f"{r['no_lsh_ms']:.4f}",
                  f"{r['lsh_share'] * 100:.1f}%"] for r in lsh_rows))
    text = "\n".join(L) + "\n"
    with open(os.path.join(args.outdir, "kernel-bench.md"), "w") as f:
        f.write(text)
    if rows:
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            fig, axes = plt.subplots(1, 2, figsize=(14, 5), sharey=True)
            for ax, dt in zip(axes, ("float16", "bfloat16")):
                sub = [r for r in rows if r["dtype"] == dt]
                labels = sorted({f"{r['B']}·{r['H']}·{r['N']}·{r['d']}" for r in sub},
                                key=lambda s: [r for r in sub if f"{r['B']}·{r['H']}·{r['N']}·{r['d']}" == s][0]["N"] * 1000 + [r for r in sub if f"{r['B']}·{r['H']}·{r['N']}·{r['d']}" == s][0]["d"])
                x = range(len(labels))
                w = 0.8 / (2 * len(GROUPS))
                for gi, G in enumerate(GROUPS):
                    for bi, (key, name) in enumerate((("speedup_fa2", "FA2"), ("speedup_cudnn", "cuDNN"))):
                        ys = []
                        for lab in labels:
                            m = [r[key] for r in sub if r["G"] == G and f"{r['B']}·{r['H']}·{r['N']}·{r['d']}" == lab]
                            ys.append(m[0] if m else 0)
                        off = (gi * 2 + bi - len(GROUPS)) * w + w / 2
                        ax.bar([xi + off for xi in x], ys, w, label=f"G={G} vs {name}",
                               alpha=1.0 if bi == 0 else 0.55)
                ax.axhline(1.0, color="k", lw=0.8)
                ax.axhline(1.3, color="r", lw=0.8, ls="--")
                ax.set_xticks(list(x))
                ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
                ax.set_title(f"{dt}: speed-up over SDPA backends ({gpu})", fontsize=9)
                ax.set_ylabel("speed-up (×)")
            axes[0].legend(fontsize=7, ncol=2)
            fig.tight_layout()
            fig.savefig(os.path.join(args.outdir, "kernel-speedup.png"), dpi=110)
        except Exception as e:
            print("plot failed:", e)
    print(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--outdir", default=".")
    ap.add_argument("--commit", default="unknown")
    ap.add_argument("--tune", action="store_true")
    ap.add_argument("--lsh", action="store_true")
    ap.add_argument("--no-table", action="store_true")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--portable", action="store_true", help="also time the portable kernel (DA_DISABLE_SM90=1)")
    ap.add_argument("--khat", action="store_true", help="also time G > 1 in K-hat mode (DA_EXPAND_Q=0)")
    ap.add_argument("--dtypes", default="float16,bfloat16")
    ap.add_argument("--variants", default="", help="also time these sm_90a kernel variants (DA_SM90_VARIANT), e.g. 0,1,2,3")
    ap.add_argument("--no-graphs", action="store_true", help="issue the timed calls from Python, no CUDA graphs")
    args = ap.parse_args()
    global USE_GRAPHS
    USE_GRAPHS = not args.no_graphs
    rows, tune_rows, lsh_rows = [], [], []
    if not args.no_table:
        main_table(args, rows)
    if args.tune:
        tune(args, tune_rows)
    if args.lsh:
        lsh_share(args, lsh_rows)
    write_outputs(args, rows, tune_rows, lsh_rows)


if __name__ == "__main__":
    main()
