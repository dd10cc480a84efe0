"""Reads an Avro object container file with fastavro (an independent
reader, for tests/unit/test_format_avro.c) and prints it as JSON lines:
first {"codec": ..., "schema": <the writer schema, parsed>}, then one line
per record with its fields in order. Decimals are exact text ("-12.50"),
dates and timestamps ISO text ("2024-03-01T12:34:56.500000+00:00"), bytes
{"hex": "00ff"}.

fastavro reads snappy blocks with cramjam, which the venv lacks: those are
read here with pyarrow's snappy, and their CRC-32 checked.

Usage: .deps/venv/bin/python3 tests/unit/avro_read.py FILE
"""

import datetime
import decimal
import io
import json
import sys
import zlib

import fastavro
import fastavro.read


def read_long(fo):
    shift = value = 0
    while True:
        byte = fo.read(1)[0]
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return (value >> 1) ^ -(value & 1)


def snappy_block(fo):
    import pyarrow

    data = fo.read(read_long(fo))
    raw, crc = data[:-4], int.from_bytes(data[-4:], "big")
    # The raw snappy stream opens with the uncompressed length, a varint.
    size = shift = i = 0
    while True:
        size |= (raw[i] & 0x7F) << shift
        shift += 7
        i += 1
        if not raw[i - 1] & 0x80:
            break
    out = pyarrow.Codec("snappy").decompress(raw, decompressed_size=size, asbytes=True)
    if zlib.crc32(out) != crc:
        raise ValueError("snappy block: CRC-32 mismatch")
    return io.BytesIO(out)


def plain(value):
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return {"hex": value.hex()}
    return value


def main():
    fastavro.read.BLOCK_READERS["snappy"] = snappy_block
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8")
    with open(sys.argv[1], "rb") as f:
        reader = fastavro.reader(f)
        schema = json.loads(reader.metadata["avro.schema"])
        out.write(json.dumps({"codec": reader.codec, "schema": schema}, ensure_ascii=False, separators=(",", ":")) + "\n")
        for record in reader:
            row = {name: plain(value) for name, value in record.items()}
            out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
