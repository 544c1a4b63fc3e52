#!/usr/bin/env bash
# Runs ON the GPU host, from the repository root (after scripts/gpu-bundle.sh ran on the build machine):
#   1. kernel:      builds native/cuda with CMake + nvcc and runs the kernel suite (scripts/gpu-kernel-suite.sh build suite),
#   2.              finds torch/lib through python3 and sets DISTRATTENTION_LIBTORCH and DISTRATTENTION_NATIVE,
#   3. gpu-tests:   runs the C# GPU suite (.gpu-bundle/distrattention-gpu: bench/DeviceHost running tests/DistrAttention.GpuTests),
#   4. vit-bench:   runs the ViT inference benchmark (`distrattention-gpu sample benchmark`),
#   5. train-bench: runs the training-step benchmark against PyTorch eager (`distrattention-gpu sample benchmark --train`
#                   with bench/pytorch/vit_train_bench.py): train-bench.md, train-bench.json, train-bench-infer.png,
#   6. sample-train: the sample's `train` on the embedded data (ViT-B/224, 1 epoch, batch 64, bf16), Exact and
#                   DistrAttention G = 2, l = 64: the input pipeline in the loop (sample-train-*.txt, epoch images/s),
#   7. timm-check:  timm checkpoints imported and compared with timm's logits, then fine-tuned (timm-check.txt),
# writes logs, tables and PNGs to $OUT (default ./gpu-results) and prints a short summary last.
# Environment:
#   OUT
#   STEPS            which of the steps to run (default "kernel gpu-tests vit-bench train-bench sample-train timm-check"). Without "kernel" the
#                    native library is still built (incrementally, no kernel suite), since the other steps need it.
#                    Training benchmark alone: STEPS=train-bench scripts/gpu-suite.sh
#   KERNEL_STEPS     (default "build suite"; "build" alone skips the Python kernel suite; also "fuzz", "sanitize", "faults",
#                    "bench": scripts/gpu-kernel-suite.sh. Issue 14's checks: KERNEL_STEPS="build suite fuzz sanitize faults")
#   BENCH_ARGS       arguments for the inference benchmark (default "--block-size 64,128 --skip-reference"),
#                    e.g. "--models base --image-sizes 224 --block-size 64,128"
#   TRAIN_BENCH_ARGS extra arguments for the training benchmark, e.g. "--precision float32" or
#                    "--models base --image-sizes 384 --steps 30" (default: ViT-Ti/S/B 224 px and ViT-B 384 px, Exact and
#                    DistrAttention G = 2, 4 (l = 64), batch 64, bfloat16, 1000 classes)
#   COMMIT           commit named in the tables (default: git rev-parse --short HEAD, when the tree has .git)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-$ROOT/gpu-results}
mkdir -p "$OUT"
APP=$ROOT/.gpu-bundle/distrattention-gpu
STEPS=${STEPS:-kernel gpu-tests vit-bench train-bench sample-train timm-check}
want() { case " $STEPS " in *" $1 "*) return 0 ;; esac; return 1; }
COMMIT=${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}
export COMMIT
export PYTHONUNBUFFERED=1
status=0
summary=()

[ -x "$APP" ] || { echo "missing $APP: run scripts/gpu-bundle.sh first (on the build machine)"; exit 1; }

# 1. Native library + kernel suite (its logs go to $OUT/kernel).
t0=$(date +%s)
if want kernel; then
  OUT="$OUT/kernel" bash scripts/gpu-kernel-suite.sh ${KERNEL_STEPS:-build suite} >"$OUT/kernel-suite.txt" 2>&1 || status=1
  summary+=("kernel suite: $(grep -E '^(suite|build|ctest|fuzz|fuzz under memcheck|memcheck \(small cases, [0-9]+ shards\)|fault injection.*|  (control.*|fault [0-9])):' "$OUT/kernel-suite.txt" | tr '\n' ' ')")
else
  OUT="$OUT/kernel" bash scripts/gpu-kernel-suite.sh build >"$OUT/kernel-suite.txt" 2>&1 || status=1
  summary+=("native build only: $(grep -E '^(build|ctest):' "$OUT/kernel-suite.txt" | tr '\n' ' ')[$(( $(date +%s) - t0 ))s]")
fi
export DISTRATTENTION_NATIVE=$ROOT/native/cuda/build-gpu/libdistr_attention.so
[ -f "$DISTRATTENTION_NATIVE" ] || { echo "native build failed: see $OUT/kernel-suite.txt"; tail -20 "$OUT/kernel-suite.txt"; exit 1; }

# 2. The host's PyTorch libtorch (CUDA) for TorchSharp.
DISTRATTENTION_LIBTORCH=$(python3 -c "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))") \
    || { echo "python3 cannot import torch"; exit 1; }
export DISTRATTENTION_LIBTORCH
export DISTRATTENTION_CACHE=${DISTRATTENTION_CACHE:-$OUT/.cache}
# The embedded data set (IDX files) travels in the tree; the bundle carries no copy (gpu-bundle.sh).
export VIT_SAMPLE_DATA=${VIT_SAMPLE_DATA:-$ROOT/samples/ImageClassification/data/fashion-mnist-subset}
[ -f "$VIT_SAMPLE_DATA/train-images-idx3-ubyte.gz" ] || echo "warning: no IDX files in $VIT_SAMPLE_DATA: the checks that train on the data set skip"

