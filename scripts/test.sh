#!/usr/bin/env bash
# Runs every test that needs no GPU: the native library's host tests (CMake + CTest), then the .NET tests.
# This is the README's test command and what CI runs (.ci/run).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

echo "== native/cuda host library and tests (no CUDA needed) =="
cmake -S native/cuda -B native/cuda/build-host -DCMAKE_BUILD_TYPE=Release -DDA_ENABLE_CUDA=OFF >/dev/null
cmake --build native/cuda/build-host -j "$(nproc)"
ctest --test-dir native/cuda/build-host --output-on-failure

echo "== .NET tests =="
dotnet test DistrAttention.sln -c Release --logger "console;verbosity=normal" "$@"
