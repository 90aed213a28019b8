#!/usr/bin/env python3
"""Fixed cost per request on one kept-alive HTTP/1.1 connection: client-side HTTP time minus the compute time the
service reports in its JSON ``timings``.

Usage: fixed_cost.py BASE_URL BODY BOUNDARY [N] [WARMUP]

Interleaves, on one connection each, ``POST /v1/models/idc-demo/saliency?method=gradient`` (Accept:
application/json; the body is the multipart file BODY) and ``GET /v1/methods`` (no compute: its whole HTTP time is
fixed cost). Prints one line per endpoint with medians over N requests (default 500) after WARMUP unmeasured ones
(default 100), in ms, and the load average before and after. The HTTP time is from the first byte sent to the last
byte of the body read (Python's http.client; its own overhead is part of it).
"""
import http.client
import json
import statistics
import sys
import time
from urllib.parse import urlsplit


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    base, body_path, boundary = sys.argv[1], sys.argv[2], sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 500
    warmup = int(sys.argv[5]) if len(sys.argv) > 5 else 100
    model = sys.argv[6] if len(sys.argv) > 6 else "idc-demo"
    u = urlsplit(base)
    with open(body_path, "rb") as f:
        body = f.read()
    post_headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Accept": "application/json",
        "Content-Length": str(len(body)),
    }
    saliency = http.client.HTTPConnection(u.hostname, u.port)
    methods = http.client.HTTPConnection(u.hostname, u.port)
    closes = [0]

    def grad():
        t0 = time.perf_counter()
        saliency.request("POST", f"/v1/models/{model}/saliency?method=gradient", body=body, headers=post_headers)
        r = saliency.getresponse()
        data = r.read()
        t1 = time.perf_counter()
        if r.status != 200:
            raise SystemExit(f"saliency answered {r.status}: {data[:300]!r}")
        if r.getheader("Connection", "").lower() == "close":
            closes[0] += 1  # Tomcat closes after max-keep-alive-requests (100); http.client reconnects
        timings = json.loads(data)["timings"]
        return (t1 - t0) * 1000, timings

    def listing():
        t0 = time.perf_counter()
        methods.request("GET", "/v1/methods", headers={"Accept": "application/json"})
        r = methods.getresponse()
        data = r.read()
        t1 = time.perf_counter()
        if r.status != 200:
            raise SystemExit(f"/v1/methods answered {r.status}")
        return (t1 - t0) * 1000

    for _ in range(warmup):
        grad()
        listing()
    before = loadavg()
    http_ms, compute_ms, fixed_ms, other = [], [], [], {}
    list_ms = []
    for _ in range(n):
        h, t = grad()
        http_ms.append(h)
        compute_ms.append(t["compute"])
        fixed_ms.append(h - t["compute"])
        for k, v in t.items():
            other.setdefault(k, []).append(v)
        list_ms.append(listing())
    after = loadavg()
    med = statistics.median
    parts = " ".join(f"{k} {med(v):.3f}" for k, v in other.items())
    print(
        f"gradient {model}: n {n}, median http {med(http_ms):.3f} ms, compute {med(compute_ms):.3f} ms,"
        f" fixed (http - compute, per request) {med(fixed_ms):.3f} ms [timings: {parts}]"
    )
    q = statistics.quantiles(list_ms, n=4)
    print(f"GET /v1/methods: n {n}, median http {med(list_ms):.3f} ms (IQR {q[0]:.3f}-{q[2]:.3f})")
    print(f"load average before {before}, after {after}; saliency connection closed by the server {closes[0]} times")


if __name__ == "__main__":
    main()
