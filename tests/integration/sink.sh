#!/usr/bin/env bash
# bridge sink against the test lab's cloud cluster and Azurite, and against
# a local folder: every record of a topic is in exactly one file, in offset
# order, every file parses, and its name and metadata say what it holds —
# read back by tests/integration/lake_check.py on its own (the folder with
# Python's os module, Azurite with Microsoft's azure-storage-blob SDK).
# Rotation by size, by record time and by the wall clock (a quiet topic
# still lands); the default, field and time partitioners with values that
# need escaping; JSON lines and CSV; restarts resume from the lake; SIGKILLs
# under load with wall-clock rotation on, alone and in a group of two;
# Azurite stopped and started again mid-run; bad input (a wrong key, an
# expired SAS, a missing container, bad settings) gets one clear line.
# Only the processes it starts (and the test lab's) are stopped or looked at.
# lab: cloud azurite
# time limit: 1200
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. "$LAB_RUN_DIR/lab.env"

BIN=${BRIDGELAB_BIN:-bin}
BRIDGE=$BIN/bridge
PROPS=$LAB_RUN_DIR/bridge.properties
KEY_FILE=$LAB_RUN_DIR/secrets/azurite.key
VENV_PY=.deps/venv/bin/python3
tests_work_dir sink
HTTP=${SINK_HTTP:-127.0.0.1:18085}
FAST=(-X sink.topics.refresh.ms=500 -X sink.http.listen="$HTTP")

# produce TOPIC FIRST COUNT [TOMBSTONE_EVERY]: COUNT JSON records with ids
# FIRST.. (unique values), keyed k<id> (spread over the partitions by key);
# every TOMBSTONE_EVERY-th record is followed by a tombstone of its key.
produce() {
  local topic=$1 first=$2 count=$3 every=${4:-0}
  awk -v f="$first" -v n="$count" -v e="$every" -v t="$topic" 'BEGIN {
    for (i = f; i < f + n; i++) {
      printf "k%d|{\"id\":%d,\"topic\":\"%s\",\"name\":\"customer %d\",\"amount\":%d.25}\n", i, i, t, i, i % 997
      if (e > 0 && i % e == 0) printf "k%d|\n", i
    }
  }' | kcat -P -b "$CLOUD_BOOTSTRAP" -t "$topic" -K '|' -Z >>"$WORK/produce.log" 2>&1
}
. tests/integration/sink_lib.bash # topic sink_bg metric healthy files_written lake_equal lake_files azure_url
WAIT_STEPS=300 # wait_for: 30 s

check "the test venv has Microsoft's azure-storage-blob SDK" "$VENV_PY" -c 'import azure.storage.blob'

# --- f1: a folder, JSON lines, the default partitioner, rotation by size ---
T=sk_f1
topic $T 3
produce $T 0 3000 20
LAKE=$WORK/lake-f1
sink_bg f1 -X sink.url="$LAKE" -X sink.topics=$T -X sink.flush.size=400 -X sink.rotate.schedule.interval.ms=1000
pid=$BG_PID
check "f1: healthy" healthy
lake_equal "f1: every record of $T in exactly one file, in order, every file parses" 60 --dir "$LAKE" $T
check "f1: /metrics counts the records written" test "$(metric bridgelab_sink_records_total)" -eq 3000
check "f1: /metrics counts the files (3000 records, 400 a file at most)" test "$(metric bridgelab_sink_files_total)" -ge 8
curl -s "http://$HTTP/metrics" >"$WORK/f1.metrics"
check "f1: /metrics: per-partition lag, 0 once written" \
  grep -q "^bridgelab_sink_lag_records{topic=\"$T\",partition=\"0\"} 0$" "$WORK/f1.metrics"
check "f1: /metrics: time since each partition's last file" \
  grep -qE "^bridgelab_sink_last_file_age_seconds\{topic=\"$T\",partition=\"2\"\} [0-9.]+$" "$WORK/f1.metrics"
check "f1: /metrics: upload latency" grep -qE '^bridgelab_sink_upload_seconds\{quantile="0.99"\} [0-9.]+$' \
  "$WORK/f1.metrics"
