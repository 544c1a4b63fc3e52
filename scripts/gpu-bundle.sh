#!/usr/bin/env bash
# Runs HERE (no GPU needed): publishes the GPU bundle into .gpu-bundle/ — one self-contained single-file linux-x64 app,
# distrattention-gpu (the C# GPU suite; `distrattention-gpu sample ...` runs the sample CLI, e.g. `sample benchmark`),
# built with -p:DistrAttentionGpuBundle=true so it carries no libtorch (it runs on the GPU host's PyTorch libtorch).
# One app instead of two keeps the bundle under 60 MB (two apps would each carry the .NET runtime, ~40 MB).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="$root/.gpu-bundle"
rm -rf "$out"
dotnet publish tests/DistrAttention.GpuTests/DistrAttention.GpuTests.csproj -c Release -r linux-x64 --self-contained \
    -p:DistrAttentionGpuBundle=true -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true \
    -p:DebugType=none -p:GenerateDocumentationFile=false -o "$out" >/tmp/gpu-bundle-publish.log 2>&1 \
    || { tail -30 /tmp/gpu-bundle-publish.log; exit 1; }
# Not needed at run time: ML.NET's LDA library (unused) and its debug symbols, documentation, pdbs.
rm -f "$out"/*.dbg "$out"/*.xml "$out"/*.pdb "$out"/libLdaNative.so
# Symbol tables of the plotting libraries are not needed to run (saves ~2.5 MB). libLibTorchSharp.so is left
# byte-identical: the runtime's libstdc++ compatibility patch reads its ELF version sections.
if command -v strip >/dev/null; then strip --strip-unneeded "$out"/libSkiaSharp.so "$out"/libHarfBuzzSharp.so; fi
if ls "$out"/libtorch*.so >/dev/null 2>&1; then
    echo "error: the bundle contains libtorch (DistrAttentionGpuBundle not honoured)" >&2; exit 1
fi
# The embedded data set travels with the repository anyway: gpu-suite.sh points VIT_SAMPLE_DATA at it. It is
# also packed as one archive (5 MB instead of 11,000 small files), so that a transfer that counts files can
# leave the tree's copy behind: gpu-suite.sh unpacks the archive when the folder is missing.
rm -rf "$out/data"
tar czf "$out/sample-data.tgz" -C "$root/samples/ImageClassification" data
bytes=$(find "$out" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
size=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1048576}')
echo "GPU bundle: $out (${size} MiB): $(cd "$out" && ls | tr '\n' ' ')"
[ "$bytes" -lt $((61 * 1048576)) ] || { echo "error: bundle is ${size} MiB, over the 61 MiB limit" >&2; exit 1; }
