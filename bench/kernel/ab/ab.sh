#!/usr/bin/env bash
# A/B of native builds on the GPU host: the tree in .ab/old (fill it on the build machine with
#   rm -rf .ab/old && mkdir -p .ab/old && git archive <base> native/cuda | tar -x -C .ab/old
# and carry .ab) against this tree built with each of VARIANTS ("name:flags" pairs, flags comma-separated, e.g.
# "new: new3:-DDA_PREPASS_MIN_BLOCKS=3"); sm_90a only. Times whole calls and each kernel (prepass_probe.py) for
# every build, ROUNDS rounds interleaved, then Exact (G = 1) on the first variant; writes $OUT/ab-calls.txt.
# PROBE_ARGS: more prepass_probe.py arguments (e.g. --no-tie-recompute).
set -uo pipefail
OUT=${OUT:-/tmp/ab}; LOG=${LOG:-/tmp/ablogs}; mkdir -p "$OUT" "$LOG"
VARIANTS=${VARIANTS:-new:}
SHAPES=${SHAPES:-64,12,197,64 64,12,577,64}
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
GEN="-gencode=arch=compute_90a,code=sm_90a"
build() {
  local name=$1 src=$2 flags=${3//,/ }
  cmake -S "$src" -B "/tmp/b-$name" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_COMPILER="$NVCC" -DDA_BUILD_TESTS=OFF \
      -DDA_TUNING_KNOBS=ON -DDA_PTXAS_VERBOSE=ON "-DDA_CUDA_GENCODE=$GEN" "-DCMAKE_CUDA_FLAGS=$flags" >"$LOG/cmake-$name.log" 2>&1 \
    && cmake --build "/tmp/b-$name" -j 16 >"$LOG/build-$name.log" 2>&1 \
    || { echo "BUILD FAILED $name"; grep -E -A3 "error" "$LOG/build-$name.log" | head -40; }
}
t0=$(date +%s)
names=(old)
build old .ab/old/native/cuda "" &
for v in $VARIANTS; do names+=("${v%%:*}"); build "${v%%:*}" native/cuda "${v#*:}" & done
wait
echo "builds: $(( $(date +%s) - t0 ))s"
for v in "${names[@]}"; do
  echo "== $v qtilde registers/spills (sm_90a)"
  grep -A2 "Compiling entry function '_ZN2da13qtilde_kernel" "$LOG/build-$v.log" | grep -E "registers|spill" | sort | uniq -c | head -8
done
first=${names[1]}
for round in $(seq 1 "${ROUNDS:-2}"); do
  for v in "${names[@]}"; do
    [ -f "/tmp/b-$v/libdistr_attention.so" ] || continue
    DA_LIB=/tmp/b-$v/libdistr_attention.so python3 bench/kernel/prepass_probe.py --shapes $SHAPES --l 64 128 --g 2 --calls --time \
        ${PROBE_ARGS:-} 2>&1 | grep -v -i "warn" | sed "s/^/$v r$round /"
  done
  DA_LIB=/tmp/b-$first/libdistr_attention.so python3 bench/kernel/prepass_probe.py --shapes $SHAPES --l 64 --g 1 --calls 2>&1 \
      | sed "s/^/exact r$round /"
done | tee "$OUT/ab-calls.txt"
