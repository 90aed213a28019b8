#!/usr/bin/env bash
# Soak: the service with its shipped defaults, gradient saliency (JSON) at about 80 % of its capacity for
# SOAK_SECONDS (default 300), loopback only. Capacity = 200s per second with max-in-flight clients (the shipped
# default, one per core) in a 15 s closed-loop run. Samples RSS, threads, file descriptors and NMT committed memory
# every 10 s and compares the end with the sample after WARMUP_SECONDS (default 60). Prints a markdown summary.
set -euo pipefail
source "$(dirname "$0")/common.sh"
SOAK_SECONDS=${SOAK_SECONDS:-300}
WARMUP_SECONDS=${WARMUP_SECONDS:-60}
LOAD_FRACTION=${LOAD_FRACTION:-0.8}

BOUNDARY="salienceSoak$(date +%s)"
CT="multipart/form-data; boundary=$BOUNDARY"
body "$(patch_png)" "$OUT/soak.body" "$BOUNDARY"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start_server soak
URL="$BASE/v1/models/idc-demo/saliency?method=gradient"
clients=$(python3 -c "import os; print(max(2, os.cpu_count()))") # = the shipped max-in-flight
hey -n 40 -c 2 -m POST -T "$CT" -D "$OUT/soak.body" -A application/json "$URL" >/dev/null
hey -z 15s -c "$clients" -m POST -T "$CT" -D "$OUT/soak.body" -A application/json -o csv "$URL" >"$OUT/soak-capacity.csv"
read -r _ ok _ _ _ capacity _ _ < <(python3 "$ROOT/tools/load/stats.py" "$OUT/soak-capacity.csv" 15)
per_worker=$(python3 -c "print(round($LOAD_FRACTION * $capacity / $clients, 2))")
echo "capacity $capacity req/s with $clients clients; soaking at $per_worker req/s x $clients for ${SOAK_SECONDS}s" >&2

: >"$OUT/soak-samples.txt"
timeout $((SOAK_SECONDS + 60)) hey -z "${SOAK_SECONDS}s" -c "$clients" -q "$per_worker" -t 30 -m POST -T "$CT" \
  -D "$OUT/soak.body" -A application/json -o csv "$URL" >"$OUT/soak.csv" &
hey_pid=$!
t=0
while kill -0 "$hey_pid" 2>/dev/null; do
  echo "$t $(sample)" >>"$OUT/soak-samples.txt"
  sleep 10; t=$((t + 10))
done
wait "$hey_pid" || true
echo "$t $(sample)" >>"$OUT/soak-samples.txt"
curl -s "$BASE/actuator/prometheus" | grep -E '^salience_(requests|rejected)' >"$OUT/soak-metrics.txt" || true
read -r rows ok rej other _ rps p50 p99 < <(python3 "$ROOT/tools/load/stats.py" "$OUT/soak.csv" "$SOAK_SECONDS")
fivexx=$(python3 -c "
import csv
print(sum(1 for r in csv.DictReader(open('$OUT/soak.csv')) if r['status-code'].strip().startswith('5')))")
python3 - "$OUT/soak-samples.txt" "$WARMUP_SECONDS" <<PY | tee "$OUT/soak-report.md"
import sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
warm = int(sys.argv[2])
base = next(r for r in rows if r[0] >= warm)
end = rows[-1]
def d(i): return f"{base[i]} -> {end[i]} ({100.0 * (end[i] - base[i]) / base[i]:+.1f} %)" if base[i] else "n/a"
print()
print(f"### Soak (gradient JSON, {$SOAK_SECONDS} s at {$LOAD_FRACTION:.0%} of {$capacity} req/s, shipped defaults; load average before: $load_before)")
print()
print("| requests | 200 | 503 | other | 5xx | throughput | p50 | p99 | RSS MiB | threads | fds | NMT committed KiB |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
print(f"| $rows | $ok | $rej | $other | $fivexx | $rps req/s | $p50 ms | $p99 ms | {d(1)} | {d(2)} | {d(3)} | {d(4)} |")
print()
print(f"(resources: sample at {base[0]} s after the start of the soak -> end; load average after: {open('/proc/loadavg').read().split()[:3]})")
PY
