#!/usr/bin/env bash
# Profiles a predict and a gradient request end to end with JDK Flight Recorder, then measures the fixed cost per
# request (HTTP time minus the service's own compute timing). See docs/profile/README.md.
#
# Starts the service with models/ (idc-demo, 50x50) on 127.0.0.1 and random free ports, warms it up, and for each of
# predict and gradient: starts a JFR recording (profile settings, Java samples every PERIOD), drives the endpoint with
# hey on kept-alive connections for SECONDS, stops the recording and turns its jdk.ExecutionSample events into folded
# stacks and an SVG flame graph (tools/bench/jfr_flame.py). Then, without a recording, runs tools/bench/fixed_cost.py.
# Loopback only; the server is stopped on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

SECONDS_PER_PROFILE=${SECONDS_PER_PROFILE:-40}  # load duration of each recording
CLIENTS=${CLIENTS:-1}                            # concurrent hey clients (each one kept-alive connection)
PERIOD=${PERIOD:-1ms}                            # jdk.ExecutionSample period
ENDPOINTS=${ENDPOINTS:-"predict gradient"}
FIXED_N=${FIXED_N:-500}                          # measured requests of fixed_cost.py; 0 skips it
FIXED_WARMUP=${FIXED_WARMUP:-200}
MIN_WIDTH=${MIN_WIDTH:-0.002}                    # smallest frame drawn in the SVG, share of samples
PATCH=${PATCH:-}                                 # a PNG; default: first patch under $PATCHES
PATCHES=${PATCHES:-$ROOT/../shared/data/idc-patches}
JAVA_OPTS=${JAVA_OPTS:--Xmx1g}
OUT=${OUT:-$ROOT/target/profile}
SERVER_ARGS=${SERVER_ARGS:-}                     # extra server arguments
MODEL=idc-demo

command -v hey >/dev/null || { echo "hey is not installed: apt-get install -y hey" >&2; exit 2; }
for t in curl python3 jcmd jfr; do
  command -v "$t" >/dev/null || { echo "$t is required" >&2; exit 2; }
done

mkdir -p "$OUT"
JAR=${JAR:-$(ls target/salience-*.jar 2>/dev/null | grep -v original | head -1 || true)}
if [[ -z "$JAR" ]]; then
  echo "building the jar (./mvnw -q -DskipTests package)" >&2
  ./mvnw -q -DskipTests package
  JAR=$(ls target/salience-*.jar | grep -v original | head -1)
fi
cp "$JAR" "$OUT/salience.jar" # others may rebuild target/ while this runs
JAR="$OUT/salience.jar"

if [[ -z "$PATCH" ]]; then
  PATCH=$(find "$PATCHES" -name '*.png' 2>/dev/null | sort | head -1 || true)
  [[ -n "$PATCH" ]] || { echo "no PNG patch under $PATCHES; set PATCH=some.png" >&2; exit 2; }
fi
BOUNDARY="salienceProfile$(date +%s)"
CT="multipart/form-data; boundary=$BOUNDARY"
BODY="$OUT/body.multipart"
python3 tools/load/make_body.py "$PATCH" "$BODY" "$BOUNDARY"

# profile.jfc with a finer Java sampling period
jfr configure --input profile "jdk.ExecutionSample#period=$PERIOD" --output "$OUT/profile.jfc" >/dev/null

SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap stop_server EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
PORT=$(free_port)
MPORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
# stackdepth: Spring's filter chains are deeper than JFR's default of 64 frames
# shellcheck disable=SC2086,SC2206
java $JAVA_OPTS -XX:FlightRecorderOptions:stackdepth=1024 -jar "$JAR" --server.address=127.0.0.1 --server.port="$PORT" \
  --management.server.port="$MPORT" --salience.models.dir="$ROOT/models" $SERVER_ARGS >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for i in $(seq 1 360); do
  curl -fs "http://127.0.0.1:$MPORT/actuator/health/readiness" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server died, see $OUT/server.log" >&2; exit 1; }
  [[ $i == 360 ]] && { echo "server not ready after 180 s, see $OUT/server.log" >&2; exit 1; }
  sleep 0.5
done

url_of() {
  case "$1" in
    predict) echo "$BASE/v1/models/$MODEL/predict" ;;
    gradient) echo "$BASE/v1/models/$MODEL/saliency?method=gradient" ;;
    *) echo "unknown endpoint $1" >&2; exit 2 ;;
  esac
}
drive() { # endpoint hey-args...
  local ep=$1
  shift
  hey "$@" -m POST -T "$CT" -D "$BODY" -A application/json "$(url_of "$ep")"
}

echo "machine: $(nproc) CPUs, load before start: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/machine.txt" >&2
for ep in $ENDPOINTS; do # warm-up: JIT, pools
  drive "$ep" -n 1000 -c "$CLIENTS" >/dev/null
done

for ep in $ENDPOINTS; do
  jcmd "$SERVER_PID" JFR.start name="$ep" settings="$OUT/profile.jfc" filename="$OUT/$ep.jfr" >/dev/null
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  drive "$ep" -z "${SECONDS_PER_PROFILE}s" -c "$CLIENTS" >"$OUT/$ep-hey.txt"
  load_after=$(cut -d' ' -f1-3 /proc/loadavg)
  jcmd "$SERVER_PID" JFR.stop name="$ep" >/dev/null
  {
    echo "$ep: $(grep -m1 'Requests/sec' "$OUT/$ep-hey.txt" | xargs), $CLIENTS client(s), ${SECONDS_PER_PROFILE} s;" \
      "load average before $load_before, after $load_after"
    # the JSON is gigabytes (every frame with its method's description): piped, read event by event
    jfr print --json --stack-depth 1024 --events jdk.ExecutionSample "$OUT/$ep.jfr" |
      python3 tools/bench/jfr_flame.py - --folded "$OUT/$ep.folded" --svg "$OUT/$ep.svg" \
      --min-width "$MIN_WIDTH" --top 25 \
      --title "$ep on $MODEL (50x50), JFR jdk.ExecutionSample every $PERIOD, $CLIENTS kept-alive client(s)"
  } | tee "$OUT/$ep-top.txt"
done

if [[ "$FIXED_N" -gt 0 ]]; then
  python3 tools/bench/fixed_cost.py "$BASE" "$BODY" "$BOUNDARY" "$FIXED_N" "$FIXED_WARMUP" "$MODEL" \
    | tee "$OUT/fixed-cost.txt"
fi
echo "results in $OUT" >&2
