#!/usr/bin/env bash
# GPU machine entry point for the native DistrAttention kernel (issue 3): build with CMake + nvcc,
# host tests, GPU correctness suite, compute-sanitizer on small cases, benchmark. Logs go to $OUT.
#
#   scripts/gpu-kernel-suite.sh [build] [suite] [sanitize] [bench] [tune] [split] [all]   (default: all)
# Environment: OUT (log folder, default ./out-gpu), DA_COMMIT (git commit for the table),
#   DA_GENCODE (nvcc -gencode list, default sm_80 + sm_90a), BENCH_ARGS (extra bench.py args).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-$ROOT/native/cuda/build-gpu/out}  # build-gpu/ is git-ignored
mkdir -p "$OUT"
BUILD=$ROOT/native/cuda/build-gpu
export DA_LIB=$BUILD/libdistr_attention.so
export PYTHONUNBUFFERED=1
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(all)
want() { local s; for s in "${steps[@]}"; do [ "$s" = "$1" ] || [ "$s" = all ] && return 0; done; return 1; }
status=0
summary=()

if want build; then
  NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
  # Always explicit: a cached value from an earlier configure must not linger.
  gencode_arg=(-DDA_CUDA_GENCODE="${DA_GENCODE:--gencode=arch=compute_80,code=sm_80;-gencode=arch=compute_90a,code=sm_90a;-gencode=arch=compute_80,code=compute_80}")
  [ "${DA_CLEAN:-0}" = 1 ] && rm -rf "$BUILD"
  t0=$(date +%s)
  cmake -S native/cuda -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_COMPILER="$NVCC" \
      -DDA_PTXAS_VERBOSE=ON "${gencode_arg[@]}" >"$OUT/cmake.log" 2>&1 || { cat "$OUT/cmake.log"; exit 1; }
  if ! cmake --build "$BUILD" -j "$(nproc)" >"$OUT/build.log" 2>&1; then
    grep -E "error|Error" "$OUT/build.log" | head -60
    exit 1
  fi
  grep -E "ptxas info|spill|bytes stack" "$OUT/build.log" >"$OUT/ptxas.log" || true
  summary+=("build: ok in $(( $(date +%s) - t0 ))s; $(grep -c 'Compiling entry' "$OUT/ptxas.log") kernels; spills: $(grep -E 'spill stores' "$OUT/ptxas.log" | grep -vc ' 0 bytes spill stores'); wgmma serialised (C7511/C7520): $(grep -E 'C75(11|20)' "$OUT/ptxas.log" | grep -c .)")
  (cd "$BUILD" && ctest --output-on-failure >"$OUT/ctest.log" 2>&1) && summary+=("ctest: $(tail -3 "$OUT/ctest.log" | grep 'tests passed')") \
      || { summary+=("ctest: FAILED"); status=1; }
fi

if want suite; then
  t0=$(date +%s)
  python3 -X faulthandler bench/kernel/suite.py >"$OUT/suite.log" 2>&1 || status=1
  grep -E "^FAIL" "$OUT/suite.log" | head -20
  sed -n '/^| dtype/,$p' "$OUT/suite.log" | tail -80
  summary+=("suite: $(grep '^suite:' "$OUT/suite.log") [$(( $(date +%s) - t0 ))s]")
  summary+=("$(grep '^permutation blocks' "$OUT/suite.log")")
fi

if want sanitize; then
  t0=$(date +%s)
  PYTORCH_NO_CUDA_MEMORY_CACHING=1 timeout 400 compute-sanitizer --tool memcheck --error-exitcode 9 \
      python3 bench/kernel/suite.py --small >"$OUT/memcheck.log" 2>&1
  rc=$?
  [ $rc -ne 0 ] && status=1
  summary+=("memcheck (small cases): rc=$rc, $(grep -E 'ERROR SUMMARY' "$OUT/memcheck.log" | tail -1) $(grep '^suite:' "$OUT/memcheck.log") [$(( $(date +%s) - t0 ))s]")
fi

if want bench; then
  python3 bench/kernel/bench.py --outdir "$OUT" --commit "${DA_COMMIT:-unknown}" ${BENCH_ARGS:-} >"$OUT/bench.log" 2>&1 || status=1
  tail -5 "$OUT/bench.log" | grep -iE "error|Traceback" && status=1
fi

if want tune; then
  python3 bench/kernel/bench.py --outdir "$OUT/tune" --commit "${DA_COMMIT:-unknown}" --no-table --tune --lsh >"$OUT/tune.log" 2>&1 || status=1
  cp "$OUT/tune/kernel-bench.md" "$OUT/kernel-tune.md" 2>/dev/null
fi

if want split; then
  python3 bench/kernel/kernel_split.py --out "$OUT/kernel-split.md" >"$OUT/split.log" 2>&1 || status=1
  summary+=("pre-pass / attention split: $OUT/kernel-split.md")
fi

# At most 8 files come back from the device tool: pack the logs into one archive.
(cd "$OUT" && tar czf logs.tgz --remove-files $(ls *.log 2>/dev/null) tune 2>/dev/null)
echo "==== summary ===="
for s in "${summary[@]}"; do echo "$s"; done
[ -f "$OUT/kernel-bench.md" ] && grep -E "^\| (float16|bfloat16) \| 4·16·4096·64" "$OUT/kernel-bench.md"
exit $status