lake_files --dir "$LAKE" $T >"$WORK/f1.files"
check "f1: no file holds more than sink.flush.size records" awk '$2 > 400 {bad = 1} END {exit bad}' "$WORK/f1.files"
check "f1: files are named <topic>+<partition>+<offset:010>.json under partition=<p>/" \
  grep -qE "^topics/$T/partition=1/$T\+1\+0000000000\.json " "$WORK/f1.files"
check "f1: the folder's side records are hidden files" \
  test -f "$LAKE/topics/$T/partition=1/.$T+1+0000000000.json.meta"
check_stop "f1: SIGTERM: exit 0" "$pid"
check "f1: a startup line says what it reads and where it writes" \
  grep -q "reading topics matching '$T' from cloud Kafka at $CLOUD_BOOTSTRAP (read_committed); writing json files under 'topics/' of" \
  "$WORK/f1.log"

# --- f2: a restart resumes where the lake ends: nothing doubled ---
produce $T 3000 500
sink_bg f1 -X sink.url="$LAKE" -X sink.topics=$T -X sink.flush.size=400 -X sink.rotate.schedule.interval.ms=1000
pid=$BG_PID
check "f2: healthy" healthy
lake_equal "f2: after a restart the lake holds the new records once, and the old ones once" 60 --dir "$LAKE" $T
check "f2: each partition resumed where its files end" grep -q "$T/0 resumes at offset [0-9]*, where its [0-9]* files" \
  "$WORK/f1.log"
check_stop "f2: SIGTERM: exit 0" "$pid"

# --- f3: wall-clock rotation: a quiet topic's last records land ---
T=sk_quiet
topic $T 1
LAKE=$WORK/lake-f3
sink_bg f3 -X sink.url="$LAKE" -X sink.topics="$T" -X sink.flush.size=100000 -X sink.rotate.schedule.interval.ms=2000
pid=$BG_PID
check "f3: healthy" healthy
produce $T 0 7
lake_equal "f3: 7 records of a topic gone quiet are in the lake within the 2 s rotation (checked for 8 s)" 8 \
  --dir "$LAKE" $T
check_stop "f3: SIGTERM: exit 0" "$pid"

# --- f4: rotation by record time ---
T=sk_rtime
topic $T 1
LAKE=$WORK/lake-f4
sink_bg f4 -X sink.url="$LAKE" -X sink.topics="$T" -X sink.flush.size=100000 -X sink.rotate.schedule.interval.ms=-1 \
  -X sink.rotate.interval.ms=1000
pid=$BG_PID
check "f4: healthy" healthy
produce $T 0 50
sleep 1.3
produce $T 50 50
sleep 1.3
produce $T 100 1
sleep 2
lake_files --dir "$LAKE" $T >"$WORK/f4.files"
check_eq "f4: a record 1 s of record time past its file's first closes the file: two files before the third record group" \
  "2 100" "$(awk '{n++; r += $2} END {print n, r}' "$WORK/f4.files")"
check_stop "f4: SIGTERM: exit 0" "$pid"
lake_equal "f4: SIGTERM wrote the open file: all 101 records once" 10 --dir "$LAKE" $T

# --- f5: sink.max.file.bytes ---
T=sk_bytes
topic $T 2
produce $T 0 600
LAKE=$WORK/lake-f5
sink_bg f5 -X sink.url="$LAKE" -X sink.topics="$T" -X sink.max.file.bytes=4096 -X sink.rotate.schedule.interval.ms=500
pid=$BG_PID
check "f5: healthy" healthy
lake_equal "f5: files cut at sink.max.file.bytes hold every record once" 60 --dir "$LAKE" $T
check "f5: no file is bigger than 4096 bytes and one record" \
  bash -c "find '$LAKE' -name '*.json' -size +4200c | grep -q . && exit 1 || exit 0"
check_stop "f5: SIGTERM: exit 0" "$pid"

