#!/usr/bin/env bash
# bridge sink's typed formats and its Delta tables, against the test lab's
# cloud cluster, a local folder and Azurite, each read back by an
# independent reader from PyPI (tests/integration/lake_check.py): Parquet by
# pyarrow and duckdb, Avro by fastavro, Delta tables by deltalake. The
# records are Debezium envelopes of a table with a column of every type
# CDC gives and its "bridgelab.columns" header (typed_records.py): what the
# readers get must equal them value for value — DECIMALs exact, times
# exact, NULLs, UTF-8, 64 KiB texts, a column added by a DDL. The bytes
# format with its separator. A DDL's records interleaved with the old ones
# go to one file per column list, not a file per change. Ten SIGKILLs of a
# sink writing Delta with wall-clock rotation, and two sinks on one table at
# once: the table holds every record once. Bad settings get one clear line.
# lab: cloud azurite
# time limit: 900
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. "$LAB_RUN_DIR/lab.env"

BIN=${BRIDGELAB_BIN:-bin}
BRIDGE=$BIN/bridge
PROPS=$LAB_RUN_DIR/bridge.properties
KEY_FILE=$LAB_RUN_DIR/secrets/azurite.key
VENV_PY=.deps/venv/bin/python3
tests_work_dir sink_formats
HTTP=${SINK_HTTP:-127.0.0.1:18085}
FAST=(-X sink.topics.refresh.ms=500 -X sink.http.listen="$HTTP")
. tests/integration/sink_lib.bash # topic sink_bg metric healthy files_written lake_equal lake_files azure_url
# typed TOPIC FIRST COUNT [typed_records.py options]: one transaction of typed envelopes
typed() {
  local t=$1 first=$2 count=$3
  shift 3
  "$VENV_PY" tests/integration/typed_records.py "$first" "$count" "$@" |
    "$KCHECK" -b "$CLOUD_BOOTSTRAP" lines "typed-$t-$first" "$t" >>"$WORK/kafka_check.log" 2>&1
}

check "the test venv has pyarrow, duckdb, fastavro and deltalake" \
  "$VENV_PY" -c 'import pyarrow, duckdb, fastavro, deltalake'

# The typed topic: 3 partitions, a DDL's records interleaved, 64 KiB texts.
T=fm_typed
topic $T 3
typed $T 0 1200 --ddl-every 4 --big-every 150
typed $T 1200 300

# --- p1: Parquet (snappy) on a folder, read by pyarrow and duckdb ---
LAKE=$WORK/lake-p1
sink_bg p1 -X sink.url="$LAKE" -X sink.topics=$T -X sink.format=parquet -X sink.flush.size=400 \
  -X sink.rotate.schedule.interval.ms=1000
pid=$BG_PID
check "p1: healthy" healthy
lake_equal "p1: Parquet: pyarrow reads every row value for value, duckdb counts them over the folder" 60 \
  --dir "$LAKE" --format parquet $T
check_stop "p1: SIGTERM: exit 0" "$pid"
lake_files --dir "$LAKE" $T >"$WORK/p1.files"
check "p1: the DDL's interleaved records: at most two files a flush (one per column list), not a file per change" \
  awk '{split($1, a, "/"); n[a[3] " " $5]++} END {for (k in n) if (n[k] > 2) bad = 1; exit bad}' "$WORK/p1.files"
check "p1: files end in .parquet" grep -qE "^topics/$T/partition=0/$T\+0\+0000000000\.parquet " "$WORK/p1.files"
check_eq "p1: the footer says what wrote it, and the columns' logical types" \
  "bridgelab decimal128(10, 2) decimal256(65, 30) decimal128(20, 0) timestamp[us, tz=UTC] date32[day]" \
  "$("$VENV_PY" -c "
import pyarrow.parquet as pq, sys
f = pq.ParquetFile(sys.argv[1]); s = f.schema_arrow
print(f.metadata.created_by.split()[0], *(str(s.field(n).type) for n in ('price', 'wide', 'ubig', 'placed', 'day')))
" "$LAKE/topics/$T/partition=0/$T+0+0000000000.parquet" 2>&1)"
check "p1: column statistics (min, max, null count) in the footer" "$VENV_PY" -c "
import pyarrow.parquet as pq, sys
st = pq.ParquetFile(sys.argv[1]).metadata.row_group(0).column(0).statistics
assert st is not None and st.has_min_max and st.null_count == 0, st
" "$LAKE/topics/$T/partition=0/$T+0+0000000000.parquet"

