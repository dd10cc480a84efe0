#!/usr/bin/env python3
"""The end-to-end benchmark's latency probe: how long after a MySQL commit
the committed sales orders are in the lake and on the dashboard.

    e2e_latency.py --root-cnf CNF --lake DIR --topic T --dashboard URL
                   --dc DC --seconds S [--every 0.25] [--drain 60]

Every --every seconds it asks MySQL `SELECT MAX(id), COUNT(*),
UNIX_TIMESTAMP(NOW(6))` over one kept `mariadb` connection: NOW(6) is the
statement's start, so every order with an id up to that MAX was committed
before it (the simulator hands out ids in order; run it without
cancellations, so an id once committed stays). That probe has reached
- the lake when every id of the topic's creates up to MAX is in a file the
  sink has renamed into place (DIR/topics/T/partition=N/T+N+OFFSET.json) (files are read once, as they appear; ids
  below the probe run's first MAX are not waited for);
- the dashboard when /api/kpis?dc=DC counts as many orders as MySQL did
  (it loads each file whole, so a count is a set of files: an order of a
  later file counted before an earlier one can make a probe look early by
  at most one file's span; the lake's figure has no such slack).
The lake folder is listed and the dashboard asked every 20 ms. After S
seconds no more probes are taken; the pending ones are waited for up to
--drain seconds. Prints one JSON object: probes, reached (lake, dashboard),
p50/p99/max in ms of each, and the drain time after the last probe.
"""
import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request


def quantile(values, q):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(q * len(v) + 0.999999) - 1))]


class Lake:
    """The creates' ids of one topic's files, read once each as they appear."""

    def __init__(self, root, topic):
        self.root, self.prefix = os.path.join(root, "topics", topic), topic + "+"
        self.seen_files = set()
        self.ids = set()
        self.low = None  # every id in (floor, low] is in the lake

    def start_at(self, floor):
        self.low = floor

    def scan(self):
        for folder, _, files in os.walk(self.root):
            for name in files:
                if not name.startswith(self.prefix) or not name.endswith(".json"):
                    continue
                path = os.path.join(folder, name)
                if path in self.seen_files:
                    continue
                self.seen_files.add(path)
                self.read(path)
        if self.low is not None:
            while self.low + 1 in self.ids:
                self.low += 1
                self.ids.discard(self.low)

    def read(self, path):
        try:
            with open(path, "rb") as f:
                for line in f:
                    if not line.strip():
                        continue
                    event = json.loads(line)
                    if event.get("op") in ("c", "r") and event.get("after"):
                        i = event["after"]["id"]
                        if self.low is None or i > self.low:
                            self.ids.add(i)
        except (OSError, ValueError) as e:
            print(f"e2e_latency: {path}: {e}", file=sys.stderr)


def dashboard_orders(url, dc):
    try:
        with urllib.request.urlopen(f"{url}/api/kpis?dc={dc}", timeout=2) as r:
            return int(json.load(r)["orders"])
    except (OSError, ValueError, KeyError):
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root-cnf", required=True)
    ap.add_argument("--lake", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--dashboard", required=True)
    ap.add_argument("--dc", required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--every", type=float, default=0.25)
    ap.add_argument("--drain", type=float, default=60)
    a = ap.parse_args()

    db = subprocess.Popen(
        ["mariadb", f"--defaults-file={a.root_cnf}", "-N", "-B", "-n", "orders"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask():
        db.stdin.write("SELECT COALESCE(MAX(id), 0), COUNT(*), UNIX_TIMESTAMP(NOW(6)) FROM sales_orders;\n")
        db.stdin.flush()
        top, count, at = db.stdout.readline().split()
        return int(top), int(count), float(at)

    lake = Lake(a.lake, a.topic)
    first_top, _, _ = ask()
    lake.scan()
    lake.start_at(first_top)
    probes = []  # [committed_before, top, count, lake_s, dashboard_s]
    end = time.time() + a.seconds
    next_probe = time.time()
    last_probe = None
    while True:
        now = time.time()
        if now < end and now >= next_probe:
            top, count, at = ask()
            probes.append([at, top, count, None, None])
            last_probe = at
            next_probe += a.every
        lake.scan()
        orders = dashboard_orders(a.dashboard, a.dc)
        seen = time.time()
        pending = False
        for p in probes:
            if p[3] is None and lake.low >= p[1]:
                p[3] = seen - p[0]
            if p[4] is None and orders is not None and orders >= p[2]:
                p[4] = seen - p[0]
            pending = pending or p[3] is None or p[4] is None
        if now >= end and (not pending or seen - end > a.drain):
            break
        time.sleep(0.02)
    db.stdin.close()
    db.wait()

    def figures(k):
        ms = [p[k] * 1000 for p in probes if p[k] is not None]
        return {"reached": len(ms), "p50": quantile(ms, 0.5), "p99": quantile(ms, 0.99),
                "max": max(ms) if ms else None}

    drained = max((max(p[3] or 0, p[4] or 0) + p[0] for p in probes), default=0)
    print(json.dumps({"probes": len(probes), "lake": figures(3), "dashboard": figures(4),
                      "drain_s": drained - last_probe if last_probe else None}))


if __name__ == "__main__":
    main()
