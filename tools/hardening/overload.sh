#!/usr/bin/env bash
# Overload with the shipped defaults: tools/load/run.sh with batching on, capacity from 2 closed-loop clients (the
# shipped max-in-flight on 2 cores), then 3x that rate for 120 s and the recovery probe; adds the latency of the 503s.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT=${OUT:-$ROOT/target/hardening/overload}
export OUT
clients=$(python3 -c "import os; print(max(2, os.cpu_count()))")
BATCHING=true ENDPOINTS=gradient LEVELS="$clients" CELL_SECONDS=${CELL_SECONDS:-15} \
  OVERLOAD_SECONDS=${OVERLOAD_SECONDS:-120} OVERLOAD_FACTOR=3 "$ROOT/tools/load/run.sh"
python3 - "$OUT/overload-gradient.csv" <<'PY' | tee -a "$OUT/report.md"
import csv, sys
codes, rej = {}, []
for r in csv.DictReader(open(sys.argv[1])):
    c = r["status-code"].strip()
    codes[c] = codes.get(c, 0) + 1
    if c == "503":
        rej.append(float(r["response-time"]) * 1000)
rej.sort()
def pct(p): return rej[max(0, min(len(rej) - 1, int(-(-p * len(rej) // 100)) - 1))] if rej else float("nan")
print(f"\nstatus codes: {dict(sorted(codes.items()))}; 503 latency p50 {pct(50):.1f} ms, p99 {pct(99):.1f} ms")
PY
