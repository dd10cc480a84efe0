#!/usr/bin/env bash
# The lake formats benchmark, run by bench/run on its own lab (cloud): one
# backlog of typed change events on cloud (tests/integration/typed_records.py
# --plain: Debezium envelopes of a table with a column of every type CDC
# gives, and the bridgelab.columns header CDC puts on them) written by
# bin/bridge sink into a local folder in each format, then the Parquet
# writer on its own beside pyarrow's.
#
# For each format (json, csv, bytes, avro with null and snappy blocks,
# parquet with no codec, snappy and zstd, and parquet+delta), BENCH_FORMATS_
# ROUNDS (3) rounds of: the sink into a fresh folder from offset 0 of the
# backlog (a group of its own), timed from its start until its /metrics
# count every record written (files close at sink.flush.size, which divides
# the backlog, so no file waits for a timer); its peak RSS (VmHWM); the
# files' bytes. Reported: the median records/s, MB/s of the records' values
# read, bytes a record in the lake, the highest peak RSS.
#
# The writer alone: bin/parquet-rows builds BENCH_FORMATS_WRITER_ROWS
# (200000) rows of the table's columns in memory and writes them as one
# Parquet file; bench/parquet_rows.py builds the same rows as an Arrow table
# in memory and has pyarrow write them, same codec, one thread (its CPU and
# I/O pools at one), statistics on, dictionary on. Each BENCH_FORMATS_ROUNDS
# times, alternating; medians. Goal: ours >= 50 % of pyarrow's rows/s.
# Progress goes to stderr; the Markdown section for README.md to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh # say die now need_built stop_pid median highest mib pct ratio times met
if [ -z "${LAB_RUN_DIR:-}" ] || [ ! -f "$LAB_RUN_DIR/lab.env" ]; then
  echo "bench formats: export the LAB_* variables of a running lab (no \$LAB_RUN_DIR/lab.env)" >&2
  exit 1
fi
# shellcheck disable=SC1091
. "$LAB_RUN_DIR/lab.env" # RUN BRIDGE_PROPERTIES CLOUD_BOOTSTRAP

RECORDS=${BENCH_FORMATS_RECORDS:-200000}
FLUSH_SIZE=${BENCH_FORMATS_FLUSH_SIZE:-20000}
ROUNDS=${BENCH_FORMATS_ROUNDS:-3}
WRITER_ROWS=${BENCH_FORMATS_WRITER_ROWS:-200000}
TIMEOUT=${BENCH_FORMATS_TIMEOUT:-600}
HTTP=127.0.0.1:${BENCH_FORMATS_HTTP_PORT:-14086}
VENV_PY=.deps/venv/bin/python3
ID=$(printf '%x' "$EPOCHSECONDS")
TOPIC=bench_formats_$ID
WORK=$PWD/build/bench-formats
rm -rf "$WORK" && mkdir -p "$WORK"
BENCH_NAME=formats
need_built bin/bridge bin/parquet-rows build/release/tests/kafka_check
[ -x "$VENV_PY" ] || die "$VENV_PY is missing: run make deps"
[ $((RECORDS % FLUSH_SIZE)) -eq 0 ] || die "BENCH_FORMATS_FLUSH_SIZE must divide BENCH_FORMATS_RECORDS"
kcat -L -b "$CLOUD_BOOTSTRAP" >/dev/null 2>&1 || die "cloud Kafka at $CLOUD_BOOTSTRAP does not answer"
! curl -s --max-time 1 "http://$HTTP/metrics" >/dev/null 2>&1 ||
  die "something already serves http://$HTTP (BENCH_FORMATS_HTTP_PORT)"

sink_pid=
trap 'stop_pid "$sink_pid" 15' EXIT
trap 'exit 130' INT TERM

# --- the backlog: one partition, in transactions of 10000 ------------------
KCHECK=build/release/tests/kafka_check
"$KCHECK" -b "$CLOUD_BOOTSTRAP" ensure "$TOPIC" 1 1 >/dev/null
say "writing $RECORDS typed events to $TOPIC"
for ((first = 0; first < RECORDS; first += 10000)); do
  "$VENV_PY" tests/integration/typed_records.py "$first" 10000 --plain >"$WORK/chunk"
  "$KCHECK" -b "$CLOUD_BOOTSTRAP" lines "bench-formats-$ID-$first" "$TOPIC" <"$WORK/chunk" >/dev/null
  cut -f3 "$WORK/chunk" | wc -c >>"$WORK/value-bytes" # values and their line ends
done
VALUE_BYTES=$(awk '{b += $1} END {print b - NR * 10000}' "$WORK/value-bytes")

