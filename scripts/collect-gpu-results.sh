#!/usr/bin/env bash
# Runs HERE after a device run: copies the GPU results that come back from the device tool into
# bench/results/ under the GPU's name, with the command and commit that produced them.
#   scripts/collect-gpu-results.sh KERNEL_DIR VIT_DIR GPU_TAG COMMIT "COMMAND"
# KERNEL_DIR holds kernel-bench.{md,json}, kernel-speedup.png, kernel-tune.md, kernel-split.md and
# logs.tgz (from scripts/gpu-kernel-suite.sh; copied when kernel-bench.md is there), and fault-injection.log (copied to
# fault-injection-TAG.md when there); VIT_DIR holds what scripts/gpu-suite.sh wrote: vit-bench.{md,json,png},
# gpu-tests.txt and/or train-bench.{md,json} + train-bench-infer.png (each set is copied when present; the training
# tables become train-TAG.md/.json and train-TAG-infer.png). Either may be "-" to skip it.
set -euo pipefail
kdir=$1 vdir=$2 tag=$3 commit=$4 cmd=$5
root="$(cd "$(dirname "$0")/.." && pwd)"
res=$root/bench/results
date=$(date -u +"%Y-%m-%d")
# The fault-injection record (scripts/gpu-fault-injection.sh, the faults step of gpu-kernel-suite.sh) when the run had it.
if [ "$kdir" != - ] && [ -f "$kdir/fault-injection.log" ]; then
  { echo "Command (GPU machine): \`$cmd\`"; echo; cat "$kdir/fault-injection.log"; } > "$res/fault-injection-$tag.md"
fi
if [ "$kdir" != - ] && [ -f "$kdir/kernel-bench.md" ]; then
  cp "$kdir/kernel-bench.md" "$res/kernel-$tag.md"
  cp "$kdir/kernel-bench.json" "$res/kernel-$tag.json"
  cp "$kdir/kernel-speedup.png" "$res/kernel-$tag-speedup.png"
  tmp=$(mktemp -d)
  tar xzf "$kdir/logs.tgz" -C "$tmp"
  # A run without the tune step keeps the block-size tables of the last run that had one, saying so.
  if [ -f "$kdir/kernel-tune.md" ]; then
    tuning=$(sed -n '/^## Block-size tuning/,$p' "$kdir/kernel-tune.md")
  else
    earlier=$(sed -n '1s/.*commit \([0-9a-f]*\).*/\1/p' "$res/kernel-$tag-tuning.md" 2>/dev/null || true)
    tuning=$(sed -n '/^## Block-size tuning/,$p' "$res/kernel-$tag-tuning.md" 2>/dev/null \
      | sed "1{/not re-run/!s/\$/ (not re-run this time: this section and those after it are from commit ${earlier:-unknown})/}")
  fi
  {
    echo "# Kernel tuning, pre-pass split and correctness on the $tag — $date, commit $commit"
    echo
    echo "Command (GPU machine): \`$cmd\`"
    echo
    echo "## Correctness"
    echo
    echo '```'
    grep -E "^(permutation blocks|sm90 path|G > 1 cases|suite:)" "$tmp/suite.log" || true
    echo "memcheck (small suite): $(grep -E 'ERROR SUMMARY' "$tmp/memcheck.log" | tail -1) / $(grep '^suite:' "$tmp/memcheck.log")"
    echo '```'
    echo
    sed -n '/^| dtype | d | G | metric/,/^$/p' "$tmp/suite.log"
    echo
    echo "## Where the time of a G = 2 call goes (PyTorch profiler, per kernel, fp16)"
    echo
    cat "$kdir/kernel-split.md"
    echo "$tuning"
  } > "$res/kernel-$tag-tuning.md.tmp"
  mv "$res/kernel-$tag-tuning.md.tmp" "$res/kernel-$tag-tuning.md"
  rm -rf "$tmp"
fi
if [ "$vdir" != - ] && [ -f "$vdir/vit-bench.md" ]; then
  {
    echo "# ViT speed from C# (sample \`benchmark\` command), $tag"
    echo
    echo "- Date: $date, commit $commit; command (GPU machine): \`$cmd\`"
    echo "- Exact = TorchSharp scaled_dot_product_attention; Reference = DistrAttention in TorchSharp ops; Native = the"
    echo "  sm_90a path through P/Invoke (hashing pre-pass + TMA/wgmma attention kernel)."
    echo
    cat "$vdir/vit-bench.md"
  } > "$res/vit-$tag.md"
  cp "$vdir/vit-bench.png" "$res/vit-$tag.png"
  if [ -f "$vdir/vit-bench.json" ]; then cp "$vdir/vit-bench.json" "$res/vit-$tag.json"; fi
fi
if [ "$vdir" != - ] && [ -f "$vdir/gpu-tests.txt" ]; then
  {
    echo "# C# GPU suite on the $tag — $date, commit $commit"
    echo
    echo "Command (GPU machine): \`$cmd\`"
    echo
    echo '```'
    cat "$vdir/gpu-tests.txt"
    echo '```'
  } > "$res/gpu-suite-$tag.md"
fi
if [ "$vdir" != - ] && [ -f "$vdir/train-bench.md" ]; then
  # The table states its own command, commit (COMMIT from gpu-suite.sh), date and device; fill in an unknown commit.
  sed "s/; commit unknown;/; commit $commit;/" "$vdir/train-bench.md" > "$res/train-$tag.md"
  cp "$vdir/train-bench.json" "$res/train-$tag.json"
  if [ -f "$vdir/train-bench-infer.png" ]; then cp "$vdir/train-bench-infer.png" "$res/train-$tag-infer.png"; fi
fi
echo "results in $res: $(ls "$res" | tr '\n' ' ')"
