#!/usr/bin/env python3
"""Slow uploads against a running service (loopback only, bounded in time).

Opens SLOW uploads to /v1/models/idc-demo/predict that send their multipart body one byte every INTERVAL seconds,
and meanwhile sends ordinary predict requests one after another for DURATION seconds. Prints the statuses and
latencies of the ordinary requests and how many model requests the service had admitted while the slow ones
trickled (salience_requests_in_flight). With admission counted from the end of the upload, every ordinary request
is served.

Usage: slow_upload.py BASE_URL PNG [SLOW=8] [INTERVAL=2] [DURATION=60]
"""
import http.client
import socket
import sys
import threading
import time
import urllib.parse

base, png = sys.argv[1], open(sys.argv[2], "rb").read()
slow = int(sys.argv[3]) if len(sys.argv) > 3 else 8
interval = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
duration = float(sys.argv[5]) if len(sys.argv) > 5 else 60.0
u = urllib.parse.urlparse(base)
assert u.hostname in ("127.0.0.1", "localhost"), "loopback only"
path = "/v1/models/idc-demo/predict"


def body(boundary):
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"p.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode() + png + f"\r\n--{boundary}--\r\n".encode()


stop = threading.Event()


def trickle(i):
    b = body(f"slow{i}")
    s = socket.create_connection((u.hostname, u.port))
    s.sendall((f"POST {path} HTTP/1.1\r\nHost: {u.hostname}\r\nContent-Type: multipart/form-data; boundary=slow{i}"
               f"\r\nContent-Length: {len(b)}\r\n\r\n").encode() + b[:64])
    k = 64
    try:
        while not stop.is_set() and k < len(b) - 1:
            s.sendall(b[k:k + 1])
            k += 1
            stop.wait(interval)
    except OSError:
        pass
    s.close()


threads = [threading.Thread(target=trickle, args=(i,), daemon=True) for i in range(slow)]
for t in threads:
    t.start()
time.sleep(1)
statuses, lat, inflight = {}, [], []
end = time.time() + duration
while time.time() < end:
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    b = body("fast")
    t0 = time.time()
    c.request("POST", path, b, {"Content-Type": "multipart/form-data; boundary=fast", "Accept": "application/json"})
    r = c.getresponse()
    r.read()
    lat.append((time.time() - t0) * 1000)
    statuses[r.status] = statuses.get(r.status, 0) + 1
    c.close()
    if len(lat) % 50 == 0:
        m = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        m.request("GET", "/actuator/prometheus")
        for line in m.getresponse().read().decode().splitlines():
            if line.startswith("salience_requests_in_flight"):
                inflight.append(float(line.split()[-1]))
        m.close()
stop.set()
lat.sort()
p = lambda q: lat[max(0, min(len(lat) - 1, int(-(-q * len(lat) // 100)) - 1))]
print(f"{slow} uploads trickling 1 byte per {interval:g} s for {duration:g} s: ordinary predicts {sum(statuses.values())},"
      f" statuses {dict(sorted(statuses.items()))}, p50 {p(50):.1f} ms, p99 {p(99):.1f} ms,"
      f" admitted requests seen while trickling: max {max(inflight) if inflight else 'n/a'}")
