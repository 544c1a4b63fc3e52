#!/usr/bin/env python3
"""The PyTorch-eager side of `vit-sample benchmark --train`: the same ViT, timed the same way.

Training step (``--mode train``): timm's pre-norm ``VisionTransformer`` (class token, qkv bias, no dropout or drop
path; a hand-written equivalent if timm cannot be imported), AdamW (PyTorch's default implementation, lr 1e-4,
weight decay 0.05 on tensors of 2 or more dimensions, as the C# ``TrainingStep``), label-smoothed cross-entropy (0.1)
in float32, gradient clipping to norm 1.0, ``torch.autocast`` in bfloat16/float16 (float16 adds a GradScaler) or
float32 with TF32 on. Each configuration runs in a fresh process (this script re-runs itself with ``--single``) so
that the device memory it reports, ``total - free`` of ``torch.cuda.mem_get_info()`` after the timed steps, is its
own (context + caching allocator), as the C# side measures it; ``torch.cuda.max_memory_allocated`` is printed too.

Inference (``--mode infer``): ``model.half().eval()`` under ``torch.inference_mode()``, all configurations in one
process.

Timing: warm-up steps (at least ``--warmup`` and, for training on CUDA, at least 0.5 s), then ``--repetitions``
runs of ``--steps`` back-to-back steps (inference: one forward per run) between two ``torch.cuda.synchronize()``;
the median per step is reported. One JSON object per line on standard output, progress on standard error.

  python3 bench/pytorch/vit_train_bench.py --mode train --configs tiny@224,small@224,base@224,base@384
  python3 bench/pytorch/vit_train_bench.py --mode infer --configs tiny@224,base@384 --repetitions 20

No network access is needed: weights are random (nothing is downloaded).
"""
import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time

MIB = 1024.0 * 1024.0
PRESETS = {"tiny": (192, 12, 3), "small": (384, 12, 6), "base": (768, 12, 12)}
ALIASES = {"ti": "tiny", "vit-ti": "tiny", "s": "small", "vit-s": "small", "b": "base", "vit-b": "base"}
MIN_TRAIN_WARMUP_SECONDS = 0.5


def log(message):
    print(message, file=sys.stderr, flush=True)


def model_shape(name):
    """(width, depth, heads) of tiny/small/base or w{width}d{depth}h{heads}."""
    key = ALIASES.get(name.lower(), name.lower())
    if key in PRESETS:
        return PRESETS[key]
    match = re.fullmatch(r"w(\d+)d(\d+)h(\d+)", key)
    if match:
        return tuple(int(g) for g in match.groups())
    raise ValueError(f"unknown model '{name}': expected tiny, small, base or w<width>d<depth>h<heads>")


def parse_configs(text):
    configs = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        name, _, size = item.partition("@")
        if not size:
            raise ValueError(f"--configs: '{item}' is not model@size")
        model_shape(name)
        configs.append((name.lower(), int(size)))
    if not configs:
        raise ValueError("--configs is empty")
    return configs


def record(args, mode, name, size, precision):
    """A result with every key present (null = not measured): the C# reader needs them all."""
    return {
        "mode": mode, "model": name, "imageSize": size, "precision": precision, "batch": args.batch,
        "msPerStep": None, "imagesPerSecond": None, "memoryUsedMiB": None, "memoryBaselineMiB": None,
        "maxAllocatedMiB": None, "maxReservedMiB": None, "loss": None, "device": "", "torch": "",
        "implementation": "", "note": "",
    }


def emit(rec):
    """One JSON line; NaN and infinities become null (strict JSON, as the C# reader expects)."""
    clean = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in rec.items()}
    print(json.dumps(clean), flush=True)


def finite_or_none(value):
    return value if value is not None and math.isfinite(value) else None


