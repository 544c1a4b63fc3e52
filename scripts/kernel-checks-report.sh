#!/usr/bin/env bash
# Runs HERE after a device run: writes bench/results/kernel-checks-TAG.md, the kernel correctness record (issue 14),
# from the logs scripts/gpu-kernel-suite.sh left in LOG_DIR (suite.log, fuzz*.log, memcheck-*.log,
# fault-injection.log; each section only when its log is there).
#   scripts/kernel-checks-report.sh LOG_DIR TAG COMMIT "COMMAND"
set -euo pipefail
dir=$1 tag=$2 commit=$3 cmd=$4
root="$(cd "$(dirname "$0")/.." && pwd)"
out=$root/bench/results/kernel-checks-$tag.md
tmp=$(mktemp)
{
  echo "# Kernel correctness checks on the $tag — $(date -u +%Y-%m-%d), commit $commit"
  echo
  echo "Command (GPU machine): \`$cmd\`"
  if [ -f "$dir/suite.log" ]; then
    echo
    echo "## Kernel suite (native/cuda/tests/gpu/suite.py)"
    echo
    echo '```'
    grep -E '^(seeds:|measured worst|kernels run and checked|persistent sm_90a runs|ties |permutation blocks|suite:)' "$dir/suite.log"
    echo '```'
    echo
    echo "Per-case errors by dtype, d, G and kernel: the table in the suite log; limits and their derivation:"
    echo "\`native/cuda/tests/gpu/suite.py\` (LIMITS) and docs/testing.md."
  fi
  if ls "$dir"/memcheck-*.log >/dev/null 2>&1; then
    echo
    echo "## The small suite under compute-sanitizer memcheck (suite.py --small, in shards)"
    echo
    echo '```'
    for f in "$dir"/memcheck-*.log; do
      echo "$(basename "$f"): $(grep -E '^suite:' "$f" || echo 'no suite line (did not finish)') $(grep -E 'ERROR SUMMARY' "$f" || echo '(no ERROR SUMMARY)')"
    done
    echo '```'
  fi
  if [ -f "$dir/fuzz.log" ]; then
    echo
    echo "## ABI fuzz (native/cuda/tests/test_fuzz.cpp)"
    echo
    echo '```'
    grep -HE '^fuzz \(|ERROR SUMMARY' "$dir"/fuzz*.log | sed "s|^$dir/||"
    echo '```'
  fi
  if [ -f "$dir/fault-injection.log" ]; then
    echo
    echo "## Injected faults (scripts/gpu-fault-injection.sh; each a build with -DDA_INJECT_FAULT=N, d = 64 fp16 kernels)"
    echo
    echo '```'
    cat "$dir/fault-injection.log"
    echo '```'
  fi
} >"$tmp"
mv "$tmp" "$out"
echo "wrote $out"
