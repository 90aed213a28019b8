#!/usr/bin/env bash
# Bounded Schemathesis (4.x) run of the committed openapi.yaml against a
# running Salience server. Every check is on (--checks all), nothing excluded.
#
#   ./schemathesis.sh [BASE_URL]            default http://127.0.0.1:8080
#   env: MAX_EXAMPLES (default 30 per operation and phase), MAX_TIME (default 600 s,
#        whole run), WORKERS (default 2), SEED (default 1), REQUEST_TIMEOUT (default 60 s),
#        PHASES (default examples,coverage,fuzzing,stateful), SPEC (default ../../openapi.yaml)
# Reports (JUnit + HAR with every request/response + ndjson events) go to
# build/schemathesis-report/. Exit status: Schemathesis's (non-zero on any failure).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
URL="${1:-${SALIENCE_URL:-http://127.0.0.1:8080}}"
SPEC="${SPEC:-$ROOT/openapi.yaml}"
ST="${SCHEMATHESIS:-$HERE/.venv/bin/schemathesis}"
REPORT_DIR="$HERE/build/schemathesis-report"
mkdir -p "$REPORT_DIR"

# readiness first, so a cold server does not read as failures
for _ in $(seq 1 60); do
  if curl -fsS "$URL/actuator/health/readiness" >/dev/null 2>&1; then break; fi
  sleep 1
done

exec "$ST" run "$SPEC" \
  --url "$URL" \
  --checks all \
  --phases "${PHASES:-examples,coverage,fuzzing,stateful}" \
  --max-examples "${MAX_EXAMPLES:-30}" \
  --max-time "${MAX_TIME:-600}" \
  --workers "${WORKERS:-2}" \
  --seed "${SEED:-1}" \
  --request-timeout "${REQUEST_TIMEOUT:-60}" \
  --generation-database none \
  --continue-on-failure \
  --no-color \
  --report junit,har,ndjson \
  --report-dir "$REPORT_DIR"
