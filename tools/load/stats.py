#!/usr/bin/env python3
"""Summarises a hey CSV (-o csv): status counts, throughput, p50/p99 of 200 responses.

Usage: stats.py FILE.csv DURATION_S [SENT]
Prints one line: rows ok rejected other errors rps p50_ms p99_ms
(rps = 200 responses per second of DURATION_S; errors = SENT - rows when SENT is given, else 0).
"""
import csv
import sys


def pct(sorted_values, p):
    if not sorted_values:
        return float("nan")
    # nearest rank
    k = max(0, min(len(sorted_values) - 1, int(-(-p * len(sorted_values) // 100)) - 1))
    return sorted_values[k]


path, duration = sys.argv[1], float(sys.argv[2])
sent = int(sys.argv[3]) if len(sys.argv) > 3 else None
ok, rej, other = [], 0, 0
rows = 0
with open(path, newline="") as f:
    for row in csv.DictReader(f):
        rows += 1
        code = row["status-code"].strip()
        if code == "200":
            ok.append(float(row["response-time"]) * 1000)
        elif code == "503":
            rej += 1
        else:
            other += 1
ok.sort()
errors = (sent - rows) if sent is not None else 0
print(
    rows,
    len(ok),
    rej,
    other,
    errors,
    f"{len(ok) / duration:.1f}",
    f"{pct(ok, 50):.1f}",
    f"{pct(ok, 99):.1f}",
)
