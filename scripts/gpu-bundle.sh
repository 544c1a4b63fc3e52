#!/usr/bin/env bash
# Runs HERE (no GPU needed): publishes the GPU bundle into .gpu-bundle/ — one self-contained single-file linux-x64 app,
# distrattention-gpu (bench/DeviceHost: the C# GPU suite of tests/DistrAttention.GpuTests; `distrattention-gpu sample
# ...` runs the sample CLI, e.g. `sample benchmark`), built with -p:DistrAttentionGpuBundle=true so it carries no
# libtorch (it runs on the GPU host's PyTorch libtorch). One app instead of two keeps one .NET runtime (~40 MB) in it.
# A device call carries the tree (without ignored files) and the bundle, 64 MiB at most: the bundle must stay within
# 55 MiB, and both together within 64 MiB. The embedded data set (IDX files, 5 MB) travels in the tree, not here.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="$root/.gpu-bundle"
rm -rf "$out"
dotnet publish bench/DeviceHost/DeviceHost.csproj -c Release -r linux-x64 --self-contained \
    -p:DistrAttentionGpuBundle=true -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true \
    -p:DebugType=none -p:GenerateDocumentationFile=false -o "$out" >/tmp/gpu-bundle-publish.log 2>&1 \
    || { tail -30 /tmp/gpu-bundle-publish.log; exit 1; }
# Not needed at run time: ML.NET's LDA library (unused) and its debug symbols, documentation, pdbs, the sample's own
# runtimeconfig (the sample runs inside distrattention-gpu) and its copy of its data set (gpu-suite.sh points
# VIT_SAMPLE_DATA at the tree's).
rm -rf "$out"/*.dbg "$out"/*.xml "$out"/*.pdb "$out"/libLdaNative.so "$out/data" "$out"/vit-sample.runtimeconfig.json
# Symbol tables of the plotting libraries are not needed to run (saves ~2.5 MB). libLibTorchSharp.so is left
# byte-identical: the runtime's libstdc++ compatibility patch reads its ELF version sections.
if command -v strip >/dev/null; then strip --strip-unneeded "$out"/libSkiaSharp.so "$out"/libHarfBuzzSharp.so; fi
if ls "$out"/libtorch*.so >/dev/null 2>&1; then
    echo "error: the bundle contains libtorch (DistrAttentionGpuBundle not honoured)" >&2; exit 1
fi
mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }
bytes=$(find "$out" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
# The tree as a device call carries it: tracked and untracked files that git does not ignore.
tree=$( { git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s 2>/dev/null || true; } | awk '{s += $1} END {print s + 0}')
echo "GPU bundle: $out ($(mib "$bytes") MiB): $(cd "$out" && ls | tr '\n' ' ')"
echo "tree without ignored files: $(mib "$tree") MiB; tree + bundle: $(mib $((tree + bytes))) MiB (limit 64)"
[ "$bytes" -le $((55 * 1048576)) ] || { echo "error: bundle is $(mib "$bytes") MiB, over the 55 MiB limit" >&2; exit 1; }
[ $((tree + bytes)) -le $((64 * 1048576)) ] || { echo "error: tree + bundle is $(mib $((tree + bytes))) MiB, over the 64 MiB a device call carries" >&2; exit 1; }
