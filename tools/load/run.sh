#!/usr/bin/env bash
# Load benchmark of the inference pool: see tools/load/README.md.
# Starts the service on 127.0.0.1 (random free port) with the demo model, drives it with hey using multipart uploads
# of a real IDC patch, prints markdown tables, stops the server. Loopback only, bounded in time and requests.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

CELL_SECONDS=${CELL_SECONDS:-15}           # duration of each sweep cell (endpoint x clients x batching)
LEVELS=${LEVELS:-"1 4 16"}                 # concurrent clients
ENDPOINTS=${ENDPOINTS:-"predict gradient grad-cam"}
BATCHING=${BATCHING:-"true false"}
OVERLOAD_ENDPOINT=${OVERLOAD_ENDPOINT:-gradient}
OVERLOAD_SECONDS=${OVERLOAD_SECONDS:-120}  # 0 skips the overload run
OVERLOAD_FACTOR=${OVERLOAD_FACTOR:-3}
RECOVERY_SECONDS=${RECOVERY_SECONDS:-10}
QUEUE_CAPACITY=${QUEUE_CAPACITY:-}         # optional salience.pool.queue-capacity override
MAX_QUEUE_WAIT=${MAX_QUEUE_WAIT:-}         # optional salience.pool.max-queue-wait, e.g. 20ms
MAX_IN_FLIGHT=${MAX_IN_FLIGHT:-}           # optional salience.pool.max-in-flight, e.g. 3
OVERLOAD_PROCS=${OVERLOAD_PROCS:-64}       # hey processes of the overload run, started phase-staggered
SERVER_ARGS=${SERVER_ARGS:-}               # extra server arguments, e.g. --server.tomcat.threads.max=8
SERVER_CPUS=${SERVER_CPUS:-}               # optional taskset CPU list for the server, e.g. 0
CLIENT_CPUS=${CLIENT_CPUS:-}               # optional taskset CPU list for hey, e.g. 1
SERVER_PIN=(); CLIENT_PIN=()
[[ -n "$SERVER_CPUS" ]] && SERVER_PIN=(taskset -c "$SERVER_CPUS")
[[ -n "$CLIENT_CPUS" ]] && CLIENT_PIN=(taskset -c "$CLIENT_CPUS")
PATCH=${PATCH:-}                           # a PNG; default: first patch under $PATCHES
PATCHES=${PATCHES:-$ROOT/../shared/data/idc-patches}
JAVA_OPTS=${JAVA_OPTS:--Xmx1g}
OUT=${OUT:-$ROOT/target/load}
# JAR: the service jar; default target/salience-*.jar, built when missing
MODEL=idc-demo

