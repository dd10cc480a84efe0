#!/usr/bin/env python3
"""pyarrow's Parquet writer alone, for bench/formats.sh: builds ROWS rows
of the typed table's columns (the same values bin/parquet-rows builds, see
bench/parquet_rows.c) as an Arrow table in memory, then times
pyarrow.parquet.write_table of it into a file with CODEC, one thread,
statistics and dictionary on. Prints "rows/s seconds".

  parquet_rows.py ROWS none|snappy|zstd FILE"""
import datetime
import decimal
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq


def table(rows):
    cols = {k: [] for k in ("id", "qty", "total", "price", "wide", "ubig", "ratio", "amount", "name", "raw", "flag",
                            "day", "dur", "placed")}
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    for i in range(rows):
        null = i % 7 == 3
        cols["id"].append(i)
        cols["qty"].append(None if null else i % 1000 - 500)
        cols["total"].append(None if null else i * 1000003 - 2**40)
        price = (i % 100000) * 100 + i % 100
        cols["price"].append(None if null else decimal.Decimal(-price if i % 5 == 0 else price).scaleb(-2))
        cols["wide"].append(None if null else decimal.Decimal(i).scaleb(-30))
        cols["ubig"].append(None if null else decimal.Decimal(i))
        cols["ratio"].append(None if null else i / 8 + 0.1)
        cols["amount"].append(None if null else i * 0.25 - 1e6)
        cols["name"].append(None if null else f"customer {i} é € 😀")
        cols["raw"].append(None if null else bytes([i % 256, 0, 255, 10]))
        cols["flag"].append(None if null else i % 2 == 0)
        cols["day"].append(None if null else datetime.date(1970, 1, 1) + datetime.timedelta(days=i % 36500 - 7300))
        cols["dur"].append(None if null else f"{i % 839:02d}:{i % 60:02d}:{i % 60:02d}.5")
        cols["placed"].append(None if null else epoch + datetime.timedelta(microseconds=631152000000000 + i * 1000003))
    schema = pa.schema([
        pa.field("id", pa.int32(), nullable=False), ("qty", pa.int32()), ("total", pa.int64()),
        ("price", pa.decimal128(10, 2)), ("wide", pa.decimal256(65, 30)), ("ubig", pa.decimal128(20, 0)),
        ("ratio", pa.float32()), ("amount", pa.float64()), ("name", pa.string()), ("raw", pa.binary()),
        ("flag", pa.bool_()), ("day", pa.date32()), ("dur", pa.string()), ("placed", pa.timestamp("us", tz="UTC")),
    ])
    return pa.table(cols, schema=schema)


def main():
    rows, codec, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    t = table(rows)
    start = time.perf_counter()
    pq.write_table(t, path, compression=codec, use_dictionary=True, write_statistics=True)
    seconds = time.perf_counter() - start
    print(f"{rows / seconds:.0f} {seconds:.3f}")


if __name__ == "__main__":
    main()