# --- p2: zstd and no codec, small row groups ---
for codec in zstd none; do
  LAKE=$WORK/lake-p2-$codec
  sink_bg p2-$codec -X sink.url="$LAKE" -X sink.topics=$T -X sink.format=parquet -X sink.parquet.codec=$codec \
    -X sink.parquet.row.group.bytes=65536 -X sink.flush.size=100000 -X sink.rotate.schedule.interval.ms=3000
  pid=$BG_PID
  check "p2 $codec: healthy" healthy
  lake_equal "p2 $codec: Parquet pages in $codec, row groups of 64 KiB: every row value for value" 60 \
    --dir "$LAKE" --format parquet $T
  check_stop "p2 $codec: SIGTERM: exit 0" "$pid"
  check "p2 $codec: a file of several row groups, each column chunk in $codec" "$VENV_PY" -c "
import pyarrow.parquet as pq, sys, glob
f = pq.ParquetFile(sorted(glob.glob(sys.argv[1] + '/**/*.parquet', recursive=True))[0])
m = f.metadata
assert m.num_row_groups > 1, m.num_row_groups
assert m.row_group(0).column(0).compression == sys.argv[2].upper().replace('NONE', 'UNCOMPRESSED'), m.row_group(0).column(0).compression
" "$LAKE" $codec
done

# --- v1: Avro with each codec, read by fastavro ---
for codec in null deflate snappy; do
  LAKE=$WORK/lake-v1-$codec
  sink_bg v1-$codec -X sink.url="$LAKE" -X sink.topics=$T -X sink.format=avro -X sink.avro.codec=$codec \
    -X sink.flush.size=500 -X sink.rotate.schedule.interval.ms=1000
  pid=$BG_PID
  check "v1 $codec: healthy" healthy
  lake_equal "v1 $codec: Avro object container files: fastavro reads every row value for value" 60 \
    --dir "$LAKE" --format avro $T
  check_stop "v1 $codec: SIGTERM: exit 0" "$pid"
done
check_eq "v1: the writer schema: decimal logical types, timestamp-micros, nullable columns as unions with null" \
  "bytes decimal 10 2 | long timestamp-micros | null" "$("$VENV_PY" -c "
import fastavro, sys, glob, json
with open(sorted(glob.glob(sys.argv[1] + '/**/*.avro', recursive=True))[0], 'rb') as f:
    s = fastavro.reader(f).writer_schema
fields = {x['name']: x['type'] for x in s['fields']}
price = [t for t in fields['price'] if t != 'null'][0]; placed = [t for t in fields['placed'] if t != 'null'][0]
print(price['type'], price['logicalType'], price['precision'], price['scale'], '|', placed['type'], placed['logicalType'], '|', fields['price'][0])
" "$WORK/lake-v1-snappy" 2>&1)"

# --- b1: bytes, the values as they are ---
LAKE=$WORK/lake-b1
sink_bg b1 -X sink.url="$LAKE" -X sink.topics=$T -X sink.format=bytes -X sink.rotate.schedule.interval.ms=1000
pid=$BG_PID
check "b1: healthy" healthy
lake_equal "b1: bytes: every value as it is, each followed by a newline" 60 --dir "$LAKE" --format bytes $T
check_stop "b1: SIGTERM: exit 0" "$pid"
LAKE=$WORK/lake-b2
sink_bg b2 -X sink.url="$LAKE" -X sink.topics=$T -X sink.format=bytes -X 'sink.bytes.separator=\x1e' \
  -X sink.rotate.schedule.interval.ms=1000
pid=$BG_PID
check "b2: healthy" healthy
lake_equal "b2: bytes with sink.bytes.separator=\\x1e" 60 --dir "$LAKE" --format bytes --separator $'\x1e' $T
check_stop "b2: SIGTERM: exit 0" "$pid"
check "b2: a sink stopped while it joins its group exits 0 (librdkafka 2.0.2 asserted there)" bash -c "
  $(printf '%q ' "$BRIDGE") sink -F $(printf '%q' "$PROPS") -X sink.url=$(printf '%q' "$WORK/lake-b3") -X sink.topics=$T \
    -X sink.group.id=b3 -X sink.http.listen= >$(printf '%q' "$WORK/b3.log") 2>&1 & p=\$!; sleep 0.3; kill -TERM \$p; wait \$p"

# --- d1: Delta on a folder, ten SIGKILLs under load, wall-clock rotation ---
D=fm_delta
topic $D 3
(
  i=0
  while [ ! -e "$WORK/d1.stop" ] && [ $i -lt 300 ]; do
    typed $D $((i * 60)) 60 --ddl-every 5
    i=$((i + 1))
    sleep 0.2
  done
) &
producer=$!
at_exit "touch '$WORK/d1.stop'"
LAKE=$WORK/lake-d1
DELTA=(-X sink.url="$LAKE" -X sink.topics=$D -X sink.format=parquet -X sink.table.format=delta
  -X sink.flush.size=200 -X sink.rotate.schedule.interval.ms=300 -X sink.delta.checkpoint.interval=5)
