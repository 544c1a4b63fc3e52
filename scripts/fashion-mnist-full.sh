#!/usr/bin/env bash
# Issue 17: the full Fashion-MNIST (60,000 training and 10,000 test images, 28x28 grey) as its four gzip IDX files
# (30 MB) in a git-ignored folder, default .fmnist/, taken from the Debian package dataset-fashion-mnist, which is
# installed when missing (apt-get, non-interactive; sudo only when not root). The sample reads the folder directly:
#   vit-sample train -d .fmnist        (trains on train-*, tests on t10k-*)
#   vit-sample evaluate -d .fmnist     (t10k-*)
# The files travel to a GPU host as they are, in a device call of their own: with the tree and the GPU bundle they
# would pass the 64 MiB a call carries (scripts/gpu-accuracy.sh expects them in .fmnist there).
# Usage: scripts/fashion-mnist-full.sh [OUTPUT_FOLDER]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/.fmnist}"
package=dataset-fashion-mnist
source=/usr/share/datasets/fashion-mnist
files=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)

if ! dpkg -s "$package" >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  echo "installing $package"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "$package" >/dev/null
fi

mkdir -p "$out"
for f in "${files[@]}"; do
  [ -f "$source/$f" ] || { echo "error: $source/$f is missing (package $package installed?)" >&2; exit 1; }
  cp "$source/$f" "$out/$f"
done

# Sizes, items (the first dimension of the IDX header) and sha256 of each file.
total=0
for f in "${files[@]}"; do
  bytes=$(stat -c %s "$out/$f")
  total=$((total + bytes))
  items=$( { gzip -dc "$out/$f" || true; } | head -c 8 | od -An -tu1 | awk '{print $5 * 16777216 + $6 * 65536 + $7 * 256 + $8}')
  printf '%-28s %10d bytes %6d items  sha256 %s\n' "$f" "$bytes" "$items" "$(sha256sum "$out/$f" | cut -d' ' -f1)"
done
awk -v b="$total" -v d="$out" 'BEGIN {printf "%s: %.1f MiB\n", d, b / 1048576}'