# sink_run FORMAT_SETTINGS...: prints "seconds peak-RSS-KiB lake-bytes".
sink_run() {
  local lake=$WORK/lake start end deadline rss=0 n bytes
  rm -rf "$lake"
  start=$(now)
  bin/bridge sink -F "$BRIDGE_PROPERTIES" -X sink.url="$lake" -X sink.topics="$TOPIC" \
    -X sink.group.id="bench-formats-$ID-$RANDOM" -X sink.http.listen="$HTTP" -X sink.flush.size="$FLUSH_SIZE" \
    -X sink.rotate.schedule.interval.ms=-1 -X sink.max.file.bytes=1073741824 -X log.level=warn "$@" \
    >>"$WORK/sink.log" 2>&1 &
  sink_pid=$!
  deadline=$((EPOCHSECONDS + TIMEOUT))
  while :; do
    n=$(curl -s --max-time 1 "http://$HTTP/metrics" | awk '$1 == "bridgelab_sink_records_total" {print $2}' || true)
    [ "${n:-0}" -ge "$RECORDS" ] && break
    kill -0 "$sink_pid" 2>/dev/null || die "the sink exited: read $WORK/sink.log"
    [ "$EPOCHSECONDS" -lt "$deadline" ] || die "the sink did not write $RECORDS records in ${TIMEOUT}s"
    sleep 0.05
  done
  end=$(now)
  rss=$(awk '$1 == "VmHWM:" {print $2}' "/proc/$sink_pid/status")
  stop_pid "$sink_pid" 15
  sink_pid=
  bytes=$(find "$lake" -type f ! -name '.*' ! -path '*/_*' -printf '%s\n' | awk '{b += $1} END {print b + 0}')
  awk -v s="$start" -v e="$end" -v r="$rss" -v b="$bytes" 'BEGIN {printf "%.3f %d %d\n", e - s, r, b}'
}

FORMATS=("json" "csv" "bytes" "avro null" "avro snappy" "parquet none" "parquet snappy" "parquet zstd"
  "parquet snappy delta")
settings_of() { # FORMAT [CODEC] [delta]
  local f=$1 c=${2:-} d=${3:-}
  printf '%s\n' -X "sink.format=$f"
  case $f in
  avro) printf '%s\n' -X "sink.avro.codec=$c" ;;
  parquet) printf '%s\n' -X "sink.parquet.codec=$c" ;;
  esac
  [ -z "$d" ] || printf '%s\n' -X sink.table.format=delta
}

echo "### Lake formats (\`bench/run formats\`)"
echo
echo "$RECORDS typed change events ($(awk -v b="$VALUE_BYTES" -v n="$RECORDS" 'BEGIN {printf "%.0f", b / n}') bytes a value on average: a column of every type CDC gives, with the \`bridgelab.columns\` header) from one partition of cloud Kafka into a local folder, files of $FLUSH_SIZE records; medians of $ROUNDS rounds, peak RSS the highest. $(nproc) cores."
echo
echo "| format | records/s | MB/s of values read | bytes a record in the lake | peak RSS |"
echo "|---|---|---|---|---|"
for spec in "${FORMATS[@]}"; do
  read -r -a words <<<"$spec"
  mapfile -t args < <(settings_of "${words[@]}")
  : >"$WORK/rounds"
  for ((r = 0; r < ROUNDS; r++)); do
    say "$spec: round $((r + 1)) of $ROUNDS"
    sink_run "${args[@]}" >>"$WORK/rounds"
  done
  secs=$(awk '{print $1}' "$WORK/rounds" | median)
  rss=$(awk '{print $2}' "$WORK/rounds" | highest)
  bytes=$(awk '{print $3}' "$WORK/rounds" | median)
  awk -v s="$secs" -v n="$RECORDS" -v v="$VALUE_BYTES" -v b="$bytes" -v r="$rss" -v f="$spec" 'BEGIN {
    printf "| %s | %.0f | %.1f | %.0f | %.0f MiB |\n", f, n / s, v / s / 1e6, b / n, r / 1024 }'
done
echo

# --- the Parquet writer alone, beside pyarrow's ------------------------------
echo "The Parquet writer alone ($WRITER_ROWS rows of the same columns, built in memory first; one thread; medians of $ROUNDS):"
echo
echo "| codec | bin/parquet-rows rows/s | pyarrow write_table rows/s | ours / pyarrow | goal ≥ 50 % | file bytes (ours / pyarrow) |"
echo "|---|---|---|---|---|---|"
for codec in none snappy zstd; do
  : >"$WORK/ours"
  : >"$WORK/theirs"
  for ((r = 0; r < ROUNDS; r++)); do
    say "writer alone, $codec: round $((r + 1)) of $ROUNDS"
    bin/parquet-rows "$WRITER_ROWS" "$codec" "$WORK/ours.parquet" >>"$WORK/ours"
    "$VENV_PY" bench/parquet_rows.py "$WRITER_ROWS" "$codec" "$WORK/theirs.parquet" >>"$WORK/theirs"
  done
  ours=$(awk '{print $1}' "$WORK/ours" | median)
  theirs=$(awk '{print $1}' "$WORK/theirs" | median)
  awk -v a="$ours" -v b="$theirs" -v c="$codec" -v fa="$(stat -c %s "$WORK/ours.parquet")" \
    -v fb="$(stat -c %s "$WORK/theirs.parquet")" 'BEGIN {
    printf "| %s | %.0f | %.0f | %.0f %% | %s | %d / %d |\n", c, a, b, 100 * a / b, (a >= b / 2) ? "met" : "**not met**", fa, fb }'
done
echo
echo "Readers check what the benchmark's writers wrote: \`$VENV_PY -c 'import pyarrow.parquet as pq; print(pq.read_table(\"build/bench-formats/ours.parquet\").num_rows)'\`."
