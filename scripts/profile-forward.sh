#!/usr/bin/env bash
# Runs ON the GPU host: kernel-by-kernel comparison of one ViT forward (fp16 inference) or bf16 training step in C#
# (distrattention-gpu probe) and in PyTorch eager (timm), with Nsight Compute timing every kernel
# (gpu__time_duration, --clock-control none). Prints the kernels grouped by name, C# and PyTorch side by side.
#   MODEL=base SIZE=224 MODE=infer|train scripts/profile-forward.sh   (writes $OUT/profile-*.csv)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-./gpu-results}; mkdir -p "$OUT"
MODEL=${MODEL:-base}; SIZE=${SIZE:-224}; MODE=${MODE:-infer}; N=${N:-3}
NCU=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
APP=.gpu-bundle/distrattention-gpu
export DISTRATTENTION_LIBTORCH=${DISTRATTENTION_LIBTORCH:-$(python3 -c "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))")}
arg=""; [ "$MODE" = train ] && arg=train
"$NCU" --clock-control none --metrics gpu__time_duration.sum --csv \
    "$APP" probe "$MODEL" "$SIZE" "$N" $arg >"$OUT/profile-csharp.csv" 2>&1
cat >/tmp/probe.py <<PY
import sys, torch, timm
dims = {"tiny": (192, 3), "small": (384, 6), "base": (768, 12)}["$MODEL"]
m = timm.models.vision_transformer.VisionTransformer(img_size=$SIZE, patch_size=16, embed_dim=dims[0], depth=12,
    num_heads=dims[1], num_classes=1000).cuda()
torch.manual_seed(1)
x = torch.randn(64, 3, $SIZE, $SIZE, device="cuda")
if "$MODE" == "train":
    opt = torch.optim.AdamW(m.parameters(), lr=1e-4, weight_decay=0.05)
    y = torch.randint(0, 1000, (64,), device="cuda")
    for _ in range($N):
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = torch.nn.functional.cross_entropy(m(x), y, label_smoothing=0.1)
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
else:
    m = m.half().eval(); x = x.half()
    with torch.inference_mode():
        for _ in range($N): m(x)
torch.cuda.synchronize()
PY
"$NCU" --clock-control none --metrics gpu__time_duration.sum --csv \
    python3 /tmp/probe.py >"$OUT/profile-pytorch.csv" 2>&1
python3 - "$OUT/profile-csharp.csv" "$OUT/profile-pytorch.csv" "$N" <<'PY'
import csv, sys, collections, io
def load(path, n):
    text = open(path).read()
    start = text.find('"ID"')
    rows = list(csv.DictReader(io.StringIO(text[start:]))) if start >= 0 else []
    rows = [r for r in rows if r.get("Metric Name") == "gpu__time_duration.sum"]
    # the last 1/n of the kernels: one forward / step after n - 1 warm-up ones
    last = rows[len(rows) - len(rows) // n:] if n > 1 else rows
    agg = collections.defaultdict(lambda: [0, 0.0])
    for r in last:
        key = r["Kernel Name"][:90]
        agg[key][0] += 1
        agg[key][1] += float(r["Metric Value"].replace(",", "")) / 1000.0  # ns -> us
    return agg, len(rows)
n = int(sys.argv[3])
cs, ncs = load(sys.argv[1], n); py, npy = load(sys.argv[2], n)
print(f"kernels profiled: C# {ncs}, PyTorch {npy} (last {100 // n}% compared)")
print(f"{'kernel':90s} {'C# n':>5s} {'C# us':>9s} {'Py n':>5s} {'Py us':>9s}")
for k in sorted(set(cs) | set(py), key=lambda k: -max(cs.get(k, [0, 0])[1], py.get(k, [0, 0])[1]))[:40]:
    a = cs.get(k, [0, 0.0]); b = py.get(k, [0, 0.0])
    print(f"{k:90s} {a[0]:5d} {a[1]:9.1f} {b[0]:5d} {b[1]:9.1f}")
print(f"{'TOTAL':90s} {sum(v[0] for v in cs.values()):5d} {sum(v[1] for v in cs.values()):9.1f} {sum(v[0] for v in py.values()):5d} {sum(v[1] for v in py.values()):9.1f}")
PY
