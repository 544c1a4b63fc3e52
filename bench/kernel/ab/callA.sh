#!/usr/bin/env bash
# One device call: A/B of pre-pass builds (ab.sh), then on this tree's default build the kernel suite, ABI fuzz
# (+ memcheck) and the ViT-B inference table (scripts/gpu-suite.sh), and racecheck of the pre-pass.
# Carry .ab and .gpu-bundle.
set -uo pipefail
nvidia-smi --query-gpu=name,clocks.max.sm --format=csv,noheader
VARIANTS=${VARIANTS:-new:} bash bench/kernel/ab/ab.sh 2>&1 | tail -60
first=${VARIANTS:-new:}; first=${first%%:*}; first=${first%% *}
[ -f "/tmp/b-$first/libdistr_attention.so" ] || { echo "$first build failed: stop"; exit 3; }
KERNEL_STEPS="build suite fuzz" STEPS=${SUITE_STEPS:-"kernel vit-bench"} \
  BENCH_ARGS=${BENCH_ARGS:-"--models base --groups 2 --image-sizes 224,384 --block-size 64,128 --repetitions 30 --skip-reference"} \
  OUT=/tmp/gs scripts/gpu-suite.sh 2>&1 | tail -14
PYTORCH_NO_CUDA_MEMORY_CACHING=1 DA_LIB=$PWD/native/cuda/build-gpu/libdistr_attention.so timeout 150 compute-sanitizer --tool racecheck \
  --error-exitcode 9 python3 bench/kernel/prepass_probe.py --shapes 2,3,197,64 2,3,200,32 32,12,197,64 --l 64 128 --g 2 --iters 1 >/tmp/gs/racecheck.txt 2>&1
echo "racecheck rc=$? $(grep -E 'RACECHECK SUMMARY|ERROR SUMMARY' /tmp/gs/racecheck.txt | tail -1)"
cp /tmp/ab/ab-calls.txt "$OUT/" 2>/dev/null
(cd /tmp && tar czf "$OUT/gs.tgz" --exclude=.cache --exclude='*.zip' gs ablogs)
