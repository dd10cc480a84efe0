#!/usr/bin/env python3
"""The sink suite's checker: reads a topic from the cloud cluster with kcat
(read_committed) and the lake on its own — a folder with the os module, or
Azurite / an account with Microsoft's azure-storage-blob SDK — and says
whether the lake holds every record of the topic exactly once.

  lake_check.py equal --bootstrap SERVERS (--dir PATH | --azure URL --key-file F)
                [--topics-dir DIR] [--format json|csv|bytes|avro|parquet]
                [--separator TEXT] [--table delta] [--partitioner KIND]
                [--wait SECONDS] TOPIC...
      Per partition: every record with a value (tombstones are left out) is
      in exactly one file, files hold their records in offset order, every
      file parses, its name is <topic>+<partition>+<first offset:010>.<ext>
      and its metadata (blob metadata, or the folder's side record) names
      its topic, partition, first and last offsets and record count; each
      file lies in the folder its partitioner gives each of its records.
      KIND: default, field:NAME[,NAME], time (the record's timestamp, UTC,
      'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH) or time-field:NAME.
      --wait: try again until it holds or SECONDS pass (the last finding is
      reported).
      avro files are read with fastavro, parquet files with pyarrow (and the
      topic's folder once more with duckdb's read_parquet); their rows must
      equal the records' flat rows value for value, typed by the records'
      "bridgelab.columns" header (DECIMAL exact, times exact, NULLs, UTF-8;
      with --table delta a DECIMAL of more than 38 digits is its text;
      an inferred type when a record has none). --table delta: the topic's
      Delta table, read with the deltalake package, holds every record's row
      exactly once, and each partition's txn version is its last offset.
  lake_check.py files (--dir PATH | --azure URL --key-file F) [--topics-dir DIR] TOPIC
      prints one line per file of the topic: name, records, first and last
      offsets, flush start and end (from the metadata).

Record values of a topic must be unique within a partition (each record is
found by its value). Findings go to stdout; the last line sums up."""
import argparse
import base64
import csv
import datetime
import decimal
import io
import json
import os
import re
import struct
import subprocess
import sys
import time

META = ("topic", "partition", "first_offset", "last_offset", "records", "flush_start", "flush_end",
        "flush_files", "flush_index")
UNSAFE = set(b" \"#%'*+/:=?\\[]^{}")


def kcat(*args):
    out = subprocess.run(["kcat", *args], check=True, capture_output=True, timeout=300)
    return out.stdout.decode("utf-8", "surrogateescape")


def partitions(servers, topic):
    md = json.loads(kcat("-L", "-J", "-b", servers, "-t", topic))
    for t in md.get("topics", []):
        if t["topic"] == topic and not t.get("error"):
            return len(t["partitions"])
    return 0


def records(servers, topic, partition):
    text = kcat("-C", "-b", servers, "-t", topic, "-p", str(partition), "-o", "beginning", "-e", "-q", "-J",
                "-X", "isolation.level=read_committed")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# ------------------------------------------------------------------ lakes
class FolderLake:
    def __init__(self, root):
        self.root = root

    def files(self, prefix):
        base = os.path.join(self.root, prefix)
        for folder, _, names in os.walk(base):
            for name in sorted(names):
                if name.startswith("."):
                    continue
                path = os.path.join(folder, name)
                yield os.path.relpath(path, self.root), self.meta(folder, name)

    def meta(self, folder, name):
        side = os.path.join(folder, "." + name + ".meta")
        meta = {}
        if os.path.exists(side):
            with open(side, encoding="utf-8") as f:
                for line in f:
                    if "=" in line:
                        k, v = line.rstrip("\n").split("=", 1)
                        meta[k.lower()] = v
        return meta

    def read(self, name):
        with open(os.path.join(self.root, name), "rb") as f:
            return f.read()


class AzureLake:
    """Microsoft's own client: the lake as Azure's readers see it."""

    def __init__(self, url, key_file):
        from azure.storage.blob import ContainerClient
        m = re.match(r"(https?://[^/]+/([^/]+))/([^/?]+)$", url)
        if not m:
            raise SystemExit(f"--azure {url}: expected http://host:port/<account>/<container>")
        with open(key_file, encoding="utf-8") as f:
            key = f.readline().strip()
        account_url, account, container = m.group(1), m.group(2), m.group(3)
        self.client = ContainerClient(account_url, container, credential={"account_name": account,
                                                                          "account_key": key})

    def files(self, prefix):
        for b in self.client.list_blobs(name_starts_with=prefix, include=["metadata"]):
            yield b.name, {k.lower(): v for k, v in (b.metadata or {}).items()}

    def read(self, name):
        return self.client.download_blob(name).readall()


