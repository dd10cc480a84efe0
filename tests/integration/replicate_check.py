#!/usr/bin/env python3
"""The replicate suite's checker: reads both clusters with kcat (JSON
envelopes with headers and timestamps, read_committed) and says whether what
bridge replicate wrote is exactly what the source holds.

  replicate_check.py equal SRC DST SRC_ID [--rename FMT] [--skip-from ID] TOPIC...
      per partition of each topic: the destination holds the source's
      records in order — keys, values, headers (the provenance header aside),
      timestamps (a LogAppendTime record arrives as CreateTime with the same
      time) — each with one provenance header naming SRC_ID, the topic, the
      partition and the source offset; those offsets strictly increase, and
      are exactly the source's (no gap the source has not, none doubled).
      --skip-from ID: two-way: source records whose provenance names ID came
      from the destination and must not be copied back, and of the
      destination only the copies (provenance SRC_ID) are compared.
      --tail: the source topic was deleted and made again: its records are
      compared with the last ones of the destination (the older ones are
      the first topic's).
  replicate_check.py caught-up SRC DST GROUP OFFSETS_TOPIC TOPIC...
      exit 0 when the group's stored position of every partition of each
      topic is the source's end offset.
  replicate_check.py absent DST TOPIC...
      exit 0 when none of the topics exists on DST.

Findings go to stdout; the last line sums up."""
import json
import subprocess
import sys

PROVENANCE = "bridgelab.provenance"


def kcat(*args):
    out = subprocess.run(["kcat", *args], check=True, capture_output=True, text=True, timeout=120)
    return out.stdout


def partitions(servers, topic):
    md = json.loads(kcat("-L", "-J", "-b", servers, "-t", topic))
    for t in md.get("topics", []):
        if t["topic"] == topic and not t.get("error"):
            return len(t["partitions"])
    return 0


def topics(servers):
    md = json.loads(kcat("-L", "-J", "-b", servers))
    return {t["topic"] for t in md.get("topics", []) if not t.get("error")}


def records(servers, topic, partition):
    text = kcat("-C", "-b", servers, "-t", topic, "-p", str(partition), "-o", "beginning", "-e", "-q", "-J",
                "-X", "isolation.level=read_committed")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def end_offset(servers, topic, partition):
    out = kcat("-Q", "-b", servers, "-t", f"{topic}:{partition}:-1")
    # "<topic> [<p>] offset <n>"
    return int(out.split()[-1])


def header_pairs(r):
    h = r.get("headers") or []
    return [(h[i], h[i + 1]) for i in range(0, len(h), 2)]


def provenances(r):
    return [v for k, v in header_pairs(r) if k == PROVENANCE]