def build_model(args, name, size):
    """(module, description): timm's VisionTransformer, or the hand-written one if timm is missing."""
    width, depth, heads = model_shape(name)
    if not args.no_timm:
        try:
            import timm
            from timm.models.vision_transformer import VisionTransformer
        except Exception as error:  # ImportError, or a timm that does not fit this torch
            log(f"timm not usable ({type(error).__name__}: {error}); using the hand-written ViT")
        else:
            model = VisionTransformer(
                img_size=size, patch_size=args.patch_size, in_chans=args.channels, num_classes=args.classes,
                global_pool="token", embed_dim=width, depth=depth, num_heads=heads, mlp_ratio=4.0, qkv_bias=True,
                class_token=True, drop_rate=0.0, pos_drop_rate=0.0, proj_drop_rate=0.0, attn_drop_rate=0.0,
                drop_path_rate=0.0)
            return model, f"timm {timm.__version__}"
    return make_fallback_vit(size, args.patch_size, args.channels, args.classes, width, depth, heads), "fallback ViT"


def make_fallback_vit(size, patch, channels, classes, width, depth, heads):
    """timm-style pre-norm ViT (class token, learned positions, LayerNorm eps 1e-6, GELU MLP x4, SDPA attention)."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = nn.Linear(width, 3 * width, bias=True)
            self.proj = nn.Linear(width, width)

        def forward(self, x):
            b, n, c = x.shape
            qkv = self.qkv(x).reshape(b, n, 3, heads, c // heads).permute(2, 0, 3, 1, 4)
            q, k, v = qkv.unbind(0)
            if hasattr(F, "scaled_dot_product_attention"):
                x = F.scaled_dot_product_attention(q, k, v)
            else:  # torch < 2.0 (only for trying the script on an old CPU install)
                x = torch.softmax((q * (c // heads) ** -0.5) @ k.transpose(-2, -1), dim=-1) @ v
            return self.proj(x.transpose(1, 2).reshape(b, n, c))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1 = nn.LayerNorm(width, eps=1e-6)
            self.attn = Attention()
            self.norm2 = nn.LayerNorm(width, eps=1e-6)
            self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

        def forward(self, x):
            x = x + self.attn(self.norm1(x))
            return x + self.mlp(self.norm2(x))

    class ViT(nn.Module):
        def __init__(self):
            super().__init__()
            self.patch_embed = nn.Conv2d(channels, width, patch, stride=patch)
            tokens = (size // patch) ** 2 + 1
            self.cls_token = nn.Parameter(torch.zeros(1, 1, width))
            self.pos_embed = nn.Parameter(torch.zeros(1, tokens, width))
            self.blocks = nn.Sequential(*[Block() for _ in range(depth)])
            self.norm = nn.LayerNorm(width, eps=1e-6)
            self.head = nn.Linear(width, classes)
            nn.init.trunc_normal_(self.pos_embed, std=0.02)
            nn.init.normal_(self.cls_token, std=1e-6)
            for m in self.modules():
                if isinstance(m, nn.Linear):
                    nn.init.trunc_normal_(m.weight, std=0.02)
                    nn.init.zeros_(m.bias)

        def forward(self, images):
            x = self.patch_embed(images).flatten(2).transpose(1, 2)
            x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
            x = self.norm(self.blocks(x))
            return self.head(x[:, 0])

    return ViT()


def device_info(torch, device):
    info = {"torch": torch.__version__}
    info["device"] = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    return info


def used_mib(torch, device):
    if device.type != "cuda":
        return None
    free, total = torch.cuda.mem_get_info(device)
    return (total - free) / MIB


def timed(torch, device, fn, warmup, repetitions, calls, min_warmup_seconds):
    """Median ms per call over `repetitions` runs of `calls` back-to-back calls between synchronisations."""
    cuda = device.type == "cuda"

    def sync():
        if cuda:
            torch.cuda.synchronize(device)

    start = time.perf_counter()
    done = 0
    while done < warmup or (cuda and time.perf_counter() - start < min_warmup_seconds):
        fn()
        sync()
        done += 1
    times = []
    last = None
    for _ in range(repetitions):
        sync()
        t0 = time.perf_counter()
        for _ in range(calls):
            last = fn()
        sync()
        times.append((time.perf_counter() - t0) * 1000.0 / calls)
    return statistics.median(times), last


def warm_up_device(torch, device, seconds=1.0):
    """A second of matrix products, so that the GPU leaves its idle clocks (as VitBenchmark.WarmUpDevice)."""
    if device.type != "cuda":
        return
    a = torch.randn(4096, 4096, device=device, dtype=torch.float16)
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(20):
            a @ a
        torch.cuda.synchronize(device)
    del a


def run_train(args, name, size):
    import torch
    import torch.nn.functional as F

    rec = record(args, "train", name, size, args.precision)
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    try:
        rec.update(device_info(torch, device))
        torch.manual_seed(1)
        if cuda:
            torch.zeros(1, device=device)
            torch.cuda.synchronize(device)
            rec["memoryBaselineMiB"] = used_mib(torch, device)
        if args.precision == "float32":
            # TF32 for float32 matrix products (cuDNN convolutions allow it by default), as TorchRuntime.UseTf32 in C#
            torch.set_float32_matmul_precision("high")
        amp_dtype = {"bfloat16": torch.bfloat16, "float16": torch.float16}.get(args.precision)
        model, implementation = build_model(args, name, size)
        rec["implementation"] = implementation
        model = model.to(device).train()
        params = [p for p in model.parameters() if p.requires_grad]
        decay = [p for p in params if p.ndim >= 2]
        no_decay = [p for p in params if p.ndim < 2]
        optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
        scaler = torch.amp.GradScaler("cuda") if amp_dtype is torch.float16 and cuda else None
        images = torch.randn(args.batch, args.channels, size, size, device=device)
        labels = torch.randint(0, args.classes, (args.batch,), device=device)

        def step():
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device_type=device.type, dtype=amp_dtype or torch.bfloat16, enabled=amp_dtype is not None):
                logits = model(images)
            loss = F.cross_entropy(logits.float(), labels, label_smoothing=args.label_smoothing)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(params, args.max_grad_norm)
                scaler.step(optimizer)
                scaler.update()
            else:
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, args.max_grad_norm)
                optimizer.step()
            return loss.detach()

        if cuda:
            torch.cuda.reset_peak_memory_stats(device)
        ms, loss = timed(torch, device, step, args.warmup, args.repetitions, args.steps, MIN_TRAIN_WARMUP_SECONDS)
        loss_value = float(loss.float().item())
        rec.update(msPerStep=ms, imagesPerSecond=args.batch / (ms / 1000.0), loss=finite_or_none(loss_value))
        if cuda:
            rec["memoryUsedMiB"] = used_mib(torch, device)
            rec["maxAllocatedMiB"] = torch.cuda.max_memory_allocated(device) / MIB
            rec["maxReservedMiB"] = torch.cuda.max_memory_reserved(device) / MIB
        if not math.isfinite(loss_value):
            rec["note"] = "LOSS NOT FINITE"
    except Exception as error:  # out of memory, bad options: reported, not fatal
        rec["note"] = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    return rec


def run_infer(args, configs):
    import torch

    device = torch.device(args.device)
    cuda = device.type == "cuda"
    torch.manual_seed(1)
    warm_up_device(torch, device)
    failed = False
    for name, size in configs:
        rec = record(args, "infer", name, size, "float16" if cuda else "float32")
        model = None
        try:
            rec.update(device_info(torch, device))
            model, implementation = build_model(args, name, size)
            rec["implementation"] = implementation
            model = model.to(device)
            model = (model.half() if cuda else model.float()).eval()
            images = torch.randn(args.batch, args.channels, size, size, device=device,
                                 dtype=torch.float16 if cuda else torch.float32)
            with torch.inference_mode():
                ms, _ = timed(torch, device, lambda: model(images), args.warmup, args.repetitions, 1, 0.0)
            rec.update(msPerStep=ms, imagesPerSecond=args.batch / (ms / 1000.0))
            if cuda:
                rec["memoryUsedMiB"] = used_mib(torch, device)
                rec["maxAllocatedMiB"] = torch.cuda.max_memory_allocated(device) / MIB
                rec["maxReservedMiB"] = torch.cuda.max_memory_reserved(device) / MIB
        except Exception as error:
            rec["note"] = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            failed = True
        finally:
            del model
            if cuda:
                torch.cuda.empty_cache()
        emit(rec)
    return 1 if failed else 0


def child_arguments(args, name, size):
    """The command line of one --single training run (every option passed on explicitly)."""
    argv = [sys.executable, os.path.abspath(__file__), "--single", "--mode", "train", "--configs", f"{name}@{size}",
            "--precision", args.precision, "--batch", str(args.batch), "--classes", str(args.classes),
            "--channels", str(args.channels), "--patch-size", str(args.patch_size), "--warmup", str(args.warmup),
            "--steps", str(args.steps), "--repetitions", str(args.repetitions), "--lr", repr(args.lr),
            "--weight-decay", repr(args.weight_decay), "--label-smoothing", repr(args.label_smoothing),
            "--max-grad-norm", repr(args.max_grad_norm), "--device", args.device]
    if args.no_timm:
        argv.append("--no-timm")
    return argv


def launch_train(args, configs):
    """One fresh process per configuration; their JSON lines are passed on."""
    failed = False
    environment = dict(os.environ, PYTHONUNBUFFERED="1")
    for name, size in configs:
        started = time.perf_counter()
        try:
            done = subprocess.run(child_arguments(args, name, size), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, timeout=args.timeout, env=environment)
            lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
            if done.stderr.strip():
                log(done.stderr.rstrip()[-3000:])
            if lines:
                print(lines[-1], flush=True)
                failed |= bool(json.loads(lines[-1]).get("note"))
            else:
                rec = record(args, "train", name, size, args.precision)
                tail = " / ".join(done.stderr.strip().splitlines()[-3:])
                rec["note"] = f"child exited with {done.returncode} and no result: {tail}"
                emit(rec)
                failed = True
        except subprocess.TimeoutExpired:
            rec = record(args, "train", name, size, args.precision)
            rec["note"] = f"timed out after {args.timeout} s"
            emit(rec)
            failed = True
        log(f"{name}@{size}: {time.perf_counter() - started:.1f} s (process included)")
    return 1 if failed else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["train", "infer"], default="train")
    parser.add_argument("--configs", default="tiny@224,small@224,base@224,base@384",
                        help="comma-separated model@size; models: tiny, small, base or w<width>d<depth>h<heads>")
    parser.add_argument("--precision", choices=["float32", "bfloat16", "float16"], default="bfloat16",
                        help="training precision (inference is always float16 on CUDA)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--patch-size", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20, help="training steps per timed repetition")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--weight-decay", type=float, default=0.05)
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--max-grad-norm", type=float, default=1.0)
    parser.add_argument("--device", default="cuda", help="cuda or cpu")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per training configuration")
    parser.add_argument("--no-timm", action="store_true", help="use the hand-written ViT even if timm is installed")
    parser.add_argument("--in-process", action="store_true",
                        help="train every configuration in this process (device memory then not comparable)")
    parser.add_argument("--single", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        configs = parse_configs(args.configs)
    except ValueError as error:
        parser.error(str(error))
    for flag, value in (("--batch", args.batch), ("--steps", args.steps), ("--repetitions", args.repetitions),
                        ("--classes", args.classes), ("--channels", args.channels)):
        if value <= 0:
            parser.error(f"{flag} must be positive, got {value}")

    if args.mode == "infer":
        return run_infer(args, configs)
    if args.single or args.in_process:
        failed = False
        for name, size in configs:
            rec = run_train(args, name, size)
            failed |= bool(rec["note"])
            emit(rec)
        return 1 if failed else 0
    return launch_train(args, configs)


if __name__ == "__main__":
    sys.exit(main())
