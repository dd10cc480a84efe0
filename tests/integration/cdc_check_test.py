#!/usr/bin/env python3
"""The CDC checker's own test: check_table() of cdc_check.py on made-up topics.

A good history (snapshot reads, creates, updates, a delete and its tombstone,
a primary-key change as delete + create, a column added by DDL with the
allow-list, two partitions in any interleaving, a key not named id) gives no
finding; each kind of wrong history gives the finding it should. No Kafka, no
MySQL: messages are kcat -J dicts, rows are what the mariadb client prints.
TAP output; exits 1 on any failure.
"""
import copy
import json
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdc_check import as_db_text, check_table  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

TABLE = "things"
COLUMNS = ["id", "name", "price", "made"]


class Topic:
    """Builds the kcat -J messages of one topic, as bridge cdc produces them.

    Each begin() starts a transaction: a new GTID, and a commit marker taking
    one offset in every partition (so offsets have gaps, as in Kafka)."""

    def __init__(self, table=TABLE, partitions=2, key="id"):
        self.table, self.partitions, self.key_name = table, partitions, key
        self.messages = []
        self.next_offset = {p: 0 for p in range(partitions)}
        self.seq = 100
        self.row = 0

    def partition_of(self, key_value):
        if isinstance(key_value, int):
            return key_value % self.partitions
        return sum(map(ord, str(key_value))) % self.partitions

    def begin(self, seq=None):
        for p in self.next_offset:
            self.next_offset[p] += 1  # the previous transaction's commit marker
        self.seq = self.seq + 1 if seq is None else seq
        self.row = 0
        return self

    def _put(self, partition, key_value, payload):
        if partition is None:
            partition = self.partition_of(key_value)
        msg = {"topic": f"dc_{self.table}", "partition": partition, "offset": self.next_offset[partition],
               "tstype": "create", "ts": 1767322000000, "broker": 1,
               "key": json.dumps({self.key_name: key_value}, separators=(",", ":")),
               "payload": payload}
        self.next_offset[partition] += 1
        self.messages.append(msg)
        return msg

    def event(self, op, key_value, before=None, after=None, partition=None, snapshot=False):
        # A snapshot read's source time is the clock's; a binlog event's whole seconds.
        source_ns = 1767322000123456789 if snapshot else 1767322000 * 10**9
        source = {"version": "1", "connector": "mysql", "name": "dc", "ts_ms": source_ns // 10**6,
                  "snapshot": "true" if snapshot else "false", "db": "orders", "sequence": None,
                  "ts_us": source_ns // 1000, "ts_ns": source_ns, "table": self.table, "server_id": 1,
                  "gtid": None if snapshot else f"0-1-{self.seq}",
                  "file": "" if snapshot else "binlog.000001",
                  "pos": 0 if snapshot else 4000 + self.seq * 10, "row": 0 if snapshot else self.row,
                  "thread": None, "query": None}
        self.row += 1
        envelope = {"before": before, "after": after, "source": source, "op": op, "ts_ms": 1767322001234,
                    "ts_us": 1767322001234567, "ts_ns": 1767322001234567891, "transaction": None}
        return self._put(partition, key_value, json.dumps(envelope, separators=(",", ":")))

    def tombstone(self, key_value, partition=None):
        return self._put(partition, key_value, None)

    # The usual shapes.
    def read(self, row):
        return self.event("r", row[self.key_name], None, row, snapshot=True)

    def create(self, row):
        return self.event("c", row[self.key_name], None, row)

    def update(self, before, after):
        return self.event("u", after[self.key_name], before, after)

    def delete(self, before):
        self.event("d", before[self.key_name], before, None)
        return self.tombstone(before[self.key_name])

    def key_change(self, before, after):
        """An update of the key: a delete (and tombstone) and a create, one row."""
        row_index = self.row
        self.delete(before)
        self.row = row_index
        return self.create(after)


def row(id_, name, price="1.00", made="2026-01-02T03:04:05Z", **more):
    r = {"id": id_, "name": name, "price": price, "made": made}
    r.update(more)
    return r


def db(*rows, columns=COLUMNS):
    """Rows as the mariadb client prints them."""
    return [{c: as_db_text(r.get(c)) for c in columns} for r in rows]


