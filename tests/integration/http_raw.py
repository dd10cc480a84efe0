#!/usr/bin/env python3
"""Raw-socket checks of an HTTP server, for tests/integration/dashboard_http.sh:
what curl will not send (half requests, huge headers, garbage), many
connections at once, and a bounded random fuzz. Each prints one line.

  http_raw.py slow PORT                 seconds until a half request is cut off
  http_raw.py huge PORT BYTES           the status line answering a header of BYTES ("closed" if none)
  http_raw.py raw PORT TEXT             the status line answering TEXT (\\r\\n escapes allowed)
  http_raw.py many PORT N               how many of N concurrent GET /healthz got 200
  http_raw.py fuzz PORT SECONDS SEED    random requests for SECONDS; prints "sent N, answered M"
"""
import random
import socket
import sys
import threading
import time


def connect(port, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return s


def status_line(s):
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    return data.split(b"\r\n", 1)[0].decode("latin-1") if data else "closed"


def slow(port):
    s = connect(port, timeout=60)
    s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    t0 = time.monotonic()
    try:
        while s.recv(4096):
            pass
    except (ConnectionResetError, socket.timeout):
        pass
    print("%.1f" % (time.monotonic() - t0))


def huge(port, n):
    s = connect(port)
    try:
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * n + b"\r\n\r\n")
    except (ConnectionResetError, BrokenPipeError):
        pass
    print(status_line(s))


def raw(port, text):
    s = connect(port)
    try:
        s.sendall(text.encode("latin-1").decode("unicode_escape").encode("latin-1"))
    except (ConnectionResetError, BrokenPipeError):
        pass
    print(status_line(s))


def many(port, n):
    ok = [0]
    lock = threading.Lock()
    socks = []
    # Open them all first, so they are open at once, then ask on each.
    for _ in range(n):
        socks.append(connect(port, timeout=20))

    def ask(s):
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            if status_line(s).startswith("HTTP/1.1 200"):
                with lock:
                    ok[0] += 1
        except OSError:
            pass
        finally:
            s.close()

    threads = [threading.Thread(target=ask, args=(s,)) for s in socks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(ok[0])


PATHS = ["/", "/assets/app.js", "/assets/", "/assets/../../etc/passwd", "/api/kpis", "/api/products?top=%s",
         "/api/pipeline", "/metrics", "/healthz", "/api/%s", "/%s", "/assets/%s", "//", "/api/stock?from=%s&dc=%s"]
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "G\x00T", "get", ""]
VERSIONS = ["HTTP/1.1", "HTTP/1.0", "HTTP/0.9", "HTTP/2.0", "HTTP/1.1 extra", "", "HTTP/9"]


def junk(r, n):
    return "".join(chr(r.randrange(0, 256)) for _ in range(n))


def request(r):
    choice = r.random()
    if choice < 0.1:
        return junk(r, r.randrange(0, 2000)).encode("latin-1")
    path = r.choice(PATHS)
    while "%s" in path:
        path = path.replace("%s", r.choice(["..", "%2e%2e%2f", "%00", "%", "%zz", "a" * r.randrange(0, 5000),
                                            junk(r, r.randrange(0, 20)), "-1", "99999999999999999999", ""]), 1)
    lines = ["%s %s %s" % (r.choice(METHODS), path, r.choice(VERSIONS))]
    for _ in range(r.randrange(0, 12)):
        name = r.choice(["Host", "Content-Length", "Transfer-Encoding", "Connection", "X-" + junk(r, 3), "",
                         "Expect", "Range", "Cookie"])
        value = r.choice(["127.0.0.1", "-1", "chunked", "close", "keep-alive", "100-continue", "bytes=0-1",
                          "18446744073709551616", junk(r, r.randrange(0, 300))])
        lines.append("%s: %s" % (name, value))
    sep = r.choice(["\r\n", "\n", "\r"])
    text = sep.join(lines) + sep + (sep if r.random() < 0.9 else "")
    if r.random() < 0.2:
        text += junk(r, r.randrange(0, 500))
    return text.encode("latin-1")


def fuzz(port, seconds, seed):
    """Four clients at once, each with its own stream of random requests."""
    totals = [0, 0]
    lock = threading.Lock()

    def client(k):
        s, a = fuzz_one(port, seconds, seed * 4 + k)
        with lock:
            totals[0] += s
            totals[1] += a

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("sent %d, answered %d" % (totals[0], totals[1]))


def fuzz_one(port, seconds, seed):
    r = random.Random(seed)
    deadline = time.monotonic() + seconds
    sent = answered = 0
    while time.monotonic() < deadline:
        try:
            s = connect(port, timeout=0.5)
        except OSError:
            time.sleep(0.05)
            continue
        try:
            data = request(r)
            if r.random() < 0.1:  # a request cut in the middle, then the connection dropped
                data = data[: r.randrange(0, len(data) + 1)]
            s.sendall(data)
            if r.random() < 0.7:  # mostly say the request is all there is: the server need not wait for more
                s.shutdown(socket.SHUT_WR)
            sent += 1
            if status_line(s).startswith("HTTP/"):
                answered += 1
        except OSError:
            pass
        finally:
            s.close()
    return sent, answered


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "slow":
        slow(port)
    elif cmd == "huge":
        huge(port, int(sys.argv[3]))
    elif cmd == "raw":
        raw(port, sys.argv[3])
    elif cmd == "many":
        many(port, int(sys.argv[3]))
    elif cmd == "fuzz":
        fuzz(port, float(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
