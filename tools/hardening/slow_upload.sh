#!/usr/bin/env bash
# Slow-upload test with the shipped defaults: starts the service, runs slow_upload.py (8 uploads trickling one byte
# every 2 s, ordinary predicts for 60 s), stops it.
set -euo pipefail
source "$(dirname "$0")/common.sh"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start_server slow-upload
echo "load average before: $load_before" | tee "$OUT/slow-upload-report.md"
timeout 180 python3 "$ROOT/tools/hardening/slow_upload.py" "$BASE" "$(patch_png)" "${SLOW:-8}" "${INTERVAL:-2}" \
  "${DURATION:-60}" | tee -a "$OUT/slow-upload-report.md"