command -v hey >/dev/null || { echo "hey is not installed: apt-get install -y hey" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is not installed: apt-get install -y curl" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 2; }

mkdir -p "$OUT"
JAR=${JAR:-$(ls target/salience-*.jar 2>/dev/null | grep -v original | head -1 || true)}
if [[ -z "$JAR" ]]; then
  echo "building the jar (./mvnw -q -DskipTests package)" >&2
  ./mvnw -q -DskipTests package
  JAR=$(ls target/salience-*.jar | grep -v original | head -1)
fi
# Copy the jar: others may rebuild target/ while this runs.
cp "$JAR" "$OUT/salience.jar"
JAR="$OUT/salience.jar"

if [[ -z "$PATCH" ]]; then
  PATCH=$(find "$PATCHES" -name '*.png' 2>/dev/null | sort | head -1 || true)
  [[ -n "$PATCH" ]] || { echo "no PNG patch under $PATCHES; set PATCH=some.png" >&2; exit 2; }
fi
BOUNDARY="salienceLoad$(date +%s)"
CT="multipart/form-data; boundary=$BOUNDARY"
BODY="$OUT/body.multipart"
python3 tools/load/make_body.py "$PATCH" "$BODY" "$BOUNDARY"

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

start_server() { # $1 = batching true|false, $2 = log name; overload settings apply when $2 is "overload"
  PORT=$(free_port)
  BASE="http://127.0.0.1:$PORT"
  # the actuator on its own port
  MPORT=$(free_port)
  MBASE="http://127.0.0.1:$MPORT"
  local extra=()
  [[ -n "$QUEUE_CAPACITY" ]] && extra+=("--salience.pool.queue-capacity=$QUEUE_CAPACITY")
  if [[ "${2:-}" == overload ]]; then
    [[ -n "$MAX_QUEUE_WAIT" ]] && extra+=("--salience.pool.max-queue-wait=$MAX_QUEUE_WAIT")
    [[ -n "$MAX_IN_FLIGHT" ]] && extra+=("--salience.pool.max-in-flight=$MAX_IN_FLIGHT")
  fi
  # shellcheck disable=SC2206
  [[ -n "$SERVER_ARGS" ]] && extra+=($SERVER_ARGS)
  # shellcheck disable=SC2086
  "${SERVER_PIN[@]}" java $JAVA_OPTS -jar "$JAR" --server.address=127.0.0.1 --server.port="$PORT" --management.server.port="$MPORT" \
    --salience.models.dir="$ROOT/models" --salience.pool.batching="$1" "${extra[@]}" \
    >"$OUT/server-${2:-batching-$1}.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 360); do
    if curl -fs "$MBASE/actuator/health/readiness" >/dev/null 2>&1; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server died, see $OUT/server-${2:-batching-$1}.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "server not ready after 180 s, see $OUT/server-batching-$1.log" >&2
  exit 1
}

url_of() {
  case "$1" in
    predict) echo "$BASE/v1/models/$MODEL/predict" ;;
    gradient) echo "$BASE/v1/models/$MODEL/saliency?method=gradient" ;;
    grad-cam) echo "$BASE/v1/models/$MODEL/saliency?method=grad-cam" ;;
    *) echo "unknown endpoint $1" >&2; exit 2 ;;
  esac
}
accept_of() { # predict and gradient: JSON; grad-cam: PNG
  case "$1" in grad-cam) echo "image/png" ;; *) echo "application/json" ;; esac
}

hey_run() { # endpoint csv hey-args...
  local ep=$1 csv=$2
  shift 2
  "${CLIENT_PIN[@]}" hey "$@" -m POST -T "$CT" -D "$BODY" -A "$(accept_of "$ep")" -o csv "$(url_of "$ep")" >"$csv"
}

declare -A RPS P50 P99
RESULTS="$OUT/results.tsv"
: >"$RESULTS"
echo "machine: $(nproc) CPUs, $(uname -m), load before start: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/machine.txt" >&2