# 3. C# GPU suite.
if want gpu-tests; then
  t0=$(date +%s)
  "$APP" --out "$OUT" >"$OUT/gpu-tests.txt" 2>&1 || status=1
  summary+=("C# GPU suite: $(tail -1 "$OUT/gpu-tests.txt") [$(( $(date +%s) - t0 ))s]")
  grep -E "^FAIL" "$OUT/gpu-tests.txt" | head -20
fi

# 4. ViT inference benchmark (fp16, batch 64, Tiny/Small/Base at 224 and 384 px, G = 2 and 4; by default l = 64 and 128
#    side by side, without the slow TorchSharp reference).
if want vit-bench; then
  t0=$(date +%s)
  # shellcheck disable=SC2086
  "$APP" sample benchmark --device cuda --dtype float16 --batch 64 --output "$OUT" ${BENCH_ARGS:---block-size 64,128 --skip-reference} \
    >"$OUT/vit-bench.txt" 2>&1
  rc=$?
  [ $rc -eq 0 ] || status=1
  summary+=("ViT benchmark: rc=$rc [$(( $(date +%s) - t0 ))s], table $OUT/vit-bench.md")
fi

# 5. Training-step benchmark: C# (one child process per configuration) vs PyTorch eager (same ViT, one process per
#    configuration), then the fp16 inference comparison. About 3-4 minutes with the defaults on an H200.
if want train-bench; then
  t0=$(date +%s)
  # Timings are only comparable on an otherwise idle GPU: record what else holds it (a leftover process would show).
  nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv >"$OUT/gpu-processes-before-train-bench.txt" 2>&1 || true
  BENCH_COMMAND="STEPS=\"$STEPS\" TRAIN_BENCH_ARGS=\"${TRAIN_BENCH_ARGS:-}\" scripts/gpu-suite.sh" \
    "$APP" sample benchmark --train --device cuda --output "$OUT" --child-timeout 300 \
      --pytorch-script "$ROOT/bench/pytorch/vit_train_bench.py" --python python3 ${TRAIN_BENCH_ARGS:-} >"$OUT/train-bench.txt" 2>&1
  rc=$?
  [ $rc -eq 0 ] || status=1
  [ $rc -eq 0 ] || tail -20 "$OUT/train-bench.txt"
  summary+=("training benchmark: rc=$rc [$(( $(date +%s) - t0 ))s], $OUT/train-bench.md (+ train-bench.json, train-bench-infer.png, log train-bench.txt)")
fi

# 6. The sample's train command with the input pipeline in the loop (compare its images/s with the model step alone).
if want sample-train; then
  for attention in exact distr; do
    t0=$(date +%s)
    "$APP" sample train -d "$VIT_SAMPLE_DATA" --preset Base --image-size 224 --patch-size 16 --channels 3 --epochs 1 \
      --batch-size 64 --device cuda --attention "$attention" --group-size 2 --block-size 64 --validation-fraction 0 \
      --output "$OUT/sample-train-$attention" >"$OUT/sample-train-$attention.txt" 2>&1 || status=1
    summary+=("sample train ($attention, ViT-B/224, 1 epoch): [$(( $(date +%s) - t0 ))s] $(grep -aoE '[0-9]+ img/s' "$OUT/sample-train-$attention.txt" | tail -1)")
  done
fi

# 7. timm checkpoints (random weights, fixed seeds) imported vs timm's logits, and a fine-tune of the import
#    (bench/pytorch/export_timm_checkpoints.py, TimmImportChecks.cs). The ~480 MB of checkpoints stay outside $OUT.
if want timm-check; then
  t0=$(date +%s)
  TIMM_DIR=${TIMM_DIR:-${TMPDIR:-/tmp}/distrattention-timm}
  { python3 bench/pytorch/export_timm_checkpoints.py "$TIMM_DIR" && "$APP" timm-check "$TIMM_DIR"; } >"$OUT/timm-check.txt" 2>&1
  rc=$?; [ $rc -eq 0 ] || status=1
  summary+=("timm check: $(tail -1 "$OUT/timm-check.txt") rc=$rc [$(( $(date +%s) - t0 ))s]")
  grep -E "^FAIL" "$OUT/timm-check.txt" | head -20
fi

echo "==== summary ===="
for s in "${summary[@]}"; do echo "$s"; done
want vit-bench && [ -f "$OUT/vit-bench.md" ] && grep -E "^\| (model|base) " "$OUT/vit-bench.md"
if want train-bench && [ -f "$OUT/train-bench.md" ]; then
  grep -E "^- (Date|PyTorch):" "$OUT/train-bench.md"
  sed -n '/^## Training step/,/^## /p' "$OUT/train-bench.md" | grep -E '^\|'
  sed -n '/^## Inference/,$p' "$OUT/train-bench.md" | grep -E '^\|'
fi
exit $status
