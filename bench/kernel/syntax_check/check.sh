#!/usr/bin/env bash
# Syntax and template check of the sm_90a kernel units without a CUDA toolkit (this machine has none):
# clang parses them as CUDA device code against the minimal declarations in shim/, with the sm_90a guard
# forced on, so kernel edits are caught here before a device call. It checks types, templates and
# lambdas only; inline PTX, register allocation and ptxas warnings (C7511 ...) need nvcc on the GPU machine.
#   [CHECK_FLAGS="-DFLAG=1 ..."] bench/kernel/syntax_check/check.sh [native/cuda dir] [unit ...]
#   (units from src/kernels/inst/; CHECK_FLAGS: the -D flags of a variant)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/../../../native/cuda}; [ $# -gt 0 ] && shift
clang=$(command -v clang++-14 || command -v clang++) || { echo "needs clang++ (Debian: clang-14)"; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp -r "$src/src" "$src/include" "$tmp/"
guard='#if defined(__CUDA_ARCH__) \&\& (__CUDA_ARCH__ >= 900) \&\& defined(__CUDA_ARCH_FEAT_SM90_ALL)'
# without the guard forced on, the sm_90a kernel bodies would be skipped and the check would pass vacuously
grep -q "^$guard" "$tmp/src/kernels/sm90/wgmma.cuh" || { echo "sm_90a guard not found in sm90/wgmma.cuh: update $0"; exit 2; }
sed -i "s/^$guard/#if 1/" "$tmp/src/kernels/sm90/wgmma.cuh"
units=${*:-sm90_d64_fp16.cu sm90_d64_bf16.cu sm90_d32_fp16.cu sm90_d32_bf16.cu}
rc=0
for u in $units; do
  out=$("$clang" -x cuda --cuda-device-only --cuda-gpu-arch=sm_80 -nocudainc -nocudalib -fsyntax-only -std=c++17 ${CHECK_FLAGS:-} \
    -I"$here/shim" -I"$tmp/include" -include "$here/shim/cuda_runtime.h" "$tmp/src/kernels/inst/$u" 2>&1)
  if [ $? = 0 ]; then echo "$u: ok"; else echo "$u: FAILED"; echo "$out" | grep -E "error" | sort -u | head -20; rc=1; fi
done
exit $rc