def open_lake(args):
    if args.dir:
        return FolderLake(args.dir)
    return AzureLake(args.azure, args.key_file)


# ----------------------------------------------------------- expectations
def escape(value):
    if value is None or value == "":
        return "__HIVE_DEFAULT_PARTITION__"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = json.dumps(value)
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, separators=(",", ":"))
    if text in (".", ".."):
        return "%2E" * len(text)
    out = bytearray()
    for byte in text.encode("utf-8"):
        if byte < 0x20 or byte == 0x7F or byte in UNSAFE:
            out += b"%%%02X" % byte
        else:
            out.append(byte)  # UTF-8 stays as it is
    return out.decode("utf-8")


def flat_row(value):
    try:
        doc = json.loads(value)
    except (ValueError, TypeError):
        return None
    if not isinstance(doc, dict):
        return None
    if "op" in doc and ("after" in doc or "before" in doc):
        image = doc.get("before") if doc.get("op") == "d" else doc.get("after")
        row = dict(image or {})
        source = doc.get("source") or {}
        row["__op"] = doc.get("op")
        row["__file"] = source.get("file")
        row["__pos"] = source.get("pos")
        row["__row"] = source.get("row")
        row["__gtid"] = source.get("gtid")
        row["__source_ts_ms"] = source.get("ts_ms")
        return row
    return doc


def parse_time(v):
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return datetime.datetime.fromtimestamp(v / 1000, datetime.timezone.utc)
    if isinstance(v, str):
        text = v.replace("Z", "+00:00")
        d = datetime.datetime.fromisoformat(text) if "T" in text or " " in text else \
            datetime.datetime.fromisoformat(text + "T00:00:00")
        if d.tzinfo is None:
            d = d.replace(tzinfo=datetime.timezone.utc)
        return d.astimezone(datetime.timezone.utc)
    return None


def folder_of(kind, rec):
    if kind == "default":
        return f"partition={rec['partition']}"
    row = flat_row(rec["payload"])
    if kind.startswith("field:"):
        parts = []
        for name in kind[6:].split(","):
            parts.append(f"{name}={escape((row or {}).get(name))}")
        return "/".join(parts)
    if kind == "time" or kind.startswith("time-field:"):
        if kind == "time":
            d = datetime.datetime.fromtimestamp(rec["ts"] / 1000, datetime.timezone.utc)
        else:
            d = parse_time((row or {}).get(kind[11:]))
        return d.strftime("year=%Y/month=%m/day=%d/hour=%H")
    raise SystemExit(f"unknown partitioner {kind}")


def csv_cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return v
    return json.dumps(v, separators=(",", ":"))


def same_cell(text, want):
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        try:
            return float(text) == float(want)
        except ValueError:
            return False
    if isinstance(want, str) and want.startswith(("{", "[")) is False:
        return text == want
    try:
        return json.loads(text) == json.loads(want)
    except ValueError:
        return text == want


# ------------------------------------------------------------ typed rows
decimal.getcontext().prec = 100  # MySQL's DECIMAL goes to 65 digits
DECIMAL_TEXT_PAST = 0  # --table delta: 38
ENVELOPE_TYPES = [("__op", "string"), ("__file", "string?"), ("__pos", "int64?"), ("__row", "int64?"),
                  ("__gtid", "string?"), ("__source_ts_ms", "int64?")]


def columns_of(rec, row):
    """The row's [name, type] pairs: the record's header, else inferred."""
    h = rec.get("headers") or {}
    if isinstance(h, list):  # kcat gives [name, value, name, value, ...]
        h = dict(zip(h[0::2], h[1::2]))
    header = h.get("bridgelab.columns")
    if header is not None:
        cols = [tuple(c) for c in json.loads(header)]
        doc = json.loads(rec["payload"])
        if isinstance(doc, dict) and "op" in doc and ("after" in doc or "before" in doc):
            cols += ENVELOPE_TYPES
        return cols
    cols = []
    for name, v in row.items():
        if isinstance(v, bool):
            cols.append((name, "boolean?"))
        elif isinstance(v, int):
            cols.append((name, "int64?"))
        elif isinstance(v, float):
            cols.append((name, "double?"))
        else:
            cols.append((name, "string?"))
    return cols


