#!/usr/bin/env bash
# Development loop for issue 4 (G = 2 speed: expand mode, ILP hash): build (sm_90a only), ptxas report of
# the portable d=64 kernels, quick suite, fp16 timings of the ViT shapes and the bar shape at l = 128 and
# l = 64 with the K-hat mode timed too. Logs in $OUT.   bench/kernel/vit_dev.sh [build] [suite] [bench]
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/native/cuda/build-gpu/out}
mkdir -p "$OUT"
BUILD=$PWD/native/cuda/build-gpu
export DA_LIB=$BUILD/libdistr_attention.so PYTHONUNBUFFERED=1
steps=("$@"); [ ${#steps[@]} -eq 0 ] && steps=(build suite bench)
want() { local s; for s in "${steps[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
if want build; then
  t0=$(date +%s)
  cmake -S native/cuda -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DDA_PTXAS_VERBOSE=ON \
    -DDA_CUDA_GENCODE="${DA_GENCODE:--gencode=arch=compute_90a,code=sm_90a}" >"$OUT/cmake.log" 2>&1 || { tail -20 "$OUT/cmake.log"; exit 1; }
  if ! cmake --build "$BUILD" -j "$(nproc)" >"$OUT/build.log" 2>&1; then
    grep -E "error|Error" "$OUT/build.log" | head -50; exit 1
  fi
  echo "build ok in $(( $(date +%s) - t0 ))s"
  awk '/Compiling entry/ {show = ($0 ~ /fwd_kernelINS_9FwdTraitsILi64/)} show && /ptxas/ {print}' "$OUT/build.log" \
    | sed -E 's/ptxas info *: //' | grep -E "Used|spill|Compiling" | sed -E "s/Compiling entry function '_ZN2da10fwd_kernelINS_9FwdTraitsIL//" | head -48
fi
if want suite; then
  t0=$(date +%s)
  timeout ${SUITE_TIMEOUT:-240} python3 -X faulthandler bench/kernel/suite.py ${SUITE_ARGS:---quick} >"$OUT/suite.log" 2>&1
  echo "suite rc=$? in $(( $(date +%s) - t0 ))s"
  grep -E "^FAIL" "$OUT/suite.log" | head -25
  grep -E "_vs_|vs_ref64" "$OUT/suite.log" | grep -E "\| (2|4) \|" | head -40
  grep -E "^permutation|^sm90 path|^G > 1|^suite:" "$OUT/suite.log"
  tail -3 "$OUT/suite.log" | grep -E "Error|error" && tail -30 "$OUT/suite.log"
fi
if want bench; then
  for l in ${BENCH_LS:-128 64}; do
    DA_BENCH_L=$l timeout 200 python3 bench/kernel/bench.py --quick --khat --dtypes float16 --outdir "$OUT/l$l" --commit "${DA_COMMIT:-dev}" >"$OUT/bench_l$l.log" 2>&1
    echo "bench l=$l rc=$?"
    grep -E "^(float16|bfloat16) B" "$OUT/bench_l$l.log"
    grep -E "Error|error" "$OUT/bench_l$l.log" | head -5
  done
fi
