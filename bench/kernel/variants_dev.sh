#!/usr/bin/env bash
# Builds several variants of the library (sm_90a only) from one tree, selected by -D flags, and times
# the fp16 quick shapes (l = 128, portable kernel too) for each in one session, so that they share
# the machine state. VARIANTS="name:flags[:srcdir] ..." ("-" = no flags; srcdir = another copy of
# native/cuda, e.g. from `git archive <commit> native/cuda | tar -x -C tmp_base`). Logs in $OUT.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/native/cuda/build-gpu/out}; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
K90=Li64ELi2ELb1ELb0  # mangled-name part of the sm90 d64 fp16 2-warpgroup ping-pong kernel (reported and dumped)
# ptxas serialised that kernel's wgmmas: C7511 (register resources) or C7520 (compiler-inserted warpgroup.arrive
# on a divergent path; t21 was timed serialised before this also looked for it)
serialised() { grep -E 'C75(11|20)' "$OUT/build_$1.log" | grep -q "$K90"; }
for spec in $VARIANTS; do
  n=${spec%%:*}; f=${spec#*:}; src=native/cuda
  case "$f" in *:*) src=${f#*:}; f=${f%%:*};; esac
  [ "$f" = - ] && f=""; f=${f//,/ }
  B=$PWD/native/cuda/build-$n
  (cmake -S "$src" -B "$B" -DCMAKE_BUILD_TYPE=Release -DDA_PTXAS_VERBOSE=ON -DCMAKE_CUDA_FLAGS="$f" \
    -DDA_CUDA_GENCODE="-gencode=arch=compute_90a,code=sm_90a" >/dev/null 2>&1 && cmake --build "$B" -j 16 >"$OUT/build_$n.log" 2>&1) \
    || { echo "build $n FAILED"; grep error "$OUT/build_$n.log" | head; continue; }
  echo "== $n [$f]: $(awk '/Compiling entry/ {show = ($0 ~ /fwd_kernelINS_9FwdTraitsILi64ELi64ELi128ELi64ELb0/)} show && /Used/ {print; exit}' "$OUT/build_$n.log" | sed 's/ptxas info *: //')"
  awk -v k="fwd_kernel_sm90.*$K90" '/Compiling entry/ {show = ($0 ~ k)} show && /Used/ {print "   sm90 d64 2wg fp16: " $0; exit}' "$OUT/build_$n.log" | sed 's/ptxas info *: //'
  echo "   C7511/C7520 (wgmma serialised) in $(grep -E 'C75(11|20)' "$OUT/build_$n.log" | grep -c .) kernels$(serialised "$n" && echo ', the d64 2wg fp16 one among them')"
  if [ -n "${SASS:-}" ]; then  # SASS of the sm90 d64 fp16 2-warpgroup ping-pong kernel, for reading later
    cuobjdump -sass "$B/libdistr_attention.so" | awk -v k="Function : .*fwd_kernel_sm90.*$K90" '$0 ~ k {on=1; print; next} /Function :/ {on=0} on' >"$OUT/sass_$n.txt" 2>&1
    echo "   SASS: $(wc -l < "$OUT/sass_$n.txt") lines, $(grep -c MUFU.EX2 "$OUT/sass_$n.txt") MUFU.EX2, $(grep -c HGMMA "$OUT/sass_$n.txt") HGMMA, $(grep -c 'WARPGROUP.DEPBAR' "$OUT/sass_$n.txt") DEPBAR, $(grep -cE 'STL|LDL' "$OUT/sass_$n.txt") local"
    gzip -f "$OUT/sass_$n.txt"
  fi
done
for r in ${ROUNDS:-1}; do
for spec in $VARIANTS; do
  n=${spec%%:*}
  if serialised "$n"; then echo "== bench $n: not timed (wgmma serialised, C7511/C7520)"; continue; fi
  DA_LIB=$PWD/native/cuda/build-$n/libdistr_attention.so DA_BENCH_L=128 timeout 200 python3 bench/kernel/bench.py --quick ${BENCH_FLAGS---portable} \
    --dtypes float16 --outdir "$OUT/t_$n" --commit dev >"$OUT/bench_$n.log" 2>&1
  echo "== bench $n round $r rc=$?"
  grep -E "^float16 B" "$OUT/bench_$n.log" | grep -E "G(1|2):" | sed -E 's/ \(.*FA2/ FA2/; s/ ->.*portable/ portable/; s/ khat nan//'
done
done