def typed_value(kind, v):
    """A flat row's JSON value as the reader gives it back for the column's type."""
    kind = kind.rstrip("?")
    if v is None:
        return None
    if kind in ("int32", "int64"):
        return int(v)
    if kind.startswith("decimal") and DECIMAL_TEXT_PAST and int(kind[8:kind.index(",")]) > DECIMAL_TEXT_PAST:
        return v  # a Delta table holds at most 38 digits: the sink writes wider ones as their text
    if kind == "uint64" or kind.startswith("decimal"):
        scale = 0 if kind == "uint64" else int(kind[kind.index(",") + 1:-1])
        return decimal.Decimal(str(v)).quantize(decimal.Decimal(1).scaleb(-scale))
    if kind == "float":
        return struct.unpack("<f", struct.pack("<f", v))[0]
    if kind == "double":
        return float(v)
    if kind == "boolean":
        return bool(v)
    if kind == "bytes":
        return base64.b64decode(v)
    if kind == "date":
        return datetime.date.fromisoformat(v)
    if kind == "timestamp":
        return parse_time(v)
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"), ensure_ascii=False)
    return v if isinstance(v, str) else json.dumps(v)


def canon(v):
    if isinstance(v, decimal.Decimal):
        return "D" + format(v.normalize(), "f")
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.timezone.utc)
        return "T" + v.astimezone(datetime.timezone.utc).isoformat()
    if isinstance(v, datetime.date):
        return "d" + v.isoformat()
    if isinstance(v, bytes):
        return "b" + v.hex()
    if isinstance(v, float):
        return "f" + repr(v)
    return v


def row_key(row):
    """A typed row as one comparable text (columns absent count as null)."""
    return json.dumps({k: canon(v) for k, v in row.items() if v is not None}, sort_keys=True, default=str)


def expected_row(rec):
    row = flat_row(rec["payload"])
    if row is None:
        return None
    return {name: typed_value(kind, row.get(name)) for name, kind in columns_of(rec, row)}


def avro_rows(data, name, problems):
    import fastavro
    try:
        return list(fastavro.reader(io.BytesIO(data)))
    except Exception as e:  # any reader error is a finding
        problems.append(f"{name}: fastavro cannot read it: {e}")
        return []


def parquet_rows(data, name, problems):
    import pyarrow.parquet as pq
    try:
        return pq.read_table(io.BytesIO(data)).to_pylist()
    except Exception as e:
        problems.append(f"{name}: pyarrow cannot read it: {e}")
        return []


# ---------------------------------------------------------------- reading
def file_items(fmt, data, name, problems, separator="\n"):
    """The file's records: values (json, bytes), rows (csv dicts) or typed rows (avro, parquet)."""
    if fmt == "avro":
        return avro_rows(data, name, problems)
    if fmt == "parquet":
        return parquet_rows(data, name, problems)
    if fmt == "bytes":
        sep = separator.encode("utf-8")
        if not sep:
            return [data.decode("utf-8", "surrogateescape")]
        parts = data.split(sep)
        if parts and parts[-1] == b"":
            parts.pop()
        else:
            problems.append(f"{name}: does not end with the separator")
        return [p.decode("utf-8", "surrogateescape") for p in parts]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(f"{name}: not UTF-8")
        return []
    if fmt == "json":
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        else:
            problems.append(f"{name}: does not end with a line end")
        for i, line in enumerate(lines):
            try:
                json.loads(line)
            except ValueError:
                problems.append(f"{name}: line {i + 1} is not JSON: {line[:60]!r}")
        return lines
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        problems.append(f"{name}: empty")
        return []
    if not text.endswith("\r\n"):
        problems.append(f"{name}: does not end with CRLF")
    header = rows[0]
    out = []
    for i, r in enumerate(rows[1:]):
        if len(r) != len(header):
            problems.append(f"{name}: row {i + 2} has {len(r)} fields, the header {len(header)}")
        out.append(dict(zip(header, r)))
    return out


