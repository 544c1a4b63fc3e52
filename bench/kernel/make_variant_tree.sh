#!/usr/bin/env bash
# Builds a source tree for a kernel A/B on the GPU machine (which has no git): HEAD's native/cuda plus the
# given patches (bench/kernel/versions/*.patch), in native/cuda/build-src-<name>/native/cuda (ignored by git,
# so it must be named in the device call's carry), then syntax-checks it (syntax_check/check.sh).
#   bench/kernel/make_variant_tree.sh <name> [patch ...]
# Use it as VARIANTS="... <name>:-:native/cuda/build-src-<name>/native/cuda" with ab_session.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
name=$1; shift
dst=native/cuda/build-src-$name
rm -rf "$dst"; mkdir -p "$dst"
git archive HEAD native/cuda | tar -x -C "$dst"
for p in "$@"; do git apply --directory="$dst" "$p"; done
echo "$dst/native/cuda: HEAD + ${*:-no patches}"
bench/kernel/syntax_check/check.sh "$dst/native/cuda"
