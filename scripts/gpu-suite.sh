#!/usr/bin/env bash
# Runs ON the GPU host, from the repository root (after scripts/gpu-bundle.sh ran on the build machine):
#   1. builds native/cuda with CMake + nvcc and runs the kernel suite (scripts/gpu-kernel-suite.sh build suite),
#   2. finds torch/lib through python3 and sets DISTRATTENTION_LIBTORCH and DISTRATTENTION_NATIVE,
#   3. runs the C# GPU suite (.gpu-bundle/distrattention-gpu),
#   4. runs the ViT benchmark (`distrattention-gpu sample benchmark`),
# writes logs, tables and PNGs to $OUT (default ./gpu-results) and prints a short table last.
# Environment: OUT, KERNEL_STEPS (default "build suite"; "build" alone skips the Python kernel suite),
#   BENCH_ARGS (extra arguments for the benchmark, e.g. "--models base --image-sizes 384").
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-$ROOT/gpu-results}
mkdir -p "$OUT"
APP=$ROOT/.gpu-bundle/distrattention-gpu
status=0
summary=()

[ -x "$APP" ] || { echo "missing $APP: run scripts/gpu-bundle.sh first (on the build machine)"; exit 1; }

# 1. Native library + kernel suite (its logs go to $OUT/kernel).
OUT="$OUT/kernel" bash scripts/gpu-kernel-suite.sh ${KERNEL_STEPS:-build suite} >"$OUT/kernel-suite.txt" 2>&1 || status=1
summary+=("kernel suite: $(grep -E '^(suite|build|ctest):' "$OUT/kernel-suite.txt" | tr '\n' ' ')")
export DISTRATTENTION_NATIVE=$ROOT/native/cuda/build-gpu/libdistr_attention.so
[ -f "$DISTRATTENTION_NATIVE" ] || { echo "native build failed: see $OUT/kernel-suite.txt"; tail -20 "$OUT/kernel-suite.txt"; exit 1; }

# 2. The host's PyTorch libtorch (CUDA) for TorchSharp.
DISTRATTENTION_LIBTORCH=$(python3 -c "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))") \
    || { echo "python3 cannot import torch"; exit 1; }
export DISTRATTENTION_LIBTORCH
export DISTRATTENTION_CACHE=${DISTRATTENTION_CACHE:-$OUT/.cache}
export VIT_SAMPLE_DATA=${VIT_SAMPLE_DATA:-$ROOT/samples/ImageClassification/data/fashion-mnist-subset}
# A transfer that leaves the images behind may still create their (empty) folders: look for an image.
if [ -z "$(find "$VIT_SAMPLE_DATA" -name '*.png' -print -quit 2>/dev/null)" ] && [ -f "$ROOT/.gpu-bundle/sample-data.tgz" ]; then
  # The tree travelled without the data set (see gpu-bundle.sh): use the bundle's archive.
  unpacked=${TMPDIR:-/tmp}/distrattention-sample-data
  mkdir -p "$unpacked" && tar xzf "$ROOT/.gpu-bundle/sample-data.tgz" -C "$unpacked"
  export VIT_SAMPLE_DATA=$unpacked/data/fashion-mnist-subset
fi

# 3. C# GPU suite.
t0=$(date +%s)
"$APP" --out "$OUT" >"$OUT/gpu-tests.txt" 2>&1 || status=1
summary+=("C# GPU suite: $(tail -1 "$OUT/gpu-tests.txt") [$(( $(date +%s) - t0 ))s]")
grep -E "^FAIL" "$OUT/gpu-tests.txt" | head -20

# 4. ViT benchmark (fp16, batch 64, Tiny/Small/Base at 224 and 384 px, G = 2 and 4).
t0=$(date +%s)
"$APP" sample benchmark --device cuda --dtype float16 --batch 64 --output "$OUT" ${BENCH_ARGS:-} >"$OUT/vit-bench.txt" 2>&1 || status=1
summary+=("ViT benchmark: rc=$? [$(( $(date +%s) - t0 ))s], table $OUT/vit-bench.md")

echo "==== summary ===="
for s in "${summary[@]}"; do echo "$s"; done
[ -f "$OUT/vit-bench.md" ] && grep -E "^\| (model|base) " "$OUT/vit-bench.md"
exit $status
