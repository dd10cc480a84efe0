#!/usr/bin/env python3
"""The sink suite's checker: reads a topic from the cloud cluster with kcat
(read_committed) and the lake on its own — a folder with the os module, or
Azurite / an account with Microsoft's azure-storage-blob SDK — and says
whether the lake holds every record of the topic exactly once.

  lake_check.py equal --bootstrap SERVERS (--dir PATH | --azure URL --key-file F)
                [--topics-dir DIR] [--format json|csv] [--partitioner KIND]
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
  lake_check.py files (--dir PATH | --azure URL --key-file F) [--topics-dir DIR] TOPIC
      prints one line per file of the topic: name, records, first and last
      offsets, flush start and end (from the metadata).

Record values of a topic must be unique within a partition (each record is
found by its value). Findings go to stdout; the last line sums up."""
import argparse
import csv
import datetime
import io
import json
import os
import re
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


# ---------------------------------------------------------------- reading
def file_items(fmt, data, name, problems):
    """The file's records: values (json) or rows (csv dicts)."""
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
    ext = args.format
    prefix = f"{args.topics_dir}/{topic}/" if args.topics_dir else f"{topic}/"
    by_part = {}
    name_re = re.compile(re.escape(topic) + r"\+(\d+)\+(\d{10})\." + ext + "$")
    nfiles = 0
    for name, meta in lake.files(prefix):
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
        seen = {}
        for first, name, meta in sorted(by_part.get(p, [])):
            items = file_items(args.format, lake.read(name), name, problems)
            offsets = []
            for item in items:
                if args.format == "json":
                    r = by_value.get(item)
                    off = r["offset"] if r else None
                else:
                    off = match_csv(item, csv_rows)
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
        missing = [o for o in by_offset if o not in seen]
        if missing:
            problems.append(f"{topic}/{p}: {len(missing)} records in no file (offsets {missing[:5]}...)")
    return total, nfiles


def cmd_equal(args):
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
    ap.add_argument("--format", default="json", choices=["json", "csv"])
    ap.add_argument("--partitioner", default="default")
    ap.add_argument("--wait", type=float, default=0)
    ap.add_argument("topics", nargs="+")
    args = ap.parse_args()
    if not args.dir and not args.azure:
        ap.error("--dir or --azure")
    return cmd_equal(args) if args.command == "equal" else cmd_files(args)


if __name__ == "__main__":
    sys.exit(main())
