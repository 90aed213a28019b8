#!/usr/bin/env bash
# Builds the Salience image with no image registry, on a base made here from Debian packages, then runs it and checks
# what the Dockerfile promises: readiness, one saliency request, arguments after the image name reach the
# application, a non-root numeric user, a read-only root file system (only /tmp written), natives from the image.
#
# Needs root, docker (Debian's docker.io) and debootstrap; starts dockerd itself (vfs storage, no bridge; the build
# and the container use the host network) when no daemon answers. Usage: tools/container/build-and-run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BASE=salience-debian-jdk17:bookworm
IMAGE=salience:check
NAME=salience-check
PORT="${PORT:-18090}"
MPORT="${MPORT:-$((PORT + 1))}"

if ! docker info >/dev/null 2>&1; then
  dockerd --storage-driver=vfs --iptables=false --ip6tables=false --bridge=none >/tmp/salience-dockerd.log 2>&1 &
  for _ in $(seq 1 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null
fi

if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  echo "making $BASE from Debian packages (debootstrap bookworm + openjdk-17-jdk-headless)"
  ROOTFS=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$ROOTFS" http://deb.debian.org/debian >/dev/null
  mount -t proc proc "$ROOTFS/proc" # the JRE's post-install script runs java, which needs /proc
  chroot "$ROOTFS" bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends openjdk-17-jdk-headless ca-certificates && apt-get clean && rm -rf /var/lib/apt/lists/*' \
      >/dev/null || { umount "$ROOTFS/proc"; exit 1; }
  umount "$ROOTFS/proc"
  # trust what this host trusts (CA certificates only), so Maven in the build stage reaches Maven Central through
  # whatever TLS egress this machine has; on a plain network this changes nothing
  cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
  if [ -f /etc/ssl/certs/java/cacerts ]; then cp -L /etc/ssl/certs/java/cacerts "$ROOTFS/etc/ssl/certs/java/cacerts"; fi
  tar -C "$ROOTFS" -c . | docker import - "$BASE"
  rm -rf "$ROOTFS"
fi

start=$(date +%s)
docker build --network host --build-arg BUILD_IMAGE="$BASE" --build-arg RUNTIME_IMAGE="$BASE" -t "$IMAGE" .
echo "image built in $(($(date +%s) - start)) s: $(docker image inspect -f '{{.Size}}' "$IMAGE") bytes"

docker rm -f "$NAME" >/dev/null 2>&1 || true
trap 'docker logs "$NAME" >/tmp/salience-check.log 2>&1 || true; docker rm -f "$NAME" >/dev/null 2>&1 || true' EXIT
# the arguments after the image name are the application's: the container only listens where they say
docker run -d --name "$NAME" --network host --read-only --tmpfs /tmp "$IMAGE" \
  --server.address=127.0.0.1 --server.port="$PORT" --management.server.port="$MPORT" >/dev/null
start=$(date +%s)
for _ in $(seq 1 240); do
  curl -fsS "http://127.0.0.1:$MPORT/actuator/health/readiness" >/dev/null 2>&1 && break
  [ "$(docker inspect -f '{{.State.Running}}' "$NAME")" = true ] || { docker logs "$NAME"; exit 1; }
  sleep 1
done
curl -fsS "http://127.0.0.1:$MPORT/actuator/health/readiness"
echo
echo "PASS readiness UP after $(($(date +%s) - start)) s on the port given as docker run arguments"

uid=$(docker exec "$NAME" id -u)
[ "$uid" = 10001 ] && echo "PASS runs as uid $uid" || { echo "FAIL uid $uid"; exit 1; }
docker logs "$NAME" 2>&1 | grep -q "Using TensorFlow natives from /app/natives" \
  && echo "PASS natives from the image (/app/natives), nothing extracted" || { echo "FAIL natives"; exit 1; }

docker exec "$NAME" sh -c 'cat /app/models/idc-demo/saved_model/saved_model.pb > /dev/null'
python3 - "$PORT" <<'PY'
import struct, sys, urllib.request, uuid, zlib, json
w = h = 50
raw = b"".join(b"\x00" + bytes(v for x in range(w) for v in (x * 5 % 256, y * 5 % 256, x * y % 256)) for y in range(h))
c = lambda k, d: struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d))
png = b"\x89PNG\r\n\x1a\n" + c(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + c(b"IDAT", zlib.compress(raw)) + c(b"IEND", b"")
b = "----" + uuid.uuid4().hex
body = (f"--{b}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n").encode() + png + f"\r\n--{b}--\r\n".encode()
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/v1/models/idc-demo/saliency?method=grad-cam", data=body,
                             headers={"Content-Type": "multipart/form-data; boundary=" + b, "Accept": "application/json"})
with urllib.request.urlopen(req, timeout=60) as r:
    out = json.load(r)
assert r.status == 200 and out["shape"] == [12, 12] and len(out["map"]) == 144, out.keys()
print("PASS grad-cam saliency request: 200, map", out["shape"], "target", out["target"]["label"])
PY
# the protocol clients against the container too, when their venv is there (tools/protocols/run.sh makes it)
if [ -x tools/protocols/.venv/bin/python ]; then
  tools/protocols/.venv/bin/python tools/protocols/check.py --url "http://127.0.0.1:$PORT" | tail -n 1
fi
