#!/usr/bin/env bash
# Builds several variants of the library (sm_90a only) from one tree, selected by -D flags, and times
# the fp16 quick shapes (l = 128, portable kernel too) for each in one session, so that they share
# the machine state. VARIANTS="name:flags[:srcdir] ..." ("-" = no flags; srcdir = another copy of
# native/cuda, e.g. from `git archive <commit> native/cuda | tar -x -C tmp_base`). Logs in $OUT.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/native/cuda/build-gpu/out}; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
for spec in $VARIANTS; do
  n=${spec%%:*}; f=${spec#*:}; src=native/cuda
  case "$f" in *:*) src=${f#*:}; f=${f%%:*};; esac
  [ "$f" = - ] && f=""; f=${f//,/ }
  B=$PWD/native/cuda/build-$n
  (cmake -S "$src" -B "$B" -DCMAKE_BUILD_TYPE=Release -DDA_PTXAS_VERBOSE=ON -DCMAKE_CUDA_FLAGS="$f" \
    -DDA_CUDA_GENCODE="-gencode=arch=compute_90a,code=sm_90a" >/dev/null 2>&1 && cmake --build "$B" -j 16 >"$OUT/build_$n.log" 2>&1) \
    || { echo "build $n FAILED"; grep error "$OUT/build_$n.log" | head; continue; }
  echo "== $n [$f]: $(awk '/Compiling entry/ {show = ($0 ~ /fwd_kernelINS_9FwdTraitsILi64ELi64ELi128ELi64ELb0/)} show && /Used/ {print; exit}' "$OUT/build_$n.log" | sed 's/ptxas info *: //')"
  if [ -n "${SASS:-}" ]; then
    cuobjdump -sass -fun '_ZN2da10fwd_kernelINS_9FwdTraitsILi64ELi64ELi128ELi64ELb0EEEEEvNS_7FwdArgsE' "$B/libdistr_attention.so" >"$OUT/sass_$n.txt" 2>&1
    echo "   SASS: $(grep -c MUFU "$OUT/sass_$n.txt") MUFU ($(grep -o 'MUFU\.[A-Z0-9.]*' "$OUT/sass_$n.txt" | sort | uniq -c | tr '\n' ' ')), $(grep -c HMMA "$OUT/sass_$n.txt") HMMA, $(grep -c F2FP "$OUT/sass_$n.txt") F2FP, $(grep -cE 'HADD2|HFMA2' "$OUT/sass_$n.txt") HADD2/HFMA2, $(grep -cE 'STL|LDL' "$OUT/sass_$n.txt") local"
  fi
done
for r in ${ROUNDS:-1}; do
for spec in $VARIANTS; do
  n=${spec%%:*}
  DA_LIB=$PWD/native/cuda/build-$n/libdistr_attention.so DA_BENCH_L=128 timeout 200 python3 bench/kernel/bench.py --quick --portable \
    --dtypes float16 --outdir "$OUT/t_$n" --commit dev >"$OUT/bench_$n.log" 2>&1
  echo "== bench $n round $r rc=$?"
  grep -E "^float16 B" "$OUT/bench_$n.log" | grep -E "G(1|2):" | sed -E 's/ \(.*FA2/ FA2/; s/ ->.*portable/ portable/; s/ khat nan//'
done
done