# --- f6: CSV from Debezium envelopes; a new column starts a new file ---
T=dc07_orders_csv
topic $T 1
envelope() { # id op name extra_column
  local after before
  after="{\"id\":$1,\"name\":\"$3\",\"price\":$1.5${4:+,\"$4\":\"x,\\\"y\\\"\"}}"
  before=null
  [ "$2" = u ] && before="{\"id\":$1,\"name\":\"old\",\"price\":1${4:+,\"$4\":\"o\"}}"
  [ "$2" = d ] && before=$after after=null
  printf 'k%s|{"before":%s,"after":%s,"source":{"version":"2.7.0","connector":"mysql","name":"dc07","ts_ms":1700000000000,"snapshot":"false","db":"orders","table":"orders","server_id":1,"gtid":"0-1-%s","file":"mysql-bin.000001","pos":%s,"row":0},"op":"%s","ts_ms":1700000000001}\n' \
    "$1" "$before" "$after" "$1" "$((1000 + $1))" "$2"
}
{
  for i in $(seq 1 20); do envelope "$i" c "name $i, with a comma"; done
  envelope 5 u 'five \"quoted\"'
  envelope 6 d "gone"
  for i in $(seq 21 25); do envelope "$i" c "é line\\nbreak $i" note; done
} | kcat -P -b "$CLOUD_BOOTSTRAP" -t $T -K '|' >>"$WORK/produce.log" 2>&1
LAKE=$WORK/lake-f6
sink_bg f6 -X sink.url="$LAKE" -X sink.topics="$T" -X sink.format=csv -X sink.rotate.schedule.interval.ms=-1
pid=$BG_PID
check "f6: healthy" healthy
lag_zero() { curl -s "http://$HTTP/metrics" | grep -q "^bridgelab_sink_lag_records{topic=\"$1\",partition=\"0\"} 27$"; }
check "f6: every record read (27 in open files)" wait_for lag_zero $T
check_stop "f6: SIGTERM: exit 0" "$pid"
lake_equal "f6: CSV: every envelope's flat row in exactly one file" 0 --dir "$LAKE" --format csv $T
lake_files --dir "$LAKE" $T >"$WORK/f6.files"
check_eq "f6: the rows with a new column went to a file of their own" 2 "$(wc -l <"$WORK/f6.files")"
first=$(find "$LAKE" -name "$T+0+0000000000.csv")
check_eq "f6: the header row lists the row's columns, then op and the source position" \
  "id,name,price,__op,__file,__pos,__row,__gtid,__source_ts_ms" "$(head -1 "$first" | tr -d '\r')"

# --- f7: the field partitioner, with values that need escaping ---
T=sk_field
topic $T 2
{
  i=0
  for region in "north east" "100%" "a+b" "x/y" "Zürich" "." "" 'tab\tin'; do
    for n in 1 2 3; do
      i=$((i + 1))
      printf 'k%d|{"id":%d,"region":"%s"}\n' "$i" "$i" "$region"
    done
  done
  printf 'k100|{"id":100,"region":null}\nk101|{"id":101}\n'
  printf 'key with spaces %%+/ and é|{"id":102,"region":"keys"}\n'
} | kcat -P -b "$CLOUD_BOOTSTRAP" -t $T -K '|' >>"$WORK/produce.log" 2>&1
LAKE=$WORK/lake-f7
sink_bg f7 -X sink.url="$LAKE" -X sink.topics="$T" -X sink.partitioner=field -X sink.partition.field.name=region \
  -X sink.rotate.schedule.interval.ms=500
pid=$BG_PID
check "f7: healthy" healthy
lake_equal "f7: field partitioner: each record in the folder of its escaped value" 30 --dir "$LAKE" \
  --partitioner field:region $T
check "f7: a value with '/' is one folder" test -d "$LAKE/topics/$T/region=x%2Fy"
check "f7: UTF-8 stays as it is" test -d "$LAKE/topics/$T/region=Zürich"
check "f7: a missing or null value goes to Hive's default partition" \
  test -d "$LAKE/topics/$T/region=__HIVE_DEFAULT_PARTITION__"
check_stop "f7: SIGTERM: exit 0" "$pid"

# --- f8: the time partitioner, from a field of the row and from the record time ---
T=sk_time
topic $T 1
for d in 2026-11-29T23:59:59Z 2026-11-30T00:00:00Z 2026-12-01T10:30:00Z 1764584400000; do
  printf 'k%s|{"id":"%s","order_date":"%s"}\n' "$d" "$d" "$d" | sed 's/"\([0-9]\{13\}\)"}$/\1}/'
