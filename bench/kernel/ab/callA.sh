#!/usr/bin/env bash
# Device call A (not committed): A/B of pre-pass builds; then the kernel suite, ABI fuzz (+ memcheck) and ViT-B table
# on the default build of the tree (scripts/gpu-suite.sh); racecheck of the new pre-pass.
set -uo pipefail
nvidia-smi --query-gpu=name,clocks.max.sm --format=csv,noheader
bash .ab/ab.sh 2>&1 | tail -60
KERNEL_STEPS="build suite fuzz" STEPS="kernel vit-bench" \
  BENCH_ARGS="--models base --groups 2 --image-sizes 224,384 --block-size 64,128 --repetitions 30 --skip-reference" \
  OUT=/tmp/gs scripts/gpu-suite.sh 2>&1 | tail -14
PYTORCH_NO_CUDA_MEMORY_CACHING=1 DA_LIB=$PWD/native/cuda/build-gpu/libdistr_attention.so timeout 100 compute-sanitizer --tool racecheck \
  --error-exitcode 9 python3 bench/kernel/prepass_probe.py --shapes 2,3,197,64 2,3,200,32 --l 64 128 --g 2 4 --iters 1 >/tmp/gs/racecheck.txt 2>&1
echo "racecheck rc=$? $(grep -E 'RACECHECK SUMMARY|ERROR SUMMARY' /tmp/gs/racecheck.txt | tail -1)"
(cd /tmp && tar czf "$OUT/gs.tgz" --exclude=.cache --exclude='*.zip' gs)
