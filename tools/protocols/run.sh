#!/usr/bin/env bash
# Starts the built jar on 127.0.0.1 with models/ and drives it with tritonclient[http] and the KServe SDK
# (tools/protocols/check.py) from a pinned venv. Needs target/salience-*.jar (./mvnw package) and python3 with venv.
# Usage: tools/protocols/run.sh            (PORT=18080 by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT="${PORT:-18080}"
# the actuator on its own port
MPORT="${MPORT:-$((PORT + 1))}"
VENV=tools/protocols/.venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r tools/protocols/requirements.txt
fi
JAR=$(ls target/salience-*.jar | grep -v plain | head -n1)
LOG=$(mktemp)
java -Xmx2g -jar "$JAR" --server.address=127.0.0.1 --server.port="$PORT" --management.server.port="$MPORT" --salience.models.dir=models \
  >"$LOG" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 1 180); do
  if curl -fsS "http://127.0.0.1:$MPORT/actuator/health/readiness" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$PID" 2>/dev/null; then cat "$LOG"; echo "server exited" >&2; exit 1; fi
  sleep 1
done
curl -fsS "http://127.0.0.1:$MPORT/actuator/health/readiness" >/dev/null || { tail -50 "$LOG"; exit 1; }
"$VENV/bin/python" tools/protocols/check.py --url "http://127.0.0.1:$PORT"