done | kcat -P -b "$CLOUD_BOOTSTRAP" -t $T -K '|' >>"$WORK/produce.log" 2>&1
LAKE=$WORK/lake-f8
sink_bg f8 -X sink.url="$LAKE" -X sink.topics="$T" -X sink.partitioner=time -X sink.timestamp.field=order_date \
  -X sink.rotate.schedule.interval.ms=500
pid=$BG_PID
check "f8: healthy" healthy
lake_equal "f8: time partitioner on a field: each record in its hour's folder" 30 --dir "$LAKE" \
  --partitioner time-field:order_date $T
check "f8: the folders follow sink.path.format" test -d "$LAKE/topics/$T/year=2026/month=11/day=29/hour=23"
check_stop "f8: SIGTERM: exit 0" "$pid"
LAKE=$WORK/lake-f8b
sink_bg f8b -X sink.url="$LAKE" -X sink.topics="$T" -X sink.partitioner=time -X sink.rotate.schedule.interval.ms=500
pid=$BG_PID
lake_equal "f8: time partitioner on the record time" 30 --dir "$LAKE" --partitioner time $T
check_stop "f8: SIGTERM: exit 0 (record time)" "$pid"

# --- f9: sink.max.buffer.bytes bounds memory, whatever the partitions ---
T=sk_memory
topic $T 8
produce $T 0 8000
LAKE=$WORK/lake-f9
sink_bg f9 -X sink.url="$LAKE" -X sink.topics="$T" -X sink.flush.size=100000 -X sink.rotate.schedule.interval.ms=-1 \
  -X sink.max.buffer.bytes=65536
pid=$BG_PID
check "f9: healthy" healthy
# flush.size and rotation are off: any file written before the SIGTERM was closed by the memory bound
closed_by_memory() { [ "$(metric bridgelab_sink_files_total)" -gt 8 ]; }
check "f9: more files than partitions while reading: the bound closed them" wait_for closed_by_memory
sleep 2 # 8000 small records are read by then
check_stop "f9: SIGTERM (writes what is still open): exit 0" "$pid"
lake_equal "f9: a 64 KiB buffer over 8 partitions: files closed early, every record once" 0 --dir "$LAKE" $T
check "f9: no file outgrew the 64 KiB buffer by more than a record" \
  bash -c "find '$LAKE' -name '*.json' -size +65700c | grep -q . && exit 1 || exit 0"

# --- a1: Azurite, read back by Microsoft's SDK ---
T=sk_a1
topic $T 3
produce $T 0 2000 25
sink_bg a1 -X sink.url="$(azure_url sk-a1)" -X sink.topics="$T" -X sink.flush.size=300 \
  -X sink.rotate.schedule.interval.ms=1000
pid=$BG_PID
check "a1: healthy" healthy
lake_equal "a1: Azurite: Microsoft's SDK lists and downloads the files: every record once, with its metadata" 60 \
  --azure "$(azure_url sk-a1)" --key-file "$KEY_FILE" $T
check_stop "a1: SIGTERM: exit 0" "$pid"
check "a1: the key is never logged" bash -c "! grep -qF '$(head -c 20 "$KEY_FILE")' '$WORK/a1.log'"

# --- a1b: Azurite with the field partitioner and CSV: blob names that need encoding ---
sink_bg a1b -X sink.url="$(azure_url sk-a1b)" -X sink.topics=sk_field -X sink.partitioner=field \
  -X sink.partition.field.name=region -X sink.format=csv -X sink.rotate.schedule.interval.ms=500
pid=$BG_PID
check "a1b: healthy" healthy
lake_equal "a1b: Azurite, CSV, folders of escaped values (spaces, %, +, /, UTF-8): the SDK reads every record once" 30 \
  --azure "$(azure_url sk-a1b)" --key-file "$KEY_FILE" --format csv --partitioner field:region sk_field
check_stop "a1b: SIGTERM: exit 0" "$pid"

