#!/usr/bin/env bash
# Instruction mix of every sm_90a attention kernel instance in a built library (one line each):
#   bench/kernel/sass_stats.sh path/to/libdistr_attention.so [filter-regex]
set -euo pipefail
so=$1; filter=${2:-fwd_kernel_sm90}
cuobjdump -sass "$so" | awk -v f="$filter" '
  /Function :/ { if (name != "") report(); name = $3; on = (name ~ f); delete n; next }
  on && /\/\*[0-9a-f]+\*\// { op = $2; if (op ~ /^@/) op = $3; sub(/;$/, "", op); split(op, parts, "."); n[parts[1]]++;
                              if (op ~ /^MUFU/) n[op]++ }
  function report() { if (!on) return; m = ""; for (k in n) if (k ~ /^MUFU\./) m = m " " k "=" n[k]
      printf "%s%s HGMMA %d FFMA %d FADD %d FMUL %d FMNMX %d F2FP %d HADD2 %d SHF %d IMAD %d LDL %d STL %d\n",
      name, m, n["HGMMA"], n["FFMA"], n["FADD"], n["FMUL"], n["FMNMX"], n["F2FP"], n["HADD2"], n["SHF"], n["IMAD"], n["LDL"], n["STL"] }
  END { report() }' | c++filt | sed -E 's/da::sm90::fwd_kernel_sm90<da::sm90::Sm90Traits<//; s/> >\(da::sm90::Sm90Params\)//'
