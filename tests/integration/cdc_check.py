#!/usr/bin/env python3
"""Checks what bridge cdc wrote against the database, for tests/integration/cdc.sh.

    cdc_check.py [--ddl-columns TABLE.COL[,TABLE.COL...]] [--database DB] BOOTSTRAP ROOT_CNF DC TABLE...

For each table (of DB, default orders) it reads the topic <dc>_<table> as a read_committed consumer
(kcat -J) and checks the events with check_table(), which needs neither Kafka
nor MySQL (tests/integration/cdc_check_test.py feeds it made-up histories):

  history     each partition is replayed in offset order; every key stays in
              one partition; a u or d must name a key that exists and its
              before must equal the row rebuilt so far (a lost change in
              between shows here); a c or r must name a key that does not
              exist; no change appears twice (GTID, file, pos, row, key, op);
              the GTIDs of a key never go back (commit order).
  rows        source.row numbers the rows of each rows event (GTID, file,
              pos) 0, 1, 2 ... without a gap, one change each (a key
              change's delete and create share their row), as Debezium does.
  timestamps  ts_ms, ts_us and ts_ns, at the top and in source, are one
              instant in three units (Debezium 3); a streamed change's
              source time is the binlog event's, whole seconds.
  tombstones  each d is followed by a tombstone of the same key as the next
              message of its partition; a tombstone anywhere else is wrong.
  columns     every before and after names exactly the table's columns (the
              header of SELECT *), and the image's key columns equal the
              message key. A column in --ddl-columns was added by DDL while
              streaming: events before the DDL may lack it, but once an event
              has carried it, the later ones (in its partition, or with a
              higher GTID) must carry it too.
  final state the rebuilt table equals SELECT * row by row and column by
              column, values converted to what the mariadb client prints.

Prints one line per finding (the first 30) and, last, "checked N events";
exits 1 on any finding.
"""
import argparse
import json
import subprocess
import sys

MAX_FINDINGS = 30


# ------------------------------------------------------------------ I/O shell

def consume(bootstrap, topic):
    """The topic's messages as kcat -J dicts, read_committed, every partition."""
    out = subprocess.run(
        ["kcat", "-C", "-b", bootstrap, "-t", topic, "-J", "-e", "-q", "-o", "beginning",
         "-X", "isolation.level=read_committed"],
        capture_output=True, text=True, timeout=300)
    if out.returncode != 0 and "Unknown topic" not in out.stderr:
        raise SystemExit(f"kcat failed on {topic}: {out.stderr.strip()}")
    return [json.loads(line) for line in out.stdout.split("\n") if line.startswith("{")]


def mariadb(root_cnf, sql, database="orders"):
    out = subprocess.run(["mariadb", f"--defaults-file={root_cnf}", "-B", "--column-names", database, "-e", sql],
                         capture_output=True, text=True, check=True)
    # split("\n"), not splitlines(): a value may hold \r or other line breaks.
    lines = out.stdout.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def table_rows(root_cnf, table, database="orders"):
    """(column names, rows as dicts of column -> text as the client prints it)."""
    lines = mariadb(root_cnf, f"SELECT * FROM `{table}`", database)
    if not lines:
        # An empty result has no header: the names from information_schema.
        names = mariadb(root_cnf, "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
                                  f"DATABASE() AND TABLE_NAME = '{table}' ORDER BY ORDINAL_POSITION", database)[1:]
        return names, []
    names = lines[0].split("\t")
    rows = [dict(zip(names, line.split("\t"))) for line in lines[1:]]
    return names, rows


# ------------------------------------------------------------------ the checks

