#!/usr/bin/env bash
# Nsight Compute profile of one sm_90a attention launch with per-instruction (SASS) warp-stall samples:
#   OUT=dir [KERNEL=regex] bench/kernel/profile_source.sh B H N d G [variant]
# KERNEL picks the launch to profile (default fwd_kernel_sm90, the attention kernel; qtilde_kernel: the pre-pass).
# Writes $OUT/prof_<shape>.ncu-rep, the details page (prof_<shape>.txt) and the source page as CSV
# (prof_<shape>_sass.csv, one row per SASS instruction with its stall-reason samples).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/native/cuda/build-gpu/out}
export DA_LIB=${DA_LIB:-$PWD/native/cuda/build-gpu/libdistr_attention.so}
kernel=${KERNEL:-fwd_kernel_sm90}
tag="${kernel}_$1_$2_$3_$4_g$5"
[ $# -ge 6 ] && export DA_SM90_VARIANT=$6
timeout 300 ncu --kernel-name "regex:$kernel" --launch-skip 2 --launch-count 1 --set full \
  --import-source no -f --export "$OUT/prof_$tag" python3 bench/kernel/one.py "$1" "$2" "$3" "$4" "$5" > "$OUT/prof_$tag.log" 2>&1
ncu --import "$OUT/prof_$tag.ncu-rep" --page details > "$OUT/prof_$tag.txt" 2>&1
ncu --import "$OUT/prof_$tag.ncu-rep" --page source --csv --print-source sass > "$OUT/prof_${tag}_sass.csv" 2>&1
grep -E "Duration|SM Frequency|Compute \(SM\) Throughput|Memory Throughput|DRAM Throughput|Issue Slots Busy|No Eligible|Eligible Warps|Warp Cycles Per Issued|Executed Ipc A|Achieved Occupancy|Theoretical Occupancy|Block Limit|Registers Per|Shared Memory Configuration Size" "$OUT/prof_$tag.txt" | head -24
