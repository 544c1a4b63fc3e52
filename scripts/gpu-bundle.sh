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
# Not needed at run time: ML.NET's LDA debug symbols, documentation files.
rm -f "$out"/*.dbg "$out"/*.xml "$out"/*.pdb
if ls "$out"/libtorch*.so >/dev/null 2>&1; then
    echo "error: the bundle contains libtorch (DistrAttentionGpuBundle not honoured)" >&2; exit 1
fi
size=$(du -sm --apparent-size "$out" | cut -f1)
echo "GPU bundle: $out (${size} MB)"
[ "$size" -lt 60 ] || { echo "error: bundle is ${size} MB, over the 60 MB limit" >&2; exit 1; }
