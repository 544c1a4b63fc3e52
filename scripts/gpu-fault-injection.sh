#!/usr/bin/env bash
# The test of the kernel suite (issue 14: "a deliberately broken kernel fails the suite"). Builds the library three
# times, each with one deliberate kernel fault (CMake -DDA_INJECT_FAULT=1|2|3, native/cuda/src/kernels/common/fault_injection.h:
#   1 the last key tile of the second query tile a persistent sm_90a CTA handles is skipped,
#   2 an off-by-one in a group's column (column 0 counted in the next group),
#   3 a wrong softmax scale (1.25x) on head 1)
# into native/cuda/build-fault1..3 (d = 64 fp16 kernels only, sm_90a only: a few minutes of nvcc, the three in
# parallel), then runs the suite's fault cases (native/cuda/tests/gpu/suite.py --faults) against each: every one must
# FAIL. The same cases against the real library (native/cuda/build-gpu, scripts/gpu-kernel-suite.sh build) must pass:
# the control, which shows that the failures come from the faults.
#
#   scripts/gpu-fault-injection.sh [build] [run]       (default: both; gpu-kernel-suite.sh faults runs the build in the
#                                                        background while its other GPU steps run)
# Writes $OUT/fault-injection.log: commit, GPU, seed, then one line per library, e.g.
#   control (real build): suite passed (96 passed, 0 failed)
#   fault 1: suite FAILED as expected (12 failures)          or   fault 1: NOT DETECTED (suite passed: ...)
# followed by the first failure lines of each. Exit status 0 only if the control passes and every fault is detected.
# Environment: OUT (default native/cuda/build-gpu/out), DA_FAULT_GENCODE (default sm_90a only), SUITE_SEED (default
#   1234), CONTROL_LIB (default native/cuda/build-gpu/libdistr_attention.so).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-$ROOT/native/cuda/build-gpu/out}
mkdir -p "$OUT"
LOG=$OUT/fault-injection.log
SEED=${SUITE_SEED:-1234}
CONTROL_LIB=${CONTROL_LIB:-$ROOT/native/cuda/build-gpu/libdistr_attention.so}
FAULTS=(1 2 3)
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(build run)
want() { local s; for s in "${steps[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
status=0

if want build; then
  NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
  jobs=$(( ($(nproc) + ${#FAULTS[@]} - 1) / ${#FAULTS[@]} ))
  pids=()
  t0=$(date +%s)
  for f in "${FAULTS[@]}"; do
    (
      build=$ROOT/native/cuda/build-fault$f
      cmake -S native/cuda -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_COMPILER="$NVCC" -DDA_BUILD_TESTS=OFF -DDA_TUNING_KNOBS=ON \
          -DDA_INJECT_FAULT="$f" -DDA_CUDA_GENCODE="${DA_FAULT_GENCODE:--gencode=arch=compute_90a,code=sm_90a}" &&
        cmake --build "$build" -j "$jobs"
    ) >"$OUT/fault$f-build.log" 2>&1 &
    pids+=($!)
  done
  for i in "${!FAULTS[@]}"; do
    if wait "${pids[$i]}"; then
      echo "fault ${FAULTS[$i]}: built native/cuda/build-fault${FAULTS[$i]} [$(( $(date +%s) - t0 ))s]"
    else
      echo "fault ${FAULTS[$i]}: BUILD FAILED (see $OUT/fault${FAULTS[$i]}-build.log)"
      grep -E "error" "$OUT/fault${FAULTS[$i]}-build.log" | head -20
      status=1
    fi
  done
fi

# Runs the fault cases against library $1, log $2; prints "passed failed rc" of the suite ("- - missing": no library).
run_suite() {
  local lib=$1 log=$2
  if [ ! -f "$lib" ]; then
    echo "- - missing"
    return
  fi
  DA_LIB=$lib timeout 300 python3 -X faulthandler native/cuda/tests/gpu/suite.py --faults --seed "$SEED" >"$log" 2>&1
  local rc=$?
  local counts
  counts=$(sed -nE 's/^suite: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/p' "$log" | tail -1)
  echo "${counts:-- -} $rc"
}

if want run; then
  t0=$(date +%s)
  {
    echo "# Fault injection: the kernel suite against deliberately broken kernels (issue 14)"
    echo
    dirty=""
    if git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --quiet HEAD -- native 2>/dev/null; then
      dirty=" (native/ has uncommitted changes)"
    fi
    echo "- commit: ${DA_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}$dirty"
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); GPU: $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)"
    echo "- faults (native/cuda/src/kernels/common/fault_injection.h, CMake -DDA_INJECT_FAULT=n, d = 64 fp16 kernels, sm_90a):"
    echo "  1 = the last key tile of the second query tile a persistent sm_90a CTA handles is skipped;"
    echo "  2 = an off-by-one in a group's column (column 0 counted in the next group: pre-pass, expand and K-hat modes);"
    echo "  3 = a wrong softmax scale (1.25x) on head 1 (sm_90a and portable kernels)"
    echo "- cases: python3 native/cuda/tests/gpu/suite.py --faults --seed $SEED (fp16, d = 64, l = 64/128, B1·H2·197²,"
    echo "  B1·H48·1100×300 (432 query tiles), B1·H25·2050² (275 tiles of 192 rows); G = 1 (also vs SDPA), 2, 4; causal"
    echo "  or not; every kernel the dispatcher can pick, each against the float64 oracle)"
    echo
  } >"$LOG"
  read -r passed failed rc < <(run_suite "$CONTROL_LIB" "$OUT/fault0-suite.log")
  if [ "$rc" = missing ]; then
    echo "control (real build): NOT RUN ($CONTROL_LIB missing: scripts/gpu-kernel-suite.sh build first)" >>"$LOG"
    status=1
  elif [ "$rc" = 0 ] && [ "$failed" = 0 ]; then
    echo "control (real build): suite passed ($passed passed, 0 failed)" >>"$LOG"
  else
    echo "control (real build): suite FAILED ($passed passed, $failed failed, rc=$rc): the fault results below prove nothing" >>"$LOG"
    grep -E "^FAIL" "$OUT/fault0-suite.log" | head -5 | sed 's/^/    /' >>"$LOG"
    status=1
  fi
  for f in "${FAULTS[@]}"; do
    lib=$ROOT/native/cuda/build-fault$f/libdistr_attention.so
    read -r passed failed rc < <(run_suite "$lib" "$OUT/fault$f-suite.log")
    if [ "$rc" = missing ]; then
      echo "fault $f: NOT RUN ($lib missing: see fault$f-build.log)" >>"$LOG"
      status=1
    elif [ "$rc" != 0 ] && [ "$failed" != "-" ] && [ "$failed" -gt 0 ]; then
      echo "fault $f: suite FAILED as expected ($failed failures; $passed passed)" >>"$LOG"
    elif [ "$rc" != 0 ]; then
      echo "fault $f: suite FAILED as expected (rc=$rc, no summary line: it stopped early; see fault$f-suite.log)" >>"$LOG"
    else
      echo "fault $f: NOT DETECTED (suite passed: $passed passed, $failed failed)" >>"$LOG"
      status=1
    fi
    if grep -qE "^FAIL" "$OUT/fault$f-suite.log" 2>/dev/null; then
      {
        echo "    failure lines per kernel:$(grep -E '^FAIL' "$OUT/fault$f-suite.log" | grep -oE '\((sm90/v[0-9]|portable/[a-z]+)\)' | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
        grep -E "^FAIL" "$OUT/fault$f-suite.log" | head -3 | cut -c1-300 | sed 's/^/    /'
      } >>"$LOG"
    fi
  done
  echo >>"$LOG"
  echo "run: $(( $(date +%s) - t0 ))s; logs: fault0-suite.log (control), fault1..3-suite.log, fault1..3-build.log" >>"$LOG"
  cat "$LOG"
fi
exit $status