# --- a2: SIGKILLs under load, wall-clock rotation on ---
T=sk_kills
topic $T 3
# the load: 200 records every 0.3 s until the kills are done
(
  i=0
  while [ ! -e "$WORK/a2.stop" ] && [ $i -lt 500 ]; do
    produce $T $((i * 200)) 200 30
    i=$((i + 1))
    sleep 0.3
  done
) &
producer=$!
at_exit "touch '$WORK/a2.stop'"
# static membership: a sink restarted with its sink.instance.id gets its partitions back at once
for round in $(seq 1 10); do
  sink_bg a2 -X sink.url="$(azure_url sk-a2)" -X sink.topics="$T" -X sink.flush.size=150 \
    -X sink.rotate.schedule.interval.ms=300 -X sink.instance.id=a2
  kill_mid_work "$BG_PID" files_written
done
check_kills "a2: SIGKILLs of the sink while it writes files" 10
touch "$WORK/a2.stop"
wait "$producer"
sink_bg a2 -X sink.url="$(azure_url sk-a2)" -X sink.topics="$T" -X sink.flush.size=150 \
  -X sink.rotate.schedule.interval.ms=300
pid=$BG_PID
lake_equal "a2: after 10 SIGKILLs: every record of $T once (read by the SDK)" 120 \
  --azure "$(azure_url sk-a2)" --key-file "$KEY_FILE" $T
check_stop "a2: SIGTERM: exit 0" "$pid"

