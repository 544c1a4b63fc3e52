#!/usr/bin/env bash
# Development loop for the sm_90a path on the GPU machine: build (sm_90a only), ptxas report of the
# sm90 kernels, smoke test (a few shapes vs the portable kernel, under a timeout: a hang is caught),
# quick benchmark (bar shape + ViT shapes, with the portable kernel timed too), quick correctness suite
# (d 32/64, l 64/128, cross-checked vs the portable kernel). Logs in $OUT.
#   bench/kernel/sm90_dev.sh [build] [smoke] [bench] [suite] [prof]   (default: build smoke bench suite)
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/native/cuda/build-gpu/out}
mkdir -p "$OUT"
BUILD=$PWD/native/cuda/build-gpu
export DA_LIB=$BUILD/libdistr_attention.so PYTHONUNBUFFERED=1
steps=("$@"); [ ${#steps[@]} -eq 0 ] && steps=(build smoke bench suite)
want() { local s; for s in "${steps[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
if want build; then
  t0=$(date +%s)
  cmake -S native/cuda -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DDA_PTXAS_VERBOSE=ON \
    -DDA_CUDA_GENCODE="${DA_GENCODE:--gencode=arch=compute_90a,code=sm_90a}" >"$OUT/cmake.log" 2>&1 || { tail -20 "$OUT/cmake.log"; exit 1; }
  if ! cmake --build "$BUILD" -j "$(nproc)" >"$OUT/build.log" 2>&1; then
    grep -E "error|Error" "$OUT/build.log" | head -50; exit 1
  fi
  echo "build ok in $(( $(date +%s) - t0 ))s"
  awk '/Compiling entry/ {show = ($0 ~ /sm90/)} show && /ptxas/ {print}' "$OUT/build.log" | sed -E 's/ptxas info *: //' | grep -E "Used|spill|Compiling" | sed -E "s/Compiling entry function '_ZN2da4sm9015fwd_kernel_sm90INS0_10Sm90TraitsIL/  /" | head -40
  grep -E "C7508|C7510|C7515|wgmma|setmaxnreg|warning" "$OUT/build.log" | sort | uniq -c | head -10
fi
if want smoke; then
  for var in ${SMOKE_VARIANTS:-0}; do
    echo "smoke, sm90 variant $var"
    DA_SM90_VARIANT=$var timeout 60 python3 -X faulthandler bench/kernel/smoke.py > "$OUT/smoke$var.log" 2>&1
    grep -E "^FAIL|^smoke|Error" "$OUT/smoke$var.log" | head -12
    grep -q "^smoke: ok" "$OUT/smoke$var.log" || { echo "smoke failed: stopping"; tail -20 "$OUT/smoke$var.log"; exit 1; }
  done
fi
if want bench; then
  timeout 200 python3 bench/kernel/bench.py --quick --portable ${BENCH_ARGS:-} --outdir "$OUT" --commit "${DA_COMMIT:-dev}" >"$OUT/bench.log" 2>&1
  echo "bench rc=$?"
  grep -E "^(float16|bfloat16) B" "$OUT/bench.log"
  grep -E "Error|error" "$OUT/bench.log" | head -5
fi
if want suite; then
  t0=$(date +%s)
  timeout ${SUITE_TIMEOUT:-240} python3 -X faulthandler bench/kernel/suite.py --quick >"$OUT/suite.log" 2>&1
  echo "suite rc=$? in $(( $(date +%s) - t0 ))s"
  grep -E "^FAIL" "$OUT/suite.log" | head -25
  grep -E "sm90_vs|vs_ref64|G1_vs" "$OUT/suite.log" | head -40
  grep -E "^permutation|^sm90 path|^suite:" "$OUT/suite.log"
  tail -3 "$OUT/suite.log" | grep -E "Error|error" && tail -30 "$OUT/suite.log"
fi
if want prof; then
  so=$BUILD/libdistr_attention.so
  cuobjdump -sass "$so" > "$OUT/sass.txt" 2>/dev/null
  awk '/Function : .*fwd_kernel_sm90.*Li64ELb0/ {on=1; next} /Function :/ {on=0} on' "$OUT/sass.txt" > "$OUT/sass_d64g2.txt"; rm -f "$OUT/sass.txt"
  echo "sass d64 G2 fp16: $(wc -l < "$OUT/sass_d64g2.txt") lines; HGMMA $(grep -c HGMMA "$OUT/sass_d64g2.txt"), LDL $(grep -c LDL "$OUT/sass_d64g2.txt"), STL $(grep -c STL "$OUT/sass_d64g2.txt"), MUFU.EX2 $(grep -c MUFU.EX2 "$OUT/sass_d64g2.txt"), WARPGROUP $(grep -c -E 'WARPGROUP|WARPSYNC' "$OUT/sass_d64g2.txt")"
  timeout 200 ncu --kernel-name regex:fwd_kernel_sm90 --launch-skip 2 --launch-count 1 \
    --section SpeedOfLight --section WarpStateStats --section SchedulerStats --section ComputeWorkloadAnalysis \
    --metrics smsp__average_warps_issue_stalled_long_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_short_scoreboard_per_issue_active.ratio,smsp__average_warps_issue_stalled_barrier_per_issue_active.ratio,smsp__average_warps_issue_stalled_membar_per_issue_active.ratio,smsp__average_warps_issue_stalled_mio_throttle_per_issue_active.ratio,smsp__average_warps_issue_stalled_math_pipe_throttle_per_issue_active.ratio,smsp__average_warps_issue_stalled_wait_per_issue_active.ratio,smsp__average_warps_issue_stalled_dispatch_stall_per_issue_active.ratio,smsp__average_warps_issue_stalled_lg_throttle_per_issue_active.ratio,smsp__average_warps_issue_stalled_no_instruction_per_issue_active.ratio,smsp__average_warps_issue_stalled_not_selected_per_issue_active.ratio,smsp__average_warps_issue_stalled_selected_per_issue_active.ratio,smsp__average_warps_issue_stalled_sleeping_per_issue_active.ratio,smsp__average_warps_issue_stalled_branch_resolving_per_issue_active.ratio \
    python3 bench/kernel/one.py 4 16 4096 64 2 > "$OUT/ncu.txt" 2>&1
  grep -E "Duration|SM Frequency|Compute \(SM\) Throughput|Memory Throughput|Issue Slots Busy|No Eligible|Active Warps Per|Eligible Warps|Warp Cycles Per Issued|Stall|stall|Executed Ipc|Pipe|stalled" "$OUT/ncu.txt" | sed -E 's/smsp__average_warps_issue_stalled_//; s/_per_issue_active.ratio//' | head -50
fi
