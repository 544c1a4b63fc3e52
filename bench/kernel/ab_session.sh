#!/usr/bin/env bash
# One device call of kernel A/B work: builds VARIANTS (variants_dev.sh syntax), times them, smoke-tests
# SMOKE ("name:sm90variant ..."), runs the quick suite on SUITE_LIB (a variant name, optional), and packs
# every log and SASS dump into $OUT/ab.tgz (the device returns only a few files per call). Baseline and
# patched trees come from make_variant_tree.sh (ignored folders, carried to the device), e.g.
#   bench/kernel/make_variant_tree.sh base        (here, before the call)
#   VARIANTS="base:-:native/cuda/build-src-base/native/cuda new:-DFLAG=1" SASS=1 BENCH_FLAGS="" SMOKE="new:0" \
#     SUITE_LIB=new OUT=$OUT bench/kernel/ab_session.sh          (device call with carry: native/cuda/build-src-base)
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH=/usr/local/cuda/bin:$PATH OUT=${OUT:?}
timeout ${AB_TIMEOUT:-330} bash bench/kernel/variants_dev.sh 2>&1 | tee "$OUT/ab.log"
for spec in ${SMOKE:-}; do
  b=${spec%%:*}; v=${spec#*:}
  DA_LIB=$PWD/native/cuda/build-$b/libdistr_attention.so DA_SM90_VARIANT=$v timeout 60 python3 bench/kernel/smoke.py >"$OUT/smoke_${b}_$v.log" 2>&1
  echo "smoke $b v$v: ok $(grep -c '^ok' "$OUT/smoke_${b}_$v.log") fail $(grep -c '^FAIL' "$OUT/smoke_${b}_$v.log") $(tail -1 "$OUT/smoke_${b}_$v.log")" | tee -a "$OUT/ab.log"
  grep '^FAIL' "$OUT/smoke_${b}_$v.log" | head -5
done
if [ -n "${SUITE_LIB:-}" ]; then
  t0=$(date +%s)
  DA_LIB=$PWD/native/cuda/build-$SUITE_LIB/libdistr_attention.so timeout ${SUITE_TIMEOUT:-200} python3 bench/kernel/suite.py --quick >"$OUT/suite_$SUITE_LIB.log" 2>&1
  echo "suite $SUITE_LIB rc=$? in $(( $(date +%s) - t0 ))s" | tee -a "$OUT/ab.log"
  grep -E "^FAIL" "$OUT/suite_$SUITE_LIB.log" | head -10
  grep -E "^permutation|^sm90 path|^suite:" "$OUT/suite_$SUITE_LIB.log" | tee -a "$OUT/ab.log"
fi
(cd "$OUT" && tar czf ab.tgz --remove-files $(ls | grep -vE '^(ab\.log|ab\.tgz)$'))