# --- a3: two sinks of one group share the partitions; one is killed ---
T=sk_group
topic $T 4
produce $T 0 2000
HTTP2=${HTTP%:*}:$((${HTTP##*:} + 100))
# the survivor takes a killed member's partitions after its session times out (6 s here)
sink_bg a3 -X sink.url="$(azure_url sk-a3)" -X sink.topics="$T" -X sink.flush.size=100 \
  -X sink.rotate.schedule.interval.ms=300 -X cloud.kafka.session.timeout.ms=6000
one=$BG_PID
bg_start "$WORK/a3-two.log" "$BRIDGE" sink -F "$PROPS" -X sink.group.id=a3 -X sink.topics.refresh.ms=500 \
  -X sink.http.listen="$HTTP2" -X sink.url="$(azure_url sk-a3)" -X sink.topics="$T" -X sink.flush.size=100 \
  -X sink.rotate.schedule.interval.ms=300 -X cloud.kafka.session.timeout.ms=6000
two=$BG_PID
check "a3: both healthy" healthy
shared() {
  local a b
  a=$(curl -s "http://$HTTP/metrics" | awk '$1 == "bridgelab_sink_partitions" {print $2}')
  b=$(curl -s "http://$HTTP2/metrics" | awk '$1 == "bridgelab_sink_partitions" {print $2}')
  [ "${a:-0}" -gt 0 ] && [ "${b:-0}" -gt 0 ] && [ $((a + b)) -eq 4 ]
}
check "a3: the group's two sinks share the 4 partitions" wait_for shared
produce $T 2000 2000 &
producer=$!
sleep 0.5
kill -KILL "$two"
bg_wait "$two"
check_eq "a3: one sink SIGKILLed under load" 137 "$BG_STATUS"
wait "$producer"
produce $T 4000 500
lake_equal "a3: the other took its partitions over: every record once" 120 \
  --azure "$(azure_url sk-a3)" --key-file "$KEY_FILE" $T
check_stop "a3: SIGTERM: exit 0" "$one"

# --- a4: Azurite stopped mid-run, then started again: nothing lost ---
T=sk_outage
topic $T 2
sink_bg a4 -X sink.url="$(azure_url sk-a4)" -X sink.topics="$T" -X sink.flush.size=100 \
  -X sink.rotate.schedule.interval.ms=300 -X sink.upload.retries=2 -X sink.upload.timeout.ms=2000
pid=$BG_PID
check "a4: healthy" healthy
produce $T 0 500
lake_equal "a4: the first records land" 30 --azure "$(azure_url sk-a4)" --key-file "$KEY_FILE" $T
./lab down azurite >>"$WORK/lab.log" 2>&1
produce $T 500 500
lake_down() { [ "$(metric bridgelab_sink_lake_up)" = 0 ]; }
check "a4: /metrics: lake_up 0 while Azurite is down" wait_for lake_down
check "a4: /healthz says why" bash -c "curl -s 'http://$HTTP/healthz' | grep -q lake"
check "a4: the sink said so, once" test "$(grep -c 'nothing is dropped, reading waits' "$WORK/a4.log")" -eq 1
./lab up azurite >>"$WORK/lab.log" 2>&1
lake_equal "a4: Azurite back: every record once" 90 --azure "$(azure_url sk-a4)" --key-file "$KEY_FILE" $T
check "a4: the sink said the lake answers again" grep -q "lake: answers again" "$WORK/a4.log"
check_stop "a4: SIGTERM: exit 0" "$pid"

# --- bad input: one clear line each ---
printf 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n' >"$WORK/wrong.key"
check_ran "bad: a wrong key: which credential and the likely cause" 1 "$WORK/bad-key.out" \
  "sink.account.key.file|SharedKey" "$BRIDGE" sink -F "$PROPS" -X sink.url="$(azure_url sk-bad)" \
  -X sink.account.key.file="$WORK/wrong.key" -X sink.http.listen=
check "bad: the wrong key is not printed" bash -c "! grep -q QUJDREVG '$WORK/bad-key.out'"
"$VENV_PY" - "$AZURITE_BLOB" "$KEY_FILE" "$WORK/expired.sas" <<'EOF' >>"$WORK/sas.log" 2>&1
import datetime, sys
from azure.storage.blob import BlobServiceClient, generate_container_sas, ContainerSasPermissions
blob, key_file, out = sys.argv[1:]
account = blob.rstrip("/").rsplit("/", 1)[-1]
key = open(key_file).readline().strip()
BlobServiceClient(blob, credential={"account_name": account, "account_key": key}).create_container("sk-sas")
sas = generate_container_sas(account, "sk-sas", account_key=key, permission=ContainerSasPermissions(read=True, write=True, list=True, create=True),
                             expiry=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1))
open(out, "w").write(sas + "\n")
EOF
check_ran "bad: an expired SAS: said so" 1 "$WORK/bad-sas.out" "SAS" \
  env -u AZURE_STORAGE_KEY "$BRIDGE" sink -F "$PROPS" -X sink.url="$(azure_url sk-sas)" -X sink.account.key.file= \
  -X sink.sas.file="$WORK/expired.sas" -X sink.http.listen=
check "bad: the SAS signature is not printed" bash -c "! grep -q 'sig=' '$WORK/bad-sas.out'"
sed 's/sig=[^&]*/sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D/' "$WORK/expired.sas" |
  sed 's/se=[^&]*/se=2099-01-01T00%3A00%3A00Z/' >"$WORK/wrong.sas"
check_ran "bad: a SAS with a wrong signature: said so" 1 "$WORK/bad-sas2.out" "SAS" \
  env -u AZURE_STORAGE_KEY "$BRIDGE" sink -F "$PROPS" -X sink.url="$(azure_url sk-sas)" -X sink.account.key.file= \
  -X sink.sas.file="$WORK/wrong.sas" -X sink.http.listen=
check_ran "bad: a missing container: named, with the fix" 1 "$WORK/bad-container.out" \
  "sk-missing.*sink.create.container=true" "$BRIDGE" sink -F "$PROPS" -X sink.url="$(azure_url sk-missing)" \
  -X sink.create.container=false -X sink.http.listen=
check_ran "bad: a bad regex names the key" 2 "$WORK/bad-regex.out" "sink.topics: '\(' is not a POSIX" \
  "$BRIDGE" sink -F "$PROPS" -X 'sink.topics=(' -X sink.http.listen=
check_ran "bad: the field partitioner without a field" 2 "$WORK/bad-field.out" "sink.partition.field.name" \
  "$BRIDGE" sink -F "$PROPS" -X sink.partitioner=field -X sink.http.listen=
check_ran "bad: an unknown format" 2 "$WORK/bad-format.out" "sink.format.*is not json, csv, bytes, avro or parquet" \
  "$BRIDGE" sink -F "$PROPS" -X sink.format=xml -X sink.http.listen=
check_ran "bad: an Azure lake with no credential" 2 "$WORK/bad-cred.out" "needs a credential" \
  env -u AZURE_STORAGE_KEY -u AZURE_STORAGE_SAS_TOKEN "$BRIDGE" sink -F "$PROPS" -X sink.account.key.file= \
  -X sink.http.listen=

# --- the lab service ---
check_lab_service sink

tap_finish
