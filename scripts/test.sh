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
# The output is long and CI logs may keep only its ends: on failure, repeat each failed test's message last.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
dotnet test DistrAttention.sln -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
  echo "== failures (repeated from above) =="
  grep -E "error (CS|MSB|NU)[0-9]+" "$log" | sort -u | head -20 || true
  awk '/^ *Failed [A-Za-z_]/ { n = 30 } n > 0 { print; n-- }' "$log" | head -200
fi
exit "$rc"