def match_csv(row, candidates):
    """The offset of the record whose flat row the csv row is."""
    for off, want in candidates:
        if want is None:
            want = {"value": None}
        if set(row) != set(want):
            continue
        if all(same_cell(row[k], csv_cell(want[k])) if want[k] is not None else row[k] == "" for k in want):
            return off
    return None


def check_topic(args, lake, topic, problems):
    n = partitions(args.bootstrap, topic)
    if n == 0:
        problems.append(f"{topic}: no such topic on {args.bootstrap}")
        return 0, 0
    ext = {"bytes": "bin"}.get(args.format, args.format)
    prefix = f"{args.topics_dir}/{topic}/" if args.topics_dir else f"{topic}/"
    by_part = {}
    name_re = re.compile(re.escape(topic) + r"\+(\d+)\+(\d{10})\." + ext + "$")
    nfiles = 0
    data_files = []
    for name, meta in lake.files(prefix):
        if any(seg.startswith("_") for seg in name[len(prefix):].split("/")):
            continue  # a Delta log, the sink's records beside it: not data (as Hive and Spark read a lake)
        data_files.append(name)
        base = name.rsplit("/", 1)[-1]
        m = name_re.match(base)
        if not m:
            problems.append(f"{name}: not a file name of topic {topic}")
            continue
        nfiles += 1
        by_part.setdefault(int(m.group(1)), []).append((int(m.group(2)), name, meta))
    total = 0
    for p in range(n):
        recs = [r for r in records(args.bootstrap, topic, p) if r.get("payload") is not None]
        total += len(recs)
        by_value = {}
        for r in recs:
            if r["payload"] in by_value:
                problems.append(f"{topic}/{p}: offsets {by_value[r['payload']]['offset']} and {r['offset']} "
                                "hold the same value: the checker needs unique values")
            by_value[r["payload"]] = r
        by_offset = {r["offset"]: r for r in recs}
        csv_rows = [(r["offset"], flat_row(r["payload"])) for r in recs] if args.format == "csv" else None
        typed = {}
        if args.format in ("avro", "parquet"):
            for r in recs:
                want = expected_row(r)
                if want is not None:
                    typed[row_key(want)] = r["offset"]
        seen = {}
        for first, name, meta in sorted(by_part.get(p, [])):
            items = file_items(args.format, lake.read(name), name, problems, args.separator)
            offsets = []
            for item in items:
                if args.format in ("json", "bytes"):
                    r = by_value.get(item)
                    off = r["offset"] if r else None
                elif args.format == "csv":
                    off = match_csv(item, csv_rows)
                else:
                    off = typed.get(row_key(item))
                if off is None:
                    problems.append(f"{name}: holds a record the topic has not: {str(item)[:80]!r}")
                    continue
                offsets.append(off)
            if offsets != sorted(offsets) or len(set(offsets)) != len(offsets):
                problems.append(f"{name}: records not in offset order: {offsets[:10]}...")
            if offsets and offsets[0] != first:
                problems.append(f"{name}: named for offset {first}, its first record is offset {offsets[0]}")
            for key, want in (("topic", topic), ("partition", str(p)), ("first_offset", str(first)),
                              ("records", str(len(items))),
                              ("last_offset", str(offsets[-1]) if offsets else None)):
                got = meta.get("bridgelab_" + key)
                if want is not None and got != want:
                    problems.append(f"{name}: metadata bridgelab_{key} is {got!r}, expected {want!r}")
            folder = name[len(prefix):].rsplit("/", 1)[0]
            for off in offsets:
                if off in seen:
                    problems.append(f"{topic}/{p}: offset {off} is in {seen[off]} and in {name}")
                seen[off] = name
                want_folder = folder_of(args.partitioner, by_offset[off])
                if want_folder != folder:
                    problems.append(f"{name}: offset {off} belongs in folder {want_folder!r}, not {folder!r}")
                    break
        missing = [o for o in by_offset if o not in seen and (args.format not in ("avro", "parquet") or
                                                          flat_row(by_offset[o]["payload"]) is not None)]
        if missing:
            problems.append(f"{topic}/{p}: {len(missing)} records in no file (offsets {missing[:5]}...)")
    if args.format == "parquet" and args.dir and nfiles:
        import duckdb
        paths = [os.path.join(args.dir, name) for name in data_files]
        try:
            got = duckdb.execute("SELECT count(*) FROM read_parquet(?, union_by_name=true)", [paths]).fetchall()[0][0]
            want = sum(1 for p in range(n) for r in records(args.bootstrap, topic, p)
                       if r.get("payload") is not None and flat_row(r["payload"]) is not None)
            if got != want:
                problems.append(f"{topic}: duckdb's read_parquet over the data files counts {got} rows, the topic {want}")
        except Exception as e:
            problems.append(f"{topic}: duckdb cannot read the folder's Parquet files: {e}")
    if args.table == "delta":
        check_delta(args, lake, topic, n, prefix, problems)
    return total, nfiles