def good_history():
    """(messages, db rows): every rule kept, over two partitions."""
    t = Topic()
    r1, r2, r3 = row(1, "one"), row(2, "two", "2.50"), row(3, "three", None, None)
    t.begin(seq=100)  # the snapshot (no GTID, op r)
    for r in (r1, r2, r3):
        t.read(r)
    t.begin()
    r4 = row(4, "four", "4.00")
    t.create(r4)
    r1b = dict(r1, name="uno")
    t.update(r1, r1b)
    t.begin()
    r2b = dict(r2, price="2.75")
    t.update(r2, r2b)
    r2c = dict(r2b, name=None)  # two updates of one key in one transaction
    t.update(r2b, r2c)
    t.begin()
    t.delete(r3)
    t.begin()  # UPDATE things SET id = 6 WHERE id = 4: delete 4 + create 6, one row
    r6 = dict(r4, id=6)
    t.key_change(r4, r6)
    t.begin()
    r6b = dict(r6, name="six", made="2026-03-04T05:06:07.250000Z")
    t.update(r6, r6b)
    t.begin()
    r5 = row(5, "tab\there, back\\slash, new\nline")
    t.create(r5)
    return t.messages, db(r1b, r2c, r6b, r5)


def ddl_history():
    """customers.loyalty added by DDL after the snapshot: the snapshot lacks it."""
    cols = ["id", "name", "loyalty"]
    t = Topic(table="customers")
    t.begin(seq=200)
    a, b, c = {"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "c"}
    for r in (a, b, c):
        t.read(r)
    t.begin()
    b2 = {"id": 2, "name": "bee"}  # before the DDL
    t.update(b, b2)
    t.begin()  # ALTER TABLE customers ADD COLUMN loyalty INT DEFAULT 7
    d = {"id": 4, "name": "d", "loyalty": 7}
    t.create(d)
    t.begin()
    a2 = {"id": 1, "name": "a", "loyalty": 9}
    t.update({"id": 1, "name": "a", "loyalty": 7}, a2)  # the before has the default
    rows = [{"id": "1", "name": "a", "loyalty": "9"}, {"id": "2", "name": "bee", "loyalty": "7"},
            {"id": "3", "name": "c", "loyalty": "7"}, {"id": "4", "name": "d", "loyalty": "7"}]
    return cols, t.messages, rows


def mutate(messages, index, **changes):
    """A copy of messages with the envelope of message index changed (top_ts_ms etc.: the top-level ts_*)."""
    out = copy.deepcopy(messages)
    env = json.loads(out[index]["payload"])
    for k, v in changes.items():
        if k in ("before", "after", "op"):
            env[k] = v
        elif k.startswith("top_"):
            env[k[4:]] = v
        else:
            env["source"][k] = v
    out[index]["payload"] = json.dumps(env)
    return out


def cli(messages, rows, columns, *options):
    """Runs cdc_check.py with a kcat and a mariadb of its own on PATH (they
    print the given messages and rows): (exit status, output)."""
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "topic.jsonl"), "w") as f:
            f.write("".join(json.dumps(m) + "\n" for m in messages))
        with open(os.path.join(tmp, "rows.tsv"), "w") as f:
            lines = ["\t".join(columns)] if rows else []
            lines += ["\t".join(r[c] for c in columns) for r in rows]
            f.write("".join(line + "\n" for line in lines))
        with open(os.path.join(tmp, "columns.tsv"), "w") as f:
            f.write("COLUMN_NAME\n" + "".join(c + "\n" for c in columns))
        # kcat prints the messages; mariadb the rows, or the column names.
        tools = {"kcat": 'cat "$D/topic.jsonl"',
                 "mariadb": 'case "$*" in *information_schema*) cat "$D/columns.tsv";; *) cat "$D/rows.tsv";; esac'}
        for name, body in tools.items():
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write(f"#!/bin/sh\nD={tmp}\n{body}\n")
            os.chmod(path, 0o755)
        env = dict(os.environ, PATH=tmp + os.pathsep + os.environ.get("PATH", ""))
        out = subprocess.run([sys.executable, os.path.join(HERE, "cdc_check.py"), *options],
                             capture_output=True, text=True, env=env, timeout=60)
        return out.returncode, out.stdout + out.stderr


# ------------------------------------------------------------------ TAP

n = 0
failed = 0


def report(passed, what, diagnostics=(), always=False):
    """One TAP line; the diagnostics as "#" lines when it failed (or always)."""
    global n, failed
    n += 1
    if not passed:
        failed += 1
    print(f"{'ok' if passed else 'not ok'} {n} - {what}")
    if always or not passed:
        for d in list(diagnostics)[:8]:
            for line in str(d).rstrip("\n").split("\n"):
                print(f"#   {line}")


