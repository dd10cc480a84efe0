#!/usr/bin/env python3
"""Checks what bridge cdc wrote against the database, for tests/integration/cdc.sh.

    cdc_check.py BOOTSTRAP ROOT_CNF DC TABLE...

For each table it reads the topic <dc>_<table> as a read_committed consumer
(kcat -J), rebuilds the table from the events (the last event of a key wins,
a delete or tombstone removes it) and compares it, row by row and column by
column, with SELECT * of the table. It also checks that no row change
appears twice (the same GTID, binlog position and row) and that the events of
each key come in commit order. Prints one line per finding and, last,
"checked N events"; exits 1 on any finding.
"""
import json
import subprocess
import sys


def consume(bootstrap, topic):
    out = subprocess.run(
        ["kcat", "-C", "-b", bootstrap, "-t", topic, "-J", "-e", "-q", "-o", "beginning",
         "-X", "isolation.level=read_committed"],
        capture_output=True, text=True, timeout=300)
    if out.returncode != 0 and "Unknown topic" not in out.stderr:
        raise SystemExit(f"kcat failed on {topic}: {out.stderr.strip()}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def table_rows(root_cnf, table):
    sql = f"SELECT * FROM `{table}`"
    out = subprocess.run(["mariadb", f"--defaults-file={root_cnf}", "-B", "--column-names", "orders", "-e", sql],
                         capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    if not lines:
        return [], []
    names = lines[0].split("\t")
    rows = [dict(zip(names, line.split("\t"))) for line in lines[1:]]
    return names, rows


def as_db_text(value):
    """The event's JSON value as the mariadb client prints it."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str) and len(value) >= 20 and value[4] == "-" and value[10] == "T" and value.endswith("Z"):
        return value[:-1].replace("T", " ")
    return str(value)


def main():
    bootstrap, root_cnf, dc, tables = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    problems, checked = [], 0
    for table in tables:
        events = consume(bootstrap, f"{dc}_{table}")
        state, seen, last_seq, born = {}, set(), {}, set()
        for msg in events:
            checked += 1
            key, payload = msg.get("key"), msg.get("payload")
            if payload is None:
                state.pop(key, None)
                continue
            event = json.loads(payload)
            source = event["source"]
            if event["op"] != "r":
                ident = (source["gtid"], source["file"], source["pos"], source["row"], key, event["op"])
                if ident in seen:
                    problems.append(f"{table}: change {ident} appears twice")
                seen.add(ident)
                seq = int(source["gtid"].split("-")[2])
                if seq < last_seq.get(key, 0):
                    problems.append(f"{table}: key {key} out of commit order at {source['gtid']}")
                last_seq[key] = seq
            if event["op"] in ("c", "r"):
                if key in born:
                    problems.append(f"{table}: key {key} created twice (op {event['op']})")
                born.add(key)
            if event["op"] == "d":
                born.discard(key)
                state.pop(key, None)
            else:
                state[key] = event["after"]
        names, rows = table_rows(root_cnf, table)
        db = {}
        for row in rows:
            key = json.dumps({"id": int(row["id"])}, separators=(",", ":")) if "id" in row else None
            db[key] = row
        if set(db) != set(state):
            missing = sorted(set(db) - set(state))[:5]
            extra = sorted(set(state) - set(db))[:5]
            problems.append(f"{table}: {len(db)} rows in MySQL, {len(state)} rebuilt from events "
                            f"(missing {missing}, extra {extra})")
        for key in set(db) & set(state):
            for name in names:
                if name not in state[key]:
                    continue  # a column added by DDL after the row's last change
                want, got = db[key][name], as_db_text(state[key][name])
                if want != got:
                    problems.append(f"{table} {key}.{name}: MySQL has {want!r}, the events {got!r}")
                    break
    for p in problems[:30]:
        print(p)
    print(f"checked {checked} events")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