for b in $BATCHING; do
  start_server "$b"
  echo "server on $BASE (batching=$b)" >&2
  for ep in $ENDPOINTS; do # warm-up (JIT, first batches), not measured
    hey_run "$ep" "$OUT/warmup.csv" -n 40 -c 4
  done
  for ep in $ENDPOINTS; do
    for c in $LEVELS; do
      csv="$OUT/$ep-c$c-batching-$b.csv"
      timeout $((CELL_SECONDS + 60)) "${CLIENT_PIN[@]}" hey -z "${CELL_SECONDS}s" -c "$c" -m POST -T "$CT" -D "$BODY" \
        -A "$(accept_of "$ep")" -o csv "$(url_of "$ep")" >"$csv"
      read -r rows ok rej other errors rps p50 p99 < <(python3 tools/load/stats.py "$csv" "$CELL_SECONDS")
      RPS[$ep,$c,$b]=$rps; P50[$ep,$c,$b]=$p50; P99[$ep,$c,$b]=$p99
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ep" "$c" "$b" "$rps" "$p50" "$p99" "$ok" "$((rej + other))" >>"$RESULTS"
      echo "  $ep c=$c batching=$b: $rps req/s, p50 $p50 ms, p99 $p99 ms ($ok ok, $rej 503, $other other)" >&2
    done
  done
  if [[ "$b" == true && "$OVERLOAD_SECONDS" -gt 0 ]]; then
    # ---- overload: the sustainable rate comes from the sweep (default settings); the overload server is started
    # afresh with the overload settings (MAX_IN_FLIGHT, MAX_QUEUE_WAIT), and its unloaded p99 is measured on it.
    ep=$OVERLOAD_ENDPOINT
    sustainable=0
    for c in $LEVELS; do
      sustainable=$(python3 -c "print(max($sustainable, ${RPS[$ep,$c,$b]}))")
    done
    if ! python3 -c "import sys; sys.exit(0 if $sustainable > 0 else 1)"; then
      echo "no successful $ep requests in the sweep; skipping the overload run" >&2
      stop_server; continue
    fi
    stop_server
    start_server true overload
    echo "overload server on $BASE (max-in-flight ${MAX_IN_FLIGHT:-off}, max-queue-wait ${MAX_QUEUE_WAIT:-off})" >&2
    hey_run "$ep" "$OUT/warmup.csv" -n 40 -c 4
    csv="$OUT/overload-$ep-unloaded.csv"
    timeout $((CELL_SECONDS + 60)) "${CLIENT_PIN[@]}" hey -z "${CELL_SECONDS}s" -c 1 -m POST -T "$CT" -D "$BODY" \
      -A "$(accept_of "$ep")" -o csv "$(url_of "$ep")" >"$csv"
    read -r _ _ _ _ _ _ _ unloaded_p99 < <(python3 tools/load/stats.py "$csv" "$CELL_SECONDS")
    rate=$(python3 -c "print(round($OVERLOAD_FACTOR * $sustainable, 1))")
    # hey -q paces each worker with its own ticker and all workers of one hey start together, so one hey with
    # W workers sends bursts of W requests once per W/rate seconds. The offered load is spread instead over
    # OVERLOAD_PROCS hey processes whose start times are staggered across that period: bursts of
    # W/OVERLOAD_PROCS requests, evenly spaced.
    procs=$OVERLOAD_PROCS
    workers=$(python3 -c "import math; w = min(512, max(16, math.ceil($rate))); print(math.ceil(w / $procs) * $procs)")
    per_proc=$((workers / procs))
    per_worker=$(python3 -c "print(round($rate / $workers, 3))")
    sent_per_worker=$(python3 -c "import math; print(math.ceil($per_worker * $OVERLOAD_SECONDS))")
    sent=$((sent_per_worker * workers))
    stagger=$(python3 -c "print(round(1 / $per_worker / $procs, 4))")
    # Single-request latency as seen by curl (the recovery probe), unloaded.
    probe() {
      curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -X POST -H "Content-Type: $CT" \
        -H "Accept: $(accept_of "$ep")" --data-binary "@$BODY" "$(url_of "$ep")"
    }
    probe_base=$(for _ in $(seq 1 30); do probe; sleep 0.05; done | awk '$1==200 {print $2*1000}' | sort -n | awk '{a[NR]=$1} END {print a[int(NR*0.99+0.999)]}')
    echo "overload: $ep, sustainable $sustainable req/s, driving $rate req/s ($procs hey x $per_proc clients x $per_worker req/s, staggered by ${stagger}s) for ${OVERLOAD_SECONDS}s, $sent requests" >&2
    csv="$OUT/overload-$ep.csv"
    start_ns=$(date +%s%N)
    hey_pids=()
    for p in $(seq 1 "$procs"); do
      timeout $((OVERLOAD_SECONDS * 2 + 60)) "${CLIENT_PIN[@]}" hey -n "$((sent_per_worker * per_proc))" -c "$per_proc" \
        -q "$per_worker" -t 60 -m POST -T "$CT" -D "$BODY" -A "$(accept_of "$ep")" -o csv "$(url_of "$ep")" \
        >"$OUT/overload-$ep-$p.csv" &
      hey_pids+=($!)
      sleep "$stagger"
    done
    wait "${hey_pids[@]}" || true
    end_ns=$(date +%s%N)
    head -1 "$OUT/overload-$ep-1.csv" >"$csv"
    for p in $(seq 1 "$procs"); do tail -n +2 "$OUT/overload-$ep-$p.csv" >>"$csv"; rm -f "$OUT/overload-$ep-$p.csv"; done
    elapsed=$(python3 -c "print(($end_ns - $start_ns) / 1e9)")
    # Recovery: poll single requests until 3 in a row are 200 within 2x the unloaded probe p99.
    limit=$(python3 -c "print(2 * $probe_base)")
    recovered=""; streak=0; probes="$OUT/recovery.txt"; : >"$probes"
    rec_start=$(date +%s%N)
    while :; do
      now=$(date +%s%N)
      t=$(python3 -c "print(round(($now - $rec_start) / 1e9, 2))")
      read -r code secs < <(probe)
      ms=$(python3 -c "print(round($secs * 1000, 1))")
      echo "$t $code $ms" >>"$probes"
      if [[ "$code" == 200 ]] && python3 -c "import sys; sys.exit(0 if $ms <= $limit else 1)"; then
        streak=$((streak + 1))
        [[ $streak -eq 1 ]] && first_ok=$t
        if [[ $streak -ge 3 ]]; then recovered=$first_ok; break; fi
      else
        streak=0
      fi
      python3 -c "import sys; sys.exit(0 if $t < 30 else 1)" || break
      sleep 0.1
    done
    read -r rows ok rej other errors rps p50 p99 < <(python3 tools/load/stats.py "$csv" "$elapsed" "$sent")
    achieved=$(python3 -c "print(round($rows / $elapsed, 1))")
    ratio=$(python3 -c "print(round($p99 / $unloaded_p99, 2))")
    curl -s "$MBASE/actuator/prometheus" >"$OUT/overload-prometheus.txt" || true
    grep -E '^salience_(requests|rejected)' "$OUT/overload-prometheus.txt" >"$OUT/overload-metrics.txt" || true
    OVERLOAD_SUMMARY=$(cat <<MD

### Overload ($ep, batching on, ${OVERLOAD_SECONDS} s, max-in-flight ${MAX_IN_FLIGHT:-off}, max-queue-wait ${MAX_QUEUE_WAIT:-off})

| sustainable | offered | achieved | sent | 200 | 503 | other status | transport errors | accepted p50 | accepted p99 | unloaded p99 (1 client) | p99 ratio | recovery (3 probes in a row ≤ 2× ${probe_base} ms) |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
| $sustainable req/s | $rate req/s | $achieved req/s | $sent | $ok | $rej | $other | $errors | $p50 ms | $p99 ms | $unloaded_p99 ms | $ratio | ${recovered:-not within 30} s |
MD
)
  fi
  stop_server
done

{
  echo
  echo "### Throughput and latency (${CELL_SECONDS} s per cell; $(cat "$OUT/machine.txt"))"
  echo
  echo "| endpoint | clients | batching on: req/s | p50 ms | p99 ms | batching off: req/s | p50 ms | p99 ms | speed-up |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for ep in $ENDPOINTS; do
    for c in $LEVELS; do
      on=${RPS[$ep,$c,true]:-}; off=${RPS[$ep,$c,false]:-}
      sp=""
      [[ -n "$on" && -n "$off" ]] && sp=$(python3 -c "print(f'{$on / $off:.2f}x' if $off > 0 else '')")
      echo "| $ep | $c | ${on:--} | ${P50[$ep,$c,true]:--} | ${P99[$ep,$c,true]:--} | ${off:--} | ${P50[$ep,$c,false]:--} | ${P99[$ep,$c,false]:--} | ${sp:--} |"
    done
  done
  echo "${OVERLOAD_SUMMARY:-}"
} | tee "$OUT/report.md"
