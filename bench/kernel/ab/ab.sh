#!/usr/bin/env bash
# A/B of pre-pass builds on the GPU host (not committed): old (HEAD before this change) against the new pre-pass with
# 4/5/6 CTAs per SM and without the dependent launch. sm_90a only.
set -uo pipefail
OUT=${OUT:-/tmp/ab}; LOG=/tmp/ablogs; mkdir -p "$OUT" "$LOG"
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
GEN="-gencode=arch=compute_90a,code=sm_90a"
build() {
  local name=$1 src=$2 flags=$3
  cmake -S "$src" -B "/tmp/b-$name" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_COMPILER="$NVCC" -DDA_BUILD_TESTS=OFF \
      -DDA_TUNING_KNOBS=ON -DDA_PTXAS_VERBOSE=ON "-DDA_CUDA_GENCODE=$GEN" "-DCMAKE_CUDA_FLAGS=$flags" >"$LOG/cmake-$name.log" 2>&1 \
    && cmake --build "/tmp/b-$name" -j 16 >"$LOG/build-$name.log" 2>&1 \
    || { echo "BUILD FAILED $name"; grep -E "error" "$LOG/build-$name.log" | head -30; }
}
t0=$(date +%s)
build old .ab/old/native/cuda "" &
build new5 native/cuda "" &
wait
build new4 native/cuda "-DDA_PREPASS_MIN_BLOCKS=4" &
build new6 native/cuda "-DDA_PREPASS_MIN_BLOCKS=6" &
build nopdl native/cuda "-DDA_DISABLE_DEPENDENT_LAUNCH" &
wait
echo "builds: $(( $(date +%s) - t0 ))s"
for v in old new4 new5 new6; do
  echo "== $v qtilde registers/spills (sm_90a)"
  grep -A2 "Compiling entry function '_ZN2da13qtilde_kernel" "$LOG/build-$v.log" | grep -E "registers|spill" | sort | uniq -c | head -8
done
SH="64,12,197,64 64,12,577,64"
for round in 1 2; do
  for v in old new4 new5 new6 nopdl; do
    [ -f "/tmp/b-$v/libdistr_attention.so" ] || continue
    DA_LIB=/tmp/b-$v/libdistr_attention.so python3 bench/kernel/prepass_probe.py --shapes $SH --l 64 128 --g 2 --calls --time 2>&1 | sed "s/^/$v r$round /"
  done
  DA_LIB=/tmp/b-new5/libdistr_attention.so python3 bench/kernel/prepass_probe.py --shapes $SH --l 64 --g 1 --calls 2>&1 | sed "s/^/exact r$round /"
done | tee "$OUT/ab-calls.txt"