def passes(what, columns, messages, rows, ddl=()):
    problems = check_table(TABLE if columns is COLUMNS else "customers", columns, messages, rows, ddl)
    report(problems == [], what, problems)


def fails(what, needle, messages, rows, columns=COLUMNS, table=TABLE, ddl=()):
    """Passes when check_table finds a problem containing needle."""
    problems = check_table(table, columns, messages, rows, ddl)
    hit = any(needle in p for p in problems)
    # On success, the finding that matched, to read; on failure, all of them.
    report(hit, what, [p for p in problems if needle in p][:1] if hit else problems or ["no finding at all"],
           always=True)


def by_key(messages, id_):
    """Indexes of the messages of key {"id": id_}."""
    key = json.dumps({"id": id_}, separators=(",", ":"))
    return [i for i, m in enumerate(messages) if m["key"] == key]


def main():
    msgs, rows = good_history()

    # --- good histories pass
    passes("a good history passes (r, c, u, d + tombstone, key change, two partitions)", COLUMNS, msgs, rows)
    assert {m["partition"] for m in msgs} == {0, 1}
    p1_first = sorted(msgs, key=lambda m: (-m["partition"], m["offset"]))
    passes("the same history with partition 1 read before partition 0", COLUMNS, p1_first, rows)
    mixed = []
    p0 = [m for m in msgs if m["partition"] == 0]
    p1 = [m for m in msgs if m["partition"] == 1]
    while p0 or p1:  # kcat's interleaving: a few of one, a few of the other
        mixed += p1[:2] + p0[:3]
        p1, p0 = p1[2:], p0[3:]
    passes("the same history interleaved as kcat may print it", COLUMNS, mixed, rows)
    passes("the same history in reverse: each partition sorted by offset", COLUMNS, list(reversed(msgs)), rows)
    passes("an empty topic of an empty table passes", COLUMNS, [], [])

    cols, dmsgs, drows = ddl_history()
    passes("a DDL-added column, allow-listed as customers.loyalty, passes", cols, dmsgs, drows,
           ddl=["customers.loyalty"])
    passes("the allow-list may name the bare column too", cols, dmsgs, drows, ddl={"customers": {"loyalty"}})

    t = Topic(table="codes", key="code")
    t.begin()
    t.create({"code": "AB", "label": "x"})
    t.create({"code": "CD", "label": "y"})
    t.begin()
    t.update({"code": "AB", "label": "x"}, {"code": "AB", "label": "z"})
    problems = check_table("codes", ["code", "label"], t.messages,
                           [{"code": "AB", "label": "z"}, {"code": "CD", "label": "y"}])
    report(problems == [], "a key not named id is matched against the row's columns", problems)

    # --- history
    i2 = by_key(msgs, 2)  # r, u, u
    lost = [m for j, m in enumerate(msgs) if j != i2[1]]
    fails("a lost intermediate update", "before differs from the row rebuilt so far", lost, rows)
    lost_create = [m for j, m in enumerate(msgs) if j != by_key(msgs, 6)[0]]  # key 6: c, u
    fails("a lost create (u of a key never created)", "op u of a key never created", lost_create, rows)
    t = Topic()
    t.begin()
    t.update(row(9, "x"), row(9, "y"))
    fails("an update of a key never created", "op u of a key never created", t.messages, db(row(9, "y")))
    t = Topic()
    t.begin()
    t.delete(row(9, "x"))
    fails("a delete of a key never created", "op d of a key never created", t.messages, [])
    t = Topic()
    t.begin()
    t.create(row(9, "x"))
    t.begin()
    t.delete(row(9, "x"))
    t.begin()
    t.update(row(9, "x"), row(9, "y"))
    fails("an update of a deleted key", "op u of a key deleted", t.messages, db(row(9, "y")))
    # The update of key 1 written again at the end of its partition, as a
    # replay after a crash would.
    again = dict(msgs[by_key(msgs, 1)[1]], offset=10_000)
    fails("a duplicate change", "appears twice", msgs + [again], rows)
    t = Topic()
    t.begin()
    t.create(row(9, "x"))
    t.begin()
    t.create(row(9, "x"))
    fails("a key created twice (c, c)", "key created twice (op c)", t.messages, db(row(9, "x")))
    t = Topic()
    t.begin()
    t.read(row(9, "x"))
    t.begin()
    t.create(row(9, "x"))
    fails("a snapshot row created again by the stream (r, c)", "key created twice (op c)", t.messages,
          db(row(9, "x")))
    t = Topic()
    t.begin(seq=10)
    t.create(row(9, "a"))
    t.begin(seq=12)
    t.update(row(9, "a"), row(9, "b"))
    t.begin(seq=11)
    t.update(row(9, "b"), row(9, "c"))
    fails("events of a key out of commit order", "out of commit order", t.messages, db(row(9, "c")))
    moved = copy.deepcopy(msgs)
    j = by_key(moved, 1)[1]
    moved[j]["partition"], moved[j]["offset"] = 0, 10_000
    fails("a key in two partitions", "also in partition", moved, rows)
    fails("a change without a GTID", "without a GTID", mutate(msgs, by_key(msgs, 1)[1], gtid=None), rows)

    # --- source.row
    t = Topic()
    t.begin()  # INSERT INTO things VALUES (1, ...), (2, ...), (3, ...): rows 0, 1, 2
    for i in (1, 2, 3):
        t.create(row(i, "x"))
    three = db(row(1, "x"), row(2, "x"), row(3, "x"))
    passes("a rows event of three rows numbered 0, 1, 2", COLUMNS, t.messages, three)
    fails("a rows event whose rows are all row 0", "3 changes have row 0",
          [m if j == 0 else mutate([m], 0, row=0)[0] for j, m in enumerate(t.messages)], three)
    fails("a rows event numbered from 1", "rows numbered [1, 2, 3], not 0 to 2",
          [mutate([m], 0, row=j + 1)[0] for j, m in enumerate(t.messages)], three)
    fails("a gap in a rows event's numbering", "rows numbered [0, 1, 3], not 0 to 2",
          mutate(t.messages, 2, row=3), three)
    fails("a row index that is not a number", "source.row None is not a row index",
          mutate(t.messages, 1, row=None), three)
    t = Topic()
    t.begin()
    t.create(row(1, "x"))
    t.create(row(2, "y"))
    t.begin()  # two key changes in one rows event: each pair shares its row
    t.key_change(row(1, "x"), row(11, "x"))
    t.key_change(row(2, "y"), row(12, "y"))
    passes("key changes: each delete and create share their row", COLUMNS, t.messages,
           db(row(11, "x"), row(12, "y")))
    t = Topic()
    t.begin()
    t.create(row(1, "x"))
    t.create(row(2, "y"))
    t.begin()
    t.update(row(1, "x"), row(1, "a"))
    t.row = 0
    t.update(row(2, "y"), row(2, "b"))
    fails("two updates of other keys sharing a row", "2 changes have row 0", t.messages,
          db(row(1, "a"), row(2, "b")))
    t = Topic()
    t.begin()
    t.create(row(1, "x"))
    t.create(row(2, "y"))
    first, second = t.messages
    second = mutate([second], 0, pos=9999, row=0)[0]  # the statement's next rows event
    passes("a statement split into two rows events: each starts at row 0", COLUMNS, [first, second],
           db(row(1, "x"), row(2, "y")))

    # --- timestamps
    j = by_key(msgs, 1)[1]  # a streamed update
    fails("an envelope without ts_us and ts_ns (Debezium 2)",
          "op u ts_ms, ts_us, ts_ns are [1767322001234, None, None]",
          mutate(msgs, j, top_ts_us=None, top_ts_ns=None), rows)
    fails("a top-level ts_us of another instant", "op u ts_ms 1767322001234, ts_us 1767322001235567",
          mutate(msgs, j, top_ts_us=1767322001235567), rows)
    fails("a top-level ts_ns of another instant", "are not one instant",
          mutate(msgs, j, top_ts_ns=1767322001234568891), rows)
    fails("a source without ts_ns", "op u source ts_ms, ts_us, ts_ns are", mutate(msgs, j, ts_ns=None), rows)
    fails("a source ts_us in milliseconds", "op u source ts_ms 1767322000000, ts_us 1767322000000,",
          mutate(msgs, j, ts_us=1767322000000), rows)
    fails("a streamed change's source time finer than the binlog's seconds", "are not a binlog time",
          mutate(msgs, j, ts_ms=1767322000123, ts_us=1767322000123456, ts_ns=1767322000123456789), rows)
    fails("a snapshot read's source ts_ns of another instant", "op r source ts_ms",
          mutate(msgs, by_key(msgs, 1)[0], ts_ns=1), rows)

    # --- tombstones
    i3 = by_key(msgs, 3)  # r, d, tombstone
    fails("a delete with no tombstone", "the delete is not followed by its tombstone",
          [m for j, m in enumerate(msgs) if j != i3[2]], rows)
    stray = copy.deepcopy(msgs)
    stray.append(dict(stray[i3[2]], key='{"id":1}', offset=10_000))
    fails("a tombstone with no delete", "a tombstone not right after a delete", stray, rows)
    other = copy.deepcopy(msgs)
    other[i3[2]]["key"] = '{"id":1}'
    fails("a tombstone of another key after a delete", "a tombstone right after the delete of another key",
          other, rows)
    t = Topic(partitions=1)
    t.begin()
    t.create(row(1, "a"))
    t.create(row(2, "b"))
    t.begin()
    t.event("d", 1, row(1, "a"), None)
    t.update(row(2, "b"), row(2, "c"))
    t.tombstone(1)
    fails("a tombstone not the very next message of its partition", "the delete is not followed by its tombstone",
          t.messages, db(row(2, "c")))
    t = Topic(partitions=2)
    t.begin()
    t.create(row(1, "a"))
    t.begin()
    t.event("d", 1, row(1, "a"), None)
    t.tombstone(1, partition=0)  # key 1 lives in partition 1
    fails("a tombstone in another partition", "the delete is not followed by its tombstone", t.messages, [])

    # --- columns
    i6 = by_key(msgs, 6)  # c, u
    env = json.loads(msgs[i6[1]]["payload"])
    short = {k: v for k, v in env["after"].items() if k != "made"}
    fails("a column missing from an after", "after lacks columns ['made']",
          mutate(msgs, i6[1], after=short), rows)
    fails("an after holding only the key", "after holds only the key", mutate(msgs, i6[1], after={"id": 6}), rows)
    fails("a create whose after holds only the key", "after holds only the key",
          mutate(msgs, by_key(msgs, 4)[0], after={"id": 4}), rows)
    short_before = {k: v for k, v in env["before"].items() if k != "price"}
    fails("a column missing from a before", "before lacks columns ['price']",
          mutate(msgs, i6[1], before=short_before), rows)
    fails("a before missing a column is not equal to the rebuilt row", "price only in the rebuilt row",
          mutate(msgs, i6[1], before=short_before), rows)
    fails("a column the table has not", "has columns the table has not: ['colour']",
          mutate(msgs, i6[1], after=dict(env["after"], colour="red")), rows)
    fails("an image whose key column is not the message key", "has id=7, not the key's",
          mutate(msgs, i6[1], after=dict(env["after"], id=7)), rows)
    fails("an update without an after", "op u without an after", mutate(msgs, i6[1], after=None), rows)
    fails("a DDL-added column without the allow-list", "lacks columns ['loyalty']", dmsgs, drows,
          columns=cols, table="customers")
    fails("the allow-list is per table", "lacks columns ['loyalty']", dmsgs, drows, columns=cols,
          table="customers", ddl=["suppliers.loyalty"])
    t = Topic(table="customers", partitions=1)
    t.begin()
    t.create({"id": 1, "name": "a", "loyalty": 7})
    t.begin()
    t.create({"id": 2, "name": "b"})
    fails("an allow-listed column missing after an event carried it (same partition)",
          "lacks loyalty, which earlier events carried", t.messages,
          [{"id": "1", "name": "a", "loyalty": "7"}, {"id": "2", "name": "b", "loyalty": "7"}],
          columns=cols, table="customers", ddl=["customers.loyalty"])
    t = Topic(table="customers", partitions=2)
    t.begin()
    t.create({"id": 1, "name": "a", "loyalty": 7})  # partition 1
    t.begin()
    t.create({"id": 2, "name": "b"})  # partition 0, a later GTID
    fails("an allow-listed column missing after an event carried it (later GTID, other partition)",
          "lacks loyalty, which earlier events carried", t.messages,
          [{"id": "1", "name": "a", "loyalty": "7"}, {"id": "2", "name": "b", "loyalty": "7"}],
          columns=cols, table="customers", ddl=["customers.loyalty"])
    bad_before = copy.deepcopy(dmsgs)
    bad_before = mutate(bad_before, len(bad_before) - 1, before={"id": 1, "name": "A", "loyalty": 7})
    fails("with the allow-list, the other columns of a before still count", "name: rebuilt \"a\", before \"A\"",
          bad_before, drows, columns=cols, table="customers", ddl=["customers.loyalty"])

    # --- final state
    wrong = copy.deepcopy(rows)
    wrong[0]["name"] = "one"
    fails("a final state differing from MySQL", "name: MySQL has 'one', the events 'uno'", msgs, wrong)
    wrong = copy.deepcopy(rows)
    wrong[1]["price"] = "2.70"
    fails("a DECIMAL differing from MySQL", "price: MySQL has '2.70', the events '2.75'", msgs, wrong)
    wrong = copy.deepcopy(rows)
    wrong[2]["made"] = "2026-03-04 05:06:07"
    fails("a DATETIME differing from MySQL", "made: MySQL has '2026-03-04 05:06:07'", msgs, wrong)
    fails("a row MySQL has and the events lack", "not in the events: ['id=7']",
          msgs, rows + db(row(7, "seven")))
    fails("a row the events have and MySQL lacks", "not in MySQL: ['id=6']",
          msgs, [r for r in rows if r["id"] != "6"])
    fails("a column MySQL has and the events never carried", "loyalty: MySQL has '7', the events none",
          msgs, [dict(r, loyalty="7") for r in rows], columns=COLUMNS + ["loyalty"])

    # --- as_db_text
    conv = [(None, "NULL"), (True, "1"), (12, "12"), ("12.50", "12.50"), ("2026-01-02T03:04:05Z",
            "2026-01-02 03:04:05"), ("2026-01-02T03:04:05.123456Z", "2026-01-02 03:04:05.123456"),
            ("a\tb\\c\nd", "a\\tb\\\\c\\nd"), ("2026-01-02", "2026-01-02")]
    bad = [(v, as_db_text(v), want) for v, want in conv if as_db_text(v) != want]
    report(not bad, "as_db_text prints values as the mariadb client does", [repr(b) for b in bad])

    # --- the command line, with stand-ins for kcat and mariadb
    rc, out = cli(msgs, rows, COLUMNS, "127.0.0.1:1", "root.cnf", "dc", TABLE)
    report(rc == 0 and out.strip().endswith(f"checked {len(msgs)} events"),
           "the CLI: a good topic, exit 0 and 'checked N events'", [out])
    wrong = copy.deepcopy(rows)
    wrong[0]["name"] = "one"
    rc, out = cli(msgs, wrong, COLUMNS, "127.0.0.1:1", "root.cnf", "dc", TABLE)
    report(rc == 1 and out.split("\n")[1:] == [f"checked {len(msgs)} events", ""] and "MySQL has" in out,
           "the CLI: a finding, one line for it, exit 1", [out])
    rc, out = cli(dmsgs, drows, cols, "--ddl-columns", "customers.loyalty,suppliers.x", "127.0.0.1:1",
                  "root.cnf", "dc", "customers")
    report(rc == 0, "the CLI: --ddl-columns before the positionals", [out])
    rc, out = cli(dmsgs, drows, cols, "127.0.0.1:1", "root.cnf", "dc", "customers")
    report(rc == 1 and "lacks columns ['loyalty']" in out, "the CLI: without --ddl-columns, the DDL column counts",
           [out])
    rc, out = cli([], [], COLUMNS, "127.0.0.1:1", "root.cnf", "dc", TABLE)
    report(rc == 0 and "checked 0 events" in out, "the CLI: an empty table, its names from information_schema",
           [out])
    rc, out = cli(msgs, [], COLUMNS, "127.0.0.1:1", "root.cnf", "dc", TABLE)
    report(rc == 1 and "0 rows in MySQL" in out, "the CLI: an emptied table while the events have rows", [out])
    many = [dict(m, key='{"id":%d}' % (1000 + j), payload=None, offset=j) for j, m in enumerate(msgs * 3)]
    rc, out = cli(many, [], COLUMNS, "127.0.0.1:1", "root.cnf", "dc", TABLE)
    lines = out.strip().split("\n")
    report(rc == 1 and len(lines) == 32 and "more findings" in lines[-2],
           "the CLI: at most 30 findings, then how many more", lines[-3:])
    rc, out = cli(msgs, rows, COLUMNS, "--ddl-columns", "loyalty", "127.0.0.1:1", "root.cnf", "dc", TABLE)
    report(rc == 2 and "not TABLE.COLUMN" in out, "the CLI: a malformed --ddl-columns is refused", [out])

    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
