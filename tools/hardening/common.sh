# Shared by the hardening scripts: start the service jar on 127.0.0.1 with the shipped defaults, stop it.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT=${OUT:-$ROOT/target/hardening}
JAVA_OPTS=${JAVA_OPTS:--Xmx1g -XX:NativeMemoryTracking=summary}
SERVER_ARGS=${SERVER_ARGS:-}
mkdir -p "$OUT"

command -v hey >/dev/null || { echo "hey is not installed: apt-get install -y hey" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is not installed: apt-get install -y curl" >&2; exit 2; }

JAR=${JAR:-$(ls "$ROOT"/target/salience-*.jar 2>/dev/null | grep -v original | head -1 || true)}
if [[ -z "$JAR" ]]; then
  echo "building the jar (./mvnw -q -DskipTests package)" >&2
  (cd "$ROOT" && ./mvnw -q -DskipTests package)
  JAR=$(ls "$ROOT"/target/salience-*.jar | grep -v original | head -1)
fi
cp "$JAR" "$OUT/salience.jar" # others may rebuild target/ meanwhile
JAR="$OUT/salience.jar"

SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 90); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap stop_server EXIT INT TERM

start_server() { # $1 = log name
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  BASE="http://127.0.0.1:$PORT"
  # shellcheck disable=SC2086
  java $JAVA_OPTS -jar "$JAR" --server.address=127.0.0.1 --server.port="$PORT" --salience.models.dir="$ROOT/models" \
    $SERVER_ARGS >"$OUT/server-$1.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 360); do
    curl -fs "$BASE/actuator/health/readiness" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server died, see $OUT/server-$1.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "server not ready after 180 s" >&2
  exit 1
}

# RSS MiB, threads, fds, NMT committed KiB of the server
sample() {
  local rss threads fds nmt
  rss=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$SERVER_PID/status")
  threads=$(awk '/Threads/ {print $2}' "/proc/$SERVER_PID/status")
  fds=$(ls "/proc/$SERVER_PID/fd" | wc -l)
  nmt=$(jcmd "$SERVER_PID" VM.native_memory summary 2>/dev/null | awk '/^Total:/ {for (i=1;i<=NF;i++) if ($i ~ /^committed=/) {sub("committed=","",$i); sub("KB","",$i); print $i}}')
  echo "$rss ${threads} ${fds} ${nmt:-0}"
}

body() { # $1 = png, $2 = out, $3 = boundary
  python3 "$ROOT/tools/load/make_body.py" "$1" "$2" "$3"
}

# a 50x50 PNG for the demo model, from the shared IDC patches if present, else generated
patch_png() {
  local p
  p=$(find "$ROOT/../shared/data/idc-patches" -name '*.png' 2>/dev/null | sort | head -1 || true)
  if [[ -z "$p" ]]; then
    p="$OUT/patch.png"
    python3 - "$p" <<'PY'
import struct, sys, zlib, random
random.seed(1)
w = h = 50
raw = b"".join(b"\x00" + bytes(random.randrange(256) for _ in range(3 * w)) for _ in range(h))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                              + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
  fi
  echo "$p"
}
