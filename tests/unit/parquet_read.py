"""Reads a Parquet file with independent readers, for the unit tests of
bridge/sink/parquet.c and format_parquet.c.

    parquet_read.py FILE           the schema, then the rows (pyarrow)
    parquet_read.py --duckdb FILE  the same rows, as DuckDB reads the file
    parquet_read.py --meta FILE    each row group's column chunks as the footer tells them

One JSON value a line: the schema as [name, type, nullable] triples, a row
as a list of values, a row group as {"rows": N, "columns": [...]}. Values
are exact text: decimals as their digits, dates and timestamps (UTC, "Z")
in ISO form, bytes in hex; strings and numbers as JSON has them.
"""

import datetime
import decimal
import json
import sys

import pyarrow.parquet as pq


def shown(v):
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, datetime.datetime):
        u = v.astimezone(datetime.timezone.utc)
        return f"{u.year:04d}-{u:%m-%dT%H:%M:%S.%f}Z"
    if isinstance(v, datetime.date):
        return f"{v.year:04d}-{v:%m-%d}"
    if isinstance(v, bytes):
        return "hex:" + v.hex()
    return v


def print_table(table):
    print(json.dumps([[f.name, str(f.type), f.nullable] for f in table.schema]))
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    for r in range(table.num_rows):
        print(json.dumps([shown(c[r]) for c in columns], ensure_ascii=False))


def print_meta(path):
    md = pq.ParquetFile(path).metadata
    for g in range(md.num_row_groups):
        rg = md.row_group(g)
        columns = []
        for i in range(rg.num_columns):
            c = rg.column(i)
            s = c.statistics
            column = {
                "name": c.path_in_schema,
                "physical": c.physical_type,
                "codec": c.compression,
                "encodings": sorted(c.encodings),
                "dictionary": c.has_dictionary_page,
                "values": c.num_values,
                "nulls": s.null_count if s is not None and s.has_null_count else None,
            }
            if s is not None and s.has_min_max:
                column["min"] = shown(s.min)
                column["max"] = shown(s.max)
            columns.append(column)
        print(json.dumps({"rows": rg.num_rows, "columns": columns}, ensure_ascii=False))


def main():
    if sys.argv[1] == "--meta":
        print_meta(sys.argv[2])
    elif sys.argv[1] == "--duckdb":
        import duckdb

        quoted = sys.argv[2].replace("'", "''")
        print_table(duckdb.sql(f"SELECT * FROM read_parquet('{quoted}')").to_arrow_table())
    else:
        print_table(pq.read_table(sys.argv[1]))


main()