def check_delta(args, lake, topic, n, prefix, problems):
    """The topic's Delta table, read by deltalake: every record's row once."""
    import shutil
    import tempfile
    copy = None
    try:
        if not args.dir:  # the SDK downloads the table, deltalake reads the copy
            copy = tempfile.mkdtemp()
            for name, _ in lake.files(prefix):
                path = os.path.join(copy, name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(lake.read(name))
        check_delta_table(args, topic, n, os.path.join(args.dir or copy, prefix), problems)
    finally:
        if copy:
            shutil.rmtree(copy)


def check_delta_table(args, topic, n, path, problems):
    import deltalake
    try:
        table = deltalake.DeltaTable(path)
        rows = table.to_pyarrow_table().to_pylist()
    except Exception as e:
        problems.append(f"{topic}: deltalake cannot read its table: {e}")
        return
    want = {}
    for p in range(n):
        recs = [r for r in records(args.bootstrap, topic, p) if r.get("payload") is not None]
        for r in recs:
            row = expected_row(r)
            if row is not None:
                want[row_key(row)] = (p, r["offset"])
        last = max((r["offset"] for r in recs), default=None)
        version = table.transaction_version(f"bridgelab-sink:{topic}:{p}")
        if last is not None and (version is None or version < last):
            problems.append(f"{topic}/{p}: the table's txn version is {version}, the last record's offset {last}")
    got = {}
    for row in rows:
        k = row_key(row)
        if k in got:
            problems.append(f"{topic}: the Delta table holds a row twice: {k[:100]}")
        got[k] = 1
        if k not in want:
            problems.append(f"{topic}: the Delta table holds a row the topic has not: {k[:100]}")
    for k, (p, off) in want.items():
        if k not in got:
            problems.append(f"{topic}/{p}: offset {off} is not in the Delta table")
            break


def cmd_equal(args):
    global DECIMAL_TEXT_PAST
    DECIMAL_TEXT_PAST = 38 if args.table == "delta" else 0
    deadline = time.time() + args.wait
    while True:
        lake = open_lake(args)
        problems, total, files = [], 0, 0
        for topic in args.topics:
            t, f = check_topic(args, lake, topic, problems)
            total += t
            files += f
        if not problems or time.time() >= deadline:
            break
        time.sleep(1)
    for line in problems[:40]:
        print(line)
    if problems:
        print(f"FAILED: {len(problems)} findings ({total} records of {len(args.topics)} topics)")
        return 1
    print(f"ok: {total} records of {len(args.topics)} topics, each in exactly one of {files} files")
    return 0


def cmd_files(args):
    lake = open_lake(args)
    prefix = f"{args.topics_dir}/{args.topics[0]}/" if args.topics_dir else f"{args.topics[0]}/"
    for name, meta in sorted(lake.files(prefix)):
        print(name, *(meta.get("bridgelab_" + k, "-") for k in ("records", "first_offset", "last_offset",
                                                                "flush_start", "flush_end")))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["equal", "files"])
    ap.add_argument("--bootstrap")
    ap.add_argument("--dir")
    ap.add_argument("--azure")
    ap.add_argument("--key-file")
    ap.add_argument("--topics-dir", default="topics")
    ap.add_argument("--format", default="json", choices=["json", "csv", "bytes", "avro", "parquet"])
    ap.add_argument("--separator", default="\n")
    ap.add_argument("--table", choices=["delta"])
    ap.add_argument("--partitioner", default="default")
    ap.add_argument("--wait", type=float, default=0)
    ap.add_argument("topics", nargs="+")
    args = ap.parse_args()
    if not args.dir and not args.azure:
        ap.error("--dir or --azure")
    return cmd_equal(args) if args.command == "equal" else cmd_files(args)


if __name__ == "__main__":
    sys.exit(main())
