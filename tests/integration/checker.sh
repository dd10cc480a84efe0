#!/usr/bin/env bash
# The CDC checker (tests/integration/cdc_check.py) on made-up topics (it
# needs no lab): a good history passes (snapshot reads, creates, updates, a delete and
# its tombstone, a primary-key change as delete + create, a DDL-added column
# allow-listed, two partitions interleaved); a lost update or create, a change
# twice, a key created twice, a missing column or a key-only after, a missing
# or stray tombstone, events out of commit order, ts_ms/ts_us/ts_ns that are
# not one instant (or a streamed change's source time finer than the
# binlog's seconds), the rows of a rows event
# misnumbered (source.row: all 0, from 1, a gap, two changes on one row) and
# a final state unlike MySQL each fail it.
set -uo pipefail
cd "$(dirname "$0")/../.."
exec python3 tests/integration/cdc_check_test.py
