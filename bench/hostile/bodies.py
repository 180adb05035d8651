#!/usr/bin/env python3
"""Memory under a flood of large request bodies, against a fanout on loopback (run by hand, bounded).

Opens N connections that each POST a body of B bytes to /v1/events, all at once, and samples the
server's RSS (from /proc/PID/status) before, at the peak and some seconds after the connections close.
  --signature none     no signature header: refused on the head, the body is never read
  --signature wrong    a well-formed wrong signature: bodies are read, bounded by max_body_bytes_in_flight

  python3 bench/hostile/bodies.py --port 8080 --pid $(pidof fanout) --connections 1000 --signature wrong
Loopback only; it ends after --seconds whatever happens.
"""
import argparse
import selectors
import socket
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--connections", type=int, default=1000)
    p.add_argument("--body-bytes", type=int, default=1 << 20)
    p.add_argument("--signature", choices=["none", "wrong"], default="wrong")
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--settle", type=float, default=8, help="seconds to wait after closing before the last sample")
    a = p.parse_args()

    before = rss_kib(a.pid)
    head = (f"POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {a.body_bytes}\r\n").encode()
    if a.signature == "wrong":
        head += b"X-CRM-Signature: " + b"0" * 64 + b"\r\n"
    head += b"\r\n"
    body = b"{" + b" " * (a.body_bytes - 2) + b"}"

    sel = selectors.DefaultSelector()
    left = {}
    statuses = {}
    for _ in range(a.connections):
        s = socket.create_connection(("127.0.0.1", a.port))
        s.setblocking(False)
        left[s] = memoryview(head + body)
        sel.register(s, selectors.EVENT_WRITE | selectors.EVENT_READ)

    peak = before
    deadline = time.time() + a.seconds
    last_sample = 0
    while sel.get_map() and time.time() < deadline:
        for key, mask in sel.select(timeout=0.1):
            s = key.fileobj
            if mask & selectors.EVENT_READ:
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                if data[:9] == b"HTTP/1.1 " and s not in statuses:
                    statuses[s] = data[9:12].decode()
                if not data or s in statuses:
                    sel.unregister(s)
                    continue
            if mask & selectors.EVENT_WRITE and len(left[s]):
                try:
                    n = s.send(left[s][:262144])
                    left[s] = left[s][n:]
                except OSError:
                    left[s] = memoryview(b"")
                if not len(left[s]):
                    sel.modify(s, selectors.EVENT_READ)
        if time.time() - last_sample > 0.2:
            peak = max(peak, rss_kib(a.pid))
            last_sample = time.time()
    peak = max(peak, rss_kib(a.pid))
    for s in left:
        s.close()
    time.sleep(a.settle)
    after = rss_kib(a.pid)
    counts = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    print(f"connections={a.connections} body_bytes={a.body_bytes} signature={a.signature} answers={counts} "
          f"unanswered={a.connections - len(statuses)}")
    print(f"rss_kib before={before} peak={peak} after={after} (after {a.settle:.0f}s)")


if __name__ == "__main__":
    main()