for round in $(seq 1 10); do
  sink_bg d1 "${DELTA[@]}" -X sink.instance.id=d1
  kill_mid_work "$BG_PID" files_written
done
check_kills "d1: SIGKILLs of the sink while it writes Parquet files and Delta commits" 10
touch "$WORK/d1.stop"
wait "$producer"
sink_bg d1 "${DELTA[@]}"
pid=$BG_PID
check "d1: healthy" healthy
lake_equal "d1: after 10 SIGKILLs deltalake reads the table: every record once, the txn versions at the topic's end" \
  120 --dir "$LAKE" --format parquet --table delta $D
check_stop "d1: SIGTERM: exit 0" "$pid"
check "d1: a restart said where the table ends" grep -q "$D/[0-9] resumes at offset" "$WORK/d1.log"
check "d1: checkpoints: _last_checkpoint names one that exists" "$VENV_PY" -c "
import json, os, sys
log = sys.argv[1] + '/topics/$D/_delta_log/'
v = json.load(open(log + '_last_checkpoint'))['version']
assert os.path.exists(log + '%020d.checkpoint.parquet' % v), v
" "$LAKE"

# --- d2: two sinks (two groups) on one table at once ---
D2=fm_delta2
topic $D2 2
typed $D2 0 2000
LAKE=$WORK/lake-d2
sink_bg d2a -X sink.url="$LAKE" -X sink.topics=$D2 -X sink.format=parquet -X sink.table.format=delta \
  -X sink.flush.size=100 -X sink.rotate.schedule.interval.ms=1000
a=$BG_PID
HTTP2=${HTTP%:*}:$((${HTTP##*:} + 100))
bg_start "$WORK/d2b.log" "$BRIDGE" sink -F "$PROPS" -X sink.group.id=d2b -X sink.http.listen="$HTTP2" \
  -X sink.url="$LAKE" -X sink.topics=$D2 -X sink.format=parquet -X sink.table.format=delta \
  -X sink.flush.size=100 -X sink.rotate.schedule.interval.ms=1000
b=$BG_PID
lake_equal "d2: two sinks writing one table: deltalake reads every record once" 120 \
  --dir "$LAKE" --format parquet --table delta $D2
check "d2: no version holds a file twice, no file is in two versions" "$VENV_PY" -c "
import glob, json, sys, collections
seen = collections.Counter()
for name in glob.glob(sys.argv[1] + '/topics/$D2/_delta_log/*.json'):
    for line in open(name):
        a = json.loads(line)
        if 'add' in a: seen[a['add']['path']] += 1
assert seen and max(seen.values()) == 1, [p for p, n in seen.items() if n > 1][:3]
" "$LAKE"
check_stop "d2: SIGTERM: exit 0 (a)" "$a"
check_stop "d2: SIGTERM: exit 0 (b)" "$b"

# --- az: Parquet and Delta on Azurite, read through Microsoft's SDK ---
sink_bg az -X sink.url="$(azure_url fm-az)" -X sink.topics=$T -X sink.format=parquet -X sink.table.format=delta \
  -X sink.flush.size=300 -X sink.rotate.schedule.interval.ms=500
pid=$BG_PID
check "az: healthy" healthy
lake_equal "az: Azurite: the SDK downloads the Parquet files and the Delta log; pyarrow and deltalake read every record once" \
  60 --azure "$(azure_url fm-az)" --key-file "$KEY_FILE" --format parquet --table delta $T
check_stop "az: SIGTERM: exit 0" "$pid"

# --- bad settings: one clear line each ---
BAD=("$BRIDGE" sink -F "$PROPS" -X sink.url="$WORK/lake-bad")
check_ran "bad: an unknown format names the key and the choices" 2 "$WORK/bad-format.out" \
  "sink.format.*is not json, csv, bytes, avro or parquet" "${BAD[@]}" -X sink.format=orc
check_ran "bad: delta without parquet says what to set" 2 "$WORK/bad-delta.out" "set sink.format=parquet" \
  "${BAD[@]}" -X sink.table.format=delta
check_ran "bad: an unknown Avro codec" 2 "$WORK/bad-codec.out" "sink.avro.codec.*is not null, deflate or snappy" \
  "${BAD[@]}" -X sink.format=avro -X sink.avro.codec=lz4
check_ran "bad: a bad separator escape" 2 "$WORK/bad-sep.out" "sink.bytes.separator.*backslash" \
  "${BAD[@]}" -X 'sink.bytes.separator=\q'

tap_finish
