#!/usr/bin/env python3
"""Records for the lake formats suite, as `kafka_check lines` takes them
(COLUMNS<TAB>KEY<TAB>VALUE): Debezium envelopes of a table with a column of
every type CDC gives, its "bridgelab.columns" header as bridge cdc writes it
(bridge/cdc/event_json.h), and values that test the writers: exact
DECIMALs (65 digits too), negative ones, fractions of a second, dates
before 1970, NULLs, empty strings, UTF-8, 64 KiB texts, bytes, the largest
BIGINT UNSIGNED, updates and deletes (with their tombstones).

  typed_records.py FIRST COUNT [--ddl-every N] [--big-every N] [--plain]
      ids FIRST..FIRST+COUNT-1; every N-th record (--ddl-every) is of the
      table after an ALTER TABLE ADD COLUMN note, interleaved with the
      others; every N-th (--big-every) holds a 64 KiB text; --plain: inserts
      only (no updates, deletes or tombstones: a row a record, for the
      benchmark)."""
import argparse
import base64
import json

COLUMNS = [
    ["id", "int32"], ["qty", "int32?"], ["total", "int64?"], ["price", "decimal(10,2)?"],
    ["wide", "decimal(65,30)?"], ["ubig", "uint64?"], ["ratio", "float?"], ["amount", "double?"],
    ["name", "string?"], ["raw", "bytes?"], ["flag", "boolean?"], ["day", "date?"], ["dur", "time?"],
    ["placed", "timestamp?"],
]
ALTERED = COLUMNS + [["note", "string?"]]


def after(i, ddl, big):
    nul = i % 7 == 3  # a row of NULLs (but the key)
    row = {
        "id": i,
        "qty": None if nul else i % 1000 - 500,
        "total": None if nul else i * 1000003 - 2**40,
        "price": None if nul else f"{'-' if i % 5 == 0 and i % 100000 else ''}{i % 100000}.{i % 100:02d}",
        "wide": None if nul else f"{i % 10000 + 1}{'9' * 30}.{'0' * 29}{i % 10}",
        "ubig": None if nul else (18446744073709551615 if i % 11 == 0 else i),
        "ratio": None if nul else i / 8 + 0.1,
        "amount": None if nul else i * 0.25 - 1e6,
        "name": None if nul else ("" if i % 13 == 0 else f"customer {i} é € 😀 \"q\" \\ ,"),
        "raw": None if nul else base64.b64encode(bytes([i % 256, 0, 255, 10])).decode(),
        "flag": None if nul else i % 2 == 0,
        "day": None if nul else f"{1950 + i % 100:04d}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "dur": None if nul else f"{'-' if i % 9 == 0 else ''}{i % 839:02d}:{i % 60:02d}:{i % 60:02d}.5",
        "placed": None if nul else f"{1990 + i % 40:04d}-06-{1 + i % 28:02d}T12:{i % 60:02d}:05.{i % 1000000:06d}Z",
    }
    if big:
        row["name"] = ("x" * 1023 + "\u00e9") * 64
    if ddl:
        row["note"] = None if i % 3 == 0 else f"note {i}"
    return row


def envelope(i, op, before, image):
    return {"before": before, "after": image,
            "source": {"version": "bridgelab-0.1", "connector": "mysql", "name": "dc01", "ts_ms": 1700000000000 + i,
                       "snapshot": "false", "db": "orders", "table": "typed", "server_id": 1,
                       "gtid": f"0-1-{i}", "file": "mysql-bin.000001", "pos": 1000 + i, "row": i % 3},
            "op": op, "ts_ms": 1700000000001 + i, "transaction": None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("first", type=int)
    ap.add_argument("count", type=int)
    ap.add_argument("--ddl-every", type=int, default=0)
    ap.add_argument("--big-every", type=int, default=0)
    ap.add_argument("--plain", action="store_true")
    args = ap.parse_args()
    for i in range(args.first, args.first + args.count):
        ddl = args.ddl_every > 0 and i % args.ddl_every == 0
        big = args.big_every > 0 and i % args.big_every == 0
        header = json.dumps(ALTERED if ddl else COLUMNS, separators=(",", ":"))
        image = after(i, ddl, big)
        key = json.dumps({"id": i}, separators=(",", ":"))
        op = "c"
        before = None
        if i % 17 == 5 and not args.plain:  # an update: the row before and after
            op = "u"
            before = dict(image, name="old")
        if i % 19 == 7 and not args.plain:  # a delete, then its tombstone
            value = envelope(i, "d", image, None)
            print(f"{header}\t{key}\t{json.dumps(value, ensure_ascii=False, separators=(',', ':'))}")
            print(f"\t{key}\t")
            continue
        value = envelope(i, op, before, image)
        print(f"{header}\t{key}\t{json.dumps(value, ensure_ascii=False, separators=(',', ':'))}")


if __name__ == "__main__":
    main()