def equal(argv):
    src, dst, src_id = argv[0], argv[1], argv[2]
    rest = argv[3:]
    rename, skip_from, tail = "${topic}", None, False
    names = []
    i = 0
    while i < len(rest):
        if rest[i] == "--rename":
            rename = rest[i + 1]
            i += 2
        elif rest[i] == "--tail":
            tail = True
            i += 1
        elif rest[i] == "--skip-from":
            skip_from = rest[i + 1]
            i += 2
        else:
            names.append(rest[i])
            i += 1
    problems, total, checked = [], 0, 0
    for topic in names:
        dest = rename.replace("${topic}", topic)
        n = partitions(src, topic)
        if n == 0:
            problems.append(f"{topic}: no such topic on the source")
            continue
        m = partitions(dst, dest)
        if m < n:
            problems.append(f"{topic}: the destination {dest} has {m} partitions, the source {n}")
            continue
        for p in range(n):
            want = records(src, topic, p)
            if skip_from:
                want = [r for r in want if not any(v.split(",", 1)[0] == skip_from for v in provenances(r))]
            got = records(dst, dest, p)
            if skip_from:
                got = [r for r in got if any(v.split(",", 1)[0] == src_id for v in provenances(r))]
            if tail and len(got) > len(want):
                got = got[len(got) - len(want):]
            checked += 1
            total += len(got)
            if len(got) != len(want):
                problems.append(f"{topic} [{p}]: {len(want)} records on the source, {len(got)} on {dest}")
            last = -1
            for k, (w, g) in enumerate(zip(want, got)):
                where = f"{topic} [{p}] record {k} (source offset {w['offset']}, destination offset {g['offset']})"
                own = provenances(g)
                mine = [v for v in own if v.split(",", 1)[0] == src_id]
                if len(mine) != 1:
                    problems.append(f"{where}: {len(mine)} provenance headers of {src_id}: {own}")
                    break
                parts = mine[0].split(",")
                if parts[1:3] != [topic, str(p)]:
                    problems.append(f"{where}: provenance {mine[0]} names another partition")
                    break
                offset = int(parts[3])
                if offset <= last:
                    problems.append(f"{where}: provenance offset {offset} after {last}: not increasing")
                    break
                if offset != w["offset"]:
                    problems.append(f"{where}: provenance offset {offset}, the source record is at {w['offset']}")
                    break
                last = offset
                g_headers = [hv for hv in header_pairs(g) if not (hv[0] == PROVENANCE and hv[1] == mine[0])]
                for field in ("key", "payload"):
                    if w.get(field) != g.get(field):
                        problems.append(f"{where}: {field} differs: {w.get(field)!r} vs {g.get(field)!r}")
                        break
                if header_pairs(w) != g_headers:
                    problems.append(f"{where}: headers differ: {header_pairs(w)} vs {g_headers}")
                if w["ts"] != g["ts"]:
                    problems.append(f"{where}: timestamp {w['ts']} became {g['ts']}")
                if g["tstype"] != "create":
                    problems.append(f"{where}: timestamp type {g['tstype']}, not create")
                if len(problems) > 20:
                    break
            if len(problems) > 20:
                break
    for line in problems[:20]:
        print(line)
    if problems:
        print(f"NOT EQUAL: {len(problems)} problems in {checked} partitions of {len(names)} topics")
        return 1
    print(f"equal: {total} records in {checked} partitions of {len(names)} topics")
    return 0


def stored_positions(dst, offsets_topic, group):
    text = kcat("-C", "-b", dst, "-t", offsets_topic, "-o", "beginning", "-e", "-q", "-J",
                "-X", "isolation.level=read_committed")
    out = {}
    for line in text.splitlines():
        r = json.loads(line)
        key = r.get("key") or ""
        if not key.startswith(group + "|"):
            continue
        topic, part = key[len(group) + 1:].rsplit("|", 1)
        if r.get("payload") is None:
            out.pop((topic, int(part)), None)
        else:
            out[(topic, int(part))] = json.loads(r["payload"])["source_next"]
    return out


def caught_up(argv):
    src, dst, group, offsets_topic, names = argv[0], argv[1], argv[2], argv[3], argv[4:]
    stored = stored_positions(dst, offsets_topic, group)
    behind = []
    for topic in names:
        n = partitions(src, topic)
        if n == 0:
            behind.append(f"{topic}: not on the source")
        for p in range(n):
            end = end_offset(src, topic, p)
            at = stored.get((topic, p), 0)
            if at != end:
                behind.append(f"{topic} [{p}] at {at} of {end}")
    if behind:
        print("behind: " + ", ".join(behind[:10]))
        return 1
    print(f"caught up: {len(names)} topics")
    return 0


def absent(argv):
    dst, names = argv[0], argv[1:]
    present = topics(dst) & set(names)
    print("present: " + ", ".join(sorted(present)) if present else "absent")
    return 1 if present else 0


def main():
    modes = {"equal": equal, "caught-up": caught_up, "absent": absent}
    if len(sys.argv) < 2 or sys.argv[1] not in modes:
        print(__doc__)
        return 2
    return modes[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
