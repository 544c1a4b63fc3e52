#!/usr/bin/env bash
# GPU machine entry point for the native DistrAttention kernel (issues 3 and 14): build with CMake + nvcc,
# host tests (CTest, the ABI fuzz included), GPU correctness suite, ABI fuzz with device pointers under
# compute-sanitizer, compute-sanitizer on the small suite, the suite against deliberately broken kernels, benchmark.
# Logs go to $OUT.
#
#   scripts/gpu-kernel-suite.sh [build] [suite] [fuzz] [sanitize] [faults] [bench] [tune] [split] [all]
#   KERNEL_STEPS="build suite fuzz sanitize faults" scripts/gpu-kernel-suite.sh      (the same, steps from the environment)
# Default: all (every step but faults). The steps run in the order above whatever order they are named in; with
# "faults", the three fault-injection libraries compile in the background (scripts/gpu-fault-injection.sh build)
# from the end of "build" on, while the suite, fuzz and sanitize steps use the GPU.
# Environment: OUT (log folder, default native/cuda/build-gpu/out), DA_COMMIT (git commit for the table),
#   DA_GENCODE (nvcc -gencode list, default sm_80 + sm_90a), BENCH_ARGS (extra bench.py args),
#   FUZZ_SANITIZE_CASES (ABI fuzz cases with device pointers under compute-sanitizer, default 300).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-$ROOT/native/cuda/build-gpu/out}  # build-gpu/ is git-ignored
mkdir -p "$OUT"
BUILD=$ROOT/native/cuda/build-gpu
export DA_LIB=$BUILD/libdistr_attention.so
export PYTHONUNBUFFERED=1
steps=("$@")
# shellcheck disable=SC2206  # KERNEL_STEPS is a space-separated list
[ ${#steps[@]} -eq 0 ] && steps=(${KERNEL_STEPS:-all})
# "all" is every step except faults (which builds three more libraries): name it to run it
want() {
  local s
  for s in "${steps[@]}"; do
    [ "$s" = "$1" ] && return 0
    [ "$s" = all ] && [ "$1" != faults ] && return 0
  done
  return 1
}
status=0
summary=()

if want build; then
  NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
  # Always explicit: a cached value from an earlier configure must not linger.
  gencode_arg=(-DDA_CUDA_GENCODE="${DA_GENCODE:--gencode=arch=compute_80,code=sm_80;-gencode=arch=compute_90a,code=sm_90a;-gencode=arch=compute_80,code=compute_80}")
  [ "${DA_CLEAN:-0}" = 1 ] && rm -rf "$BUILD"
  t0=$(date +%s)
  # DA_INJECT_FAULT=0 always: this is the real library (a fault-injection build has its own folder)
  cmake -S native/cuda -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_COMPILER="$NVCC" -DDA_INJECT_FAULT=0 -DDA_TUNING_KNOBS=ON \
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

fault_build_pid=""
if want faults; then
  # the three fault-injection libraries compile while the GPU steps below run (their logs: fault*-build.log)
  OUT="$OUT" bash scripts/gpu-fault-injection.sh build >"$OUT/fault-build.log" 2>&1 &
  fault_build_pid=$!
fi

if want suite; then
  t0=$(date +%s)
  python3 -X faulthandler native/cuda/tests/gpu/suite.py >"$OUT/suite.log" 2>&1 || status=1
  grep -E "^FAIL" "$OUT/suite.log" | head -20
  sed -n '/^| dtype/,$p' "$OUT/suite.log" | tail -80
  summary+=("suite: $(grep '^suite:' "$OUT/suite.log") [$(( $(date +%s) - t0 ))s]")
  summary+=("$(grep '^permutation blocks' "$OUT/suite.log")")
fi

if want fuzz; then
  # The ABI fuzz (native/cuda/tests/test_fuzz.cpp): host pointers (20000 cases) and device pointers (1000 cases, valid
  # calls launch) as CTest runs it, then the device-pointer cases under compute-sanitizer memcheck.
  t0=$(date +%s)
  FUZZ=$BUILD/da_fuzz_tests
  if [ ! -x "$FUZZ" ]; then
    summary+=("fuzz: FAILED ($FUZZ not built: GoogleTest missing?)"); status=1
  else
    "$FUZZ" >"$OUT/fuzz.log" 2>&1; rc=$?
    [ $rc -ne 0 ] && status=1
    summary+=("fuzz: rc=$rc; $(grep -E '^fuzz \(' "$OUT/fuzz.log" | tr '\n' ' ')[$(( $(date +%s) - t0 ))s]")
    t0=$(date +%s)
    # --report-api-errors no: the fuzz provokes CUDA calls that fail and are handled (a tensor map TMA cannot encode,
    # then the portable kernel); memory errors are what this run looks for (and the test fails on a sticky error).
    DA_FUZZ_DEVICE_CASES=${FUZZ_SANITIZE_CASES:-300} timeout 300 compute-sanitizer --tool memcheck --error-exitcode 9 --report-api-errors no \
        "$FUZZ" --gtest_filter=FuzzAbi.DevicePointers >"$OUT/fuzz-memcheck.log" 2>&1
    rc=$?
    [ $rc -ne 0 ] && status=1
    summary+=("fuzz under memcheck: rc=$rc, $(grep -E 'ERROR SUMMARY' "$OUT/fuzz-memcheck.log" | tail -1) $(grep -E '^fuzz \(' "$OUT/fuzz-memcheck.log") [$(( $(date +%s) - t0 ))s]")
  fi
fi

if want sanitize; then
  # The small suite under memcheck, in MEMCHECK_SHARDS processes at once (suite.py --shard: every case keeps its seed);
  # one process took over 400 s, most of it memcheck's host-side work, which parallelises across the host's cores.
  t0=$(date +%s)
  shards=${MEMCHECK_SHARDS:-4}
  pids=()
  for ((i = 0; i < shards; i++)); do
    PYTORCH_NO_CUDA_MEMORY_CACHING=1 timeout 400 compute-sanitizer --tool memcheck --error-exitcode 9 \
        python3 native/cuda/tests/gpu/suite.py --small --shard "$i/$shards" >"$OUT/memcheck-$i.log" 2>&1 &
    pids+=($!)
  done
  rc=0
  for pid in "${pids[@]}"; do wait "$pid" || rc=$?; done
  [ $rc -ne 0 ] && status=1
  errors=$(grep -hE 'ERROR SUMMARY' "$OUT"/memcheck-*.log | awk '{n += $4} END {print n + 0}')
  complete=$(grep -lE 'ERROR SUMMARY' "$OUT"/memcheck-*.log | wc -l)
  summary+=("memcheck (small cases, $shards shards): rc=$rc, $errors errors in $complete/$shards completed shards; $(grep -h '^suite:' "$OUT"/memcheck-*.log | tr '\n' ' ')[$(( $(date +%s) - t0 ))s]")
fi

if want faults; then
  # A deliberately broken kernel must fail the suite: scripts/gpu-fault-injection.sh, summary in fault-injection.log
  t0=$(date +%s)
  fault_build_rc=0
  if [ -n "$fault_build_pid" ]; then wait "$fault_build_pid" || fault_build_rc=$?; fi
  OUT="$OUT" bash scripts/gpu-fault-injection.sh run >"$OUT/fault-run.log" 2>&1 || status=1
  [ $fault_build_rc -ne 0 ] && status=1
  summary+=("fault injection (build rc=$fault_build_rc, run [$(( $(date +%s) - t0 ))s]):")
  while IFS= read -r line; do summary+=("  $line"); done < <(grep -E '^(control|fault [0-9]):' "$OUT/fault-injection.log" 2>/dev/null)
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

# At most 8 files come back from the device tool: pack the logs into one archive (fault-injection.log stays beside it:
# it is the record the issue asks to commit).
# An earlier run's archive is kept (logs.tgz of a `build` run, then the GPU steps in a second run with the same OUT), and
# the summary also goes to summary.txt, which survives a caller that writes its console to OUT/*.log.
[ -f "$OUT/logs.tgz" ] && mv "$OUT/logs.tgz" "$OUT/logs-$(date +%H%M%S).tgz"
(cd "$OUT" && tar czf logs.tgz --remove-files $(ls *.log 2>/dev/null | grep -vx fault-injection.log) tune 2>/dev/null)
{ echo "==== summary ===="; for s in "${summary[@]}"; do echo "$s"; done; } | tee -a "$OUT/summary.txt"
[ -f "$OUT/kernel-bench.md" ] && grep -E "^\| (float16|bfloat16) \| 4·16·4096·64" "$OUT/kernel-bench.md"
exit $status