def as_db_text(value):
    """The event's JSON value as the mariadb client prints it (-B, escaped)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, separators=(",", ":"))
    if isinstance(value, str):
        if len(value) >= 20 and value[4] == "-" and value[10] == "T" and value.endswith("Z"):
            return value[:-1].replace("T", " ")
        return value.replace("\\", "\\\\").replace("\0", "\\0").replace("\t", "\\t").replace("\n", "\\n")
    return str(value)


def same_value(a, b):
    """Equal JSON values of the same kind (1 and 1.0 are, 1 and "1" or true are not)."""
    return (a == b and isinstance(a, bool) == isinstance(b, bool) and isinstance(a, str) == isinstance(b, str)
            and isinstance(a, (dict, list)) == isinstance(b, (dict, list)))


def compact(value):
    return json.dumps(value, separators=(",", ":"))


def parse_gtid(gtid):
    """(domain, seq) of "D-S-N", or None."""
    try:
        domain, _server, seq = gtid.split("-")
        return int(domain), int(seq)
    except (AttributeError, ValueError):
        return None


def timestamp_problem(block, whole_seconds=False):
    """What is wrong with the ts_ms, ts_us and ts_ns of an envelope or its source; None when nothing."""
    ts = [block.get(k) for k in ("ts_ms", "ts_us", "ts_ns")]
    if any(isinstance(t, bool) or not isinstance(t, int) for t in ts):
        return f"ts_ms, ts_us, ts_ns are {ts}, not three integers"
    ms, us, ns = ts
    if us // 1000 != ms or ns // 1000 != us:
        return f"ts_ms {ms}, ts_us {us}, ts_ns {ns} are not one instant"
    if whole_seconds and (ms % 1000 or ns != ms * 1_000_000):
        return f"ts_ms {ms}, ts_ns {ns} are not a binlog time (whole seconds)"
    return None


def allowed_columns(table, ddl_columns):
    """The allow-list for table: names, "table.col" of this table, or a {table: cols} dict."""
    if isinstance(ddl_columns, dict):
        ddl_columns = ddl_columns.get(table, ())
    out = set()
    for name in ddl_columns or ():
        t, dot, col = name.rpartition(".")
        if not dot:
            out.add(name)
        elif t == table:
            out.add(col)
    return out


class _Message:
    """One kcat message, parsed."""

    def __init__(self, raw):
        self.partition = raw.get("partition", 0)
        self.offset = raw.get("offset", 0)
        self.key_text = raw.get("key")
        self.key = None  # the key's dict
        self.ck = None  # canonical key: the dict as sorted compact JSON
        self.event = None  # the envelope; None for a tombstone
        self.tombstone = raw.get("payload") is None
        self.error = None
        if self.key_text is None:
            self.error = "has no key (the checker needs keyed tables)"
        else:
            try:
                self.key = json.loads(self.key_text)
            except ValueError:
                self.error = f"key {self.key_text!r} is not JSON"
            else:
                if not isinstance(self.key, dict) or not self.key:
                    self.error = f"key {self.key_text!r} is not a JSON object of key columns"
                else:
                    self.ck = json.dumps(self.key, sort_keys=True, separators=(",", ":"))
        if not self.tombstone and self.error is None:
            try:
                self.event = json.loads(raw["payload"])
            except ValueError:
                self.error = "payload is not JSON"
                return
            if not isinstance(self.event, dict) or self.event.get("op") not in ("c", "u", "d", "r"):
                self.error = f"payload has no op c, u, d or r: {str(raw['payload'])[:80]}"
                self.event = None

    @property
    def op(self):
        return self.event["op"] if self.event else None

    @property
    def source(self):
        s = self.event.get("source") if self.event else None
        return s if isinstance(s, dict) else {}

    @property
    def gtid(self):
        return parse_gtid(self.source.get("gtid"))

    def images(self):
        for name in ("before", "after"):
            image = self.event.get(name) if self.event else None
            if isinstance(image, dict):
                yield name, image

    def where(self, table):
        return f"{table} p{self.partition}@{self.offset} key {self.key_text}"


def check_table(table, columns, messages, db_rows, ddl_columns=()):
    """Problems found in one table's topic, as lines of text; [] when all is well.

    columns: the table's column names (the SELECT * header). messages: the
    topic's kcat -J dicts, in any interleaving of partitions. db_rows: dicts
    of column -> text as the mariadb client prints it. ddl_columns: columns
    added by DDL while streaming (names, or "table.col")."""
    problems = []
    allowed = allowed_columns(table, ddl_columns)
    columns = list(columns)
    colset = set(columns)
    parsed = [_Message(m) for m in messages]

    by_partition = {}
    for m in parsed:
        by_partition.setdefault(m.partition, []).append(m)
    for msgs in by_partition.values():
        msgs.sort(key=lambda m: m.offset)

    # The lowest GTID (per domain) of an event carrying each allow-listed
    # column: any event with a higher GTID comes after the DDL.
    first_carrier = {}
    for m in parsed:
        if m.event and m.gtid:
            for _name, image in m.images():
                for col in allowed & set(image):
                    k = (col, m.gtid[0])
                    first_carrier[k] = min(first_carrier.get(k, m.gtid[1]), m.gtid[1])

    key_columns = None  # names of the first key seen
    key_partition = {}
    state = {}  # ck -> the row's after image
    gone = set()  # cks deleted
    key_text = {}  # ck -> a key text, for messages
    seen = set()
    last_seq = {}
    rows_events = {}  # (gtid, file, pos) -> [(row, op, ck, where)]: the streamed changes of each rows event

    def check_image(m, name, image, carried):
        where = m.where(table)
        names = set(image)
        key_names = set(m.key)
        if name == "after" and names <= key_names and colset - key_names:
            problems.append(f"{where}: op {m.op} after holds only the key: {compact(image)}")
            return
        extra = [c for c in image if c not in colset]
        if extra:
            problems.append(f"{where}: op {m.op} {name} has columns the table has not: {extra}")
        missing = [c for c in columns if c not in names]
        bad = [c for c in missing if c not in allowed]
        if bad:
            problems.append(f"{where}: op {m.op} {name} lacks columns {bad}")
        for col in missing:
            if col not in allowed:
                continue
            after_ddl = m.gtid and m.gtid[1] > first_carrier.get((col, m.gtid[0]), m.gtid[1])
            if col in carried or after_ddl:
                problems.append(f"{where}: op {m.op} {name} lacks {col}, which earlier events carried (DDL)")
        carried.update(allowed & names)
        for col, value in m.key.items():
            if col in image and not same_value(image[col], value):
                problems.append(f"{where}: op {m.op} {name} has {col}={compact(image[col])}, not the key's")

    def compare_before(m, before, row):
        diffs = []
        for col in columns + [c for c in set(before) | set(row) if c not in colset]:
            if col in before and col in row:
                if not same_value(before[col], row[col]):
                    diffs.append(f"{col}: rebuilt {compact(row[col])}, before {compact(before[col])}")
            elif (col in before) != (col in row) and col not in allowed:
                diffs.append(f"{col} only in the {'before' if col in before else 'rebuilt row'}")
        if diffs:
            problems.append(f"{m.where(table)}: op {m.op} before differs from the row rebuilt so far "
                            f"({'; '.join(diffs[:3])}): a change lost in between?")

    for partition in sorted(by_partition):
        msgs = by_partition[partition]
        carried = set()  # allow-listed columns an event of this partition carried
        for i, m in enumerate(msgs):
            where = m.where(table)
            if m.error:
                problems.append(f"{where}: {m.error}")
                continue
            key_text.setdefault(m.ck, m.key_text)
            if key_columns is None:
                key_columns = list(m.key)
            elif set(m.key) != set(key_columns):
                problems.append(f"{where}: key columns {sorted(m.key)}, other keys have {sorted(key_columns)}")
            if key_partition.setdefault(m.ck, partition) != partition:
                problems.append(f"{where}: the key is also in partition {key_partition[m.ck]}")
                key_partition[m.ck] = partition  # one finding per move

            if m.tombstone:
                prev = msgs[i - 1] if i > 0 else None
                if prev is None or prev.op != "d":
                    problems.append(f"{where}: a tombstone not right after a delete")
                elif prev.ck != m.ck:
                    problems.append(f"{where}: a tombstone right after the delete of another key, "
                                    f"{prev.key_text}")
                continue

            op, source = m.op, m.source
            for name, block in (("", m.event), ("source ", source)):
                why = timestamp_problem(block, whole_seconds=bool(name) and op != "r")
                if why:
                    problems.append(f"{where}: op {op} {name}{why}")
            if op != "r":
                ident = (source.get("gtid"), source.get("file"), source.get("pos"), source.get("row"), m.ck, op)
                if ident in seen:
                    problems.append(f"{where}: change {ident[:4]} op {op} appears twice")
                else:
                    rows_events.setdefault(ident[:3], []).append((source.get("row"), op, m.ck, where))
                seen.add(ident)
                gtid = m.gtid
                if gtid is None:
                    problems.append(f"{where}: op {op} without a GTID ({source.get('gtid')!r})")
                else:
                    k = (m.ck, gtid[0])
                    if gtid[1] < last_seq.get(k, gtid[1]):
                        problems.append(f"{where}: out of commit order: GTID {source.get('gtid')} "
                                        f"after sequence {last_seq[k]}")
                    last_seq[k] = max(gtid[1], last_seq.get(k, gtid[1]))

            before, after = m.event.get("before"), m.event.get("after")
            if op in ("u", "d") and not isinstance(before, dict):
                problems.append(f"{where}: op {op} without a before")
                before = None
            if op in ("c", "u", "r") and not isinstance(after, dict):
                problems.append(f"{where}: op {op} without an after")
                after = None
            for name, image in (("before", before), ("after", after)):
                if image is not None:
                    check_image(m, name, image, carried)

            if op in ("c", "r"):
                if m.ck in state:
                    problems.append(f"{where}: key created twice (op {op})")
                if after is not None:
                    state[m.ck] = after
                gone.discard(m.ck)
            else:
                if m.ck not in state:
                    why = "deleted" if m.ck in gone else "never created"
                    problems.append(f"{where}: op {op} of a key {why}")
                elif before is not None:
                    compare_before(m, before, state[m.ck])
                if op == "u":
                    if after is not None:
                        state[m.ck] = after
                else:
                    state.pop(m.ck, None)
                    gone.add(m.ck)
                    nxt = msgs[i + 1] if i + 1 < len(msgs) else None
                    if nxt is None or not nxt.tombstone or nxt.ck != m.ck:
                        problems.append(f"{where}: the delete is not followed by its tombstone")

    # ---- source.row: each rows event's rows numbered from 0
    for (gtid, file, pos), changes in rows_events.items():
        by_row = {}
        for r, op, ck, where in changes:
            if isinstance(r, bool) or not isinstance(r, int) or r < 0:
                problems.append(f"{where}: op {op} source.row {r!r} is not a row index")
            else:
                by_row.setdefault(r, []).append((op, ck, where))
        event = f"{table}: rows event {file}:{pos} (GTID {gtid})"
        for r in sorted(by_row):
            shared = by_row[r]
            key_change = len(shared) == 2 and sorted(op for op, _, _ in shared) == ["c", "d"] and \
                shared[0][1] != shared[1][1]
            if len(shared) > 1 and not key_change:
                problems.append(f"{event}: {len(shared)} changes have row {r} "
                                f"({', '.join(f'op {op} key {ck}' for op, ck, _ in shared[:3])}): "
                                "each row of a rows event has its own index")
        if by_row and sorted(by_row) != list(range(len(by_row))):
            problems.append(f"{event}: rows numbered {sorted(by_row)[:10]}, not 0 to {len(by_row) - 1}")

    # ---- the final state against MySQL
    if key_columns is None:
        key_columns = ["id"] if "id" in colset else columns

    def db_key(row):
        return tuple(row.get(c, "") for c in key_columns)

    def show(k):
        return ",".join(f"{c}={v}" for c, v in zip(key_columns, k))

    db = {db_key(row): row for row in db_rows}
    rebuilt = {}
    for ck, row in state.items():
        key = json.loads(ck)
        rebuilt[tuple(as_db_text(key.get(c)) for c in key_columns)] = (ck, row)
    if set(db) != set(rebuilt):
        missing = sorted(set(db) - set(rebuilt))
        extra = sorted(set(rebuilt) - set(db))
        problems.append(f"{table}: {len(db)} rows in MySQL, {len(rebuilt)} rebuilt from events (not in the "
                        f"events: {[show(k) for k in missing[:5]]}, not in MySQL: {[show(k) for k in extra[:5]]})")
    for k in sorted(set(db) & set(rebuilt)):
        ck, row = rebuilt[k]
        diffs = []
        for col in columns:
            if col not in row:
                if col not in allowed:
                    diffs.append(f"{col}: MySQL has {db[k].get(col)!r}, the events none")
                continue
            want, got = db[k].get(col), as_db_text(row[col])
            if want != got:
                diffs.append(f"{col}: MySQL has {want!r}, the events {got!r}")
        if diffs:
            problems.append(f"{table} {key_text.get(ck, ck)}: {'; '.join(diffs[:3])}")
    return problems


# ------------------------------------------------------------------ main

def parse_ddl_columns(text):
    out = {}
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        table, dot, col = item.partition(".")
        if not dot or not table or not col:
            raise argparse.ArgumentTypeError(f"{item!r} is not TABLE.COLUMN")
        out.setdefault(table, set()).add(col)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="Checks the CDC topics <DC>_<table> against the tables.")
    ap.add_argument("--ddl-columns", type=parse_ddl_columns, action="append", default=[],
                    metavar="TABLE.COL[,TABLE.COL...]",
                    help="columns added by DDL while streaming: events before the DDL may lack them")
    ap.add_argument("--database", default="orders", help="the tables' database (default orders)")
    ap.add_argument("bootstrap", help="Kafka bootstrap servers")
    ap.add_argument("root_cnf", help="mariadb defaults file")
    ap.add_argument("dc", help="topic prefix: topics are <dc>_<table>")
    ap.add_argument("tables", nargs="+", metavar="table")
    args = ap.parse_args(argv)
    ddl = {}
    for part in args.ddl_columns:
        for table, cols in part.items():
            ddl.setdefault(table, set()).update(cols)

    problems, checked = [], 0
    for table in args.tables:
        messages = consume(args.bootstrap, f"{args.dc}_{table}")
        checked += len(messages)
        columns, rows = table_rows(args.root_cnf, table, args.database)
        problems += check_table(table, columns, messages, rows, ddl.get(table, ()))
    for p in problems[:MAX_FINDINGS]:
        print(p)
    if len(problems) > MAX_FINDINGS:
        print(f"... and {len(problems) - MAX_FINDINGS} more findings")
    print(f"checked {checked} events")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
