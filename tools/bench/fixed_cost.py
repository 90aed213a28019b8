#!/usr/bin/env python3
"""Fixed cost per request on one kept-alive HTTP/1.1 connection: client-side HTTP time minus the compute time the
service reports in its JSON ``timings``.

Usage: fixed_cost.py BASE_URL[,BASE_URL...] BODY BOUNDARY [N] [WARMUP] [MODEL] [PID[,PID...]]

Interleaves, on one connection each, ``POST /v1/models/idc-demo/saliency?method=gradient`` (Accept:
application/json; the body is the multipart file BODY) and ``GET /v1/methods`` (no compute: its whole HTTP time is
fixed cost). Prints one line per endpoint with medians over N requests (default 500) after WARMUP unmeasured ones
(default 100), in ms, and the load average before and after. The HTTP time is from the first byte sent to the last
byte of the body read (Python's http.client; its own overhead is part of it).

With several base URLs (e.g. the service before and after a change, both running), the servers are measured
interleaved, in blocks of 50 request pairs (in alternating order), so that both see the same load; the last line is then the median of the
per-block ratios of each server's fixed cost (and /v1/methods time) to the first's.

With the servers' process ids (one per base URL), it also reports the server's CPU time per request (user + system,
all threads, from /proc/PID/stat), measured over each block of gradient requests and each block of /v1/methods
requests: on a machine shared with other work, CPU time moves less than wall time.
"""
import http.client
import json
import os
import statistics
import sys
import time
from urllib.parse import urlsplit


def cpu_ms(pid):
    """User + system CPU time of a process, all threads, in ms."""
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Server:
    def __init__(self, base, body, boundary, model, pid=None):
        u = urlsplit(base)
        self.pid = pid
        self.cpu_grad, self.cpu_list = [], []
        self.base = base
        self.model = model
        self.body = body
        self.headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Accept": "application/json",
            "Content-Length": str(len(body)),
        }
        self.saliency = http.client.HTTPConnection(u.hostname, u.port)
        self.methods = http.client.HTTPConnection(u.hostname, u.port)
        self.closes = 0
        self.http_ms, self.compute_ms, self.fixed_ms, self.list_ms, self.timings = [], [], [], [], {}

    def grad(self):
        t0 = time.perf_counter()
        self.saliency.request(
            "POST", f"/v1/models/{self.model}/saliency?method=gradient", body=self.body, headers=self.headers
        )
        r = self.saliency.getresponse()
        data = r.read()
        t1 = time.perf_counter()
        if r.status != 200:
            raise SystemExit(f"{self.base}: saliency answered {r.status}: {data[:300]!r}")
        if r.getheader("Connection", "").lower() == "close":
            self.closes += 1  # Tomcat closes after max-keep-alive-requests (100); http.client reconnects
        return (t1 - t0) * 1000, json.loads(data)["timings"]

    def listing(self):
        t0 = time.perf_counter()
        self.methods.request("GET", "/v1/methods", headers={"Accept": "application/json"})
        r = self.methods.getresponse()
        r.read()
        t1 = time.perf_counter()
        if r.status != 200:
            raise SystemExit(f"{self.base}: /v1/methods answered {r.status}")
        return (t1 - t0) * 1000

    def measure(self, n):
        block, listed = [], []
        c0 = cpu_ms(self.pid)
        for _ in range(n):
            h, t = self.grad()
            self.http_ms.append(h)
            self.compute_ms.append(t["compute"])
            self.fixed_ms.append(h - t["compute"])
            block.append(h - t["compute"])
            for k, v in t.items():
                self.timings.setdefault(k, []).append(v)
        c1 = cpu_ms(self.pid)
        for _ in range(n):
            listed.append(self.listing())
        c2 = cpu_ms(self.pid)
        self.cpu_grad.append((c1 - c0) / n)
        self.cpu_list.append((c2 - c1) / n)
        self.list_ms += listed
        return statistics.median(block), statistics.median(listed), self.cpu_grad[-1], self.cpu_list[-1]


def main():
    bases, body_path, boundary = sys.argv[1].split(","), sys.argv[2], sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 500
    warmup = int(sys.argv[5]) if len(sys.argv) > 5 else 100
    model = sys.argv[6] if len(sys.argv) > 6 else "idc-demo"
    with open(body_path, "rb") as f:
        body = f.read()
    pids = [int(p) for p in sys.argv[7].split(",")] if len(sys.argv) > 7 else [None] * len(bases)
    servers = [Server(b, body, boundary, model, pid) for b, pid in zip(bases, pids)]
    for s in servers:
        for _ in range(warmup):
            s.grad()
            s.listing()
    before = loadavg()
    block = 50 if len(servers) > 1 else n
    ratios = []
    done = 0
    while done < n:
        k = min(block, n - done)
        # alternate the order from block to block, so that neither server always runs first
        order = list(range(len(servers))) if (done // block) % 2 == 0 else list(reversed(range(len(servers))))
        medians = [None] * len(servers)
        for i in order:
            medians[i] = servers[i].measure(k)
        ratios.append([tuple(x / y if y else float("nan") for x, y in zip(m, medians[0])) for m in medians])
        done += k
    after = loadavg()
    med = statistics.median
    for s in servers:
        parts = " ".join(f"{k} {med(v):.3f}" for k, v in s.timings.items())
        q = statistics.quantiles(s.list_ms, n=4)
        print(
            f"{s.base} gradient {model}: n {n}, median http {med(s.http_ms):.3f} ms, compute {med(s.compute_ms):.3f}"
            f" ms, fixed (http - compute, per request) {med(s.fixed_ms):.3f} ms [timings: {parts}];"
            f" GET /v1/methods median {med(s.list_ms):.3f} ms (IQR {q[0]:.3f}-{q[2]:.3f});"
            f" closed by the server {s.closes} times"
        )
        if s.pid is not None:
            print(
                f"  server CPU per request (median over blocks): gradient {med(s.cpu_grad):.3f} ms,"
                f" GET /v1/methods {med(s.cpu_list):.3f} ms"
            )
    if len(servers) > 1:
        fixed = ", ".join(f"{med(r[i][0] for r in ratios):.3f}" for i in range(len(servers)))
        listing = ", ".join(f"{med(r[i][1] for r in ratios):.3f}" for i in range(len(servers)))
        print(f"relative to the first server, median of per-block ratios: gradient fixed cost {fixed};"
              f" GET /v1/methods {listing}")
        if pids[0] is not None:
            cg = ", ".join(f"{med(r[i][2] for r in ratios):.3f}" for i in range(len(servers)))
            cl = ", ".join(f"{med(r[i][3] for r in ratios):.3f}" for i in range(len(servers)))
            print(f"  server CPU per request, same ratios: gradient {cg}; GET /v1/methods {cl}")
    print(f"load average before {before}, after {after}")


if __name__ == "__main__":
    main()
