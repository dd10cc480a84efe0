#!/usr/bin/env bash
# Apache Kafka MirrorMaker 2 (3.9.1, dedicated mode) on the same backlog and
# the same two clusters as bridge replicate, for bench/replicate.sh. Runs on
# a lab that is up (onprem, cloud): the caller exports its LAB_* variables.
#
#   bench/mm2.sh fetch
#       the jars only (bench/mm2/pom.xml, Maven Central, into .deps/mm2/libs;
#       again whenever the pom changes).
#   bench/mm2.sh tuned
#       the settings of the tuned mode, one a line.
#   bench/mm2.sh run MODE ALIAS TOPIC RECORDS PARTITIONS
#       one catch-up: MirrorMaker 2 copies TOPIC (RECORDS records already on
#       onprem) to cloud, tasks.max = PARTITIONS, the source cluster named
#       ALIAS: DefaultReplicationPolicy writes ALIAS.TOPIC, and Connect's
#       internal topics are ALIAS's own (mm2-offsets.ALIAS.internal, ...), so
#       each run starts from offset 0 into fresh topics. Timed from the JVM's
#       start until a read_committed consumer on cloud (bin/replicate-load
#       count) has read RECORDS records of ALIAS.TOPIC. Prints on stdout
#       "RECORDS/S SECONDS FIRST_RECORD_S PEAK_RSS_KIB"; details to stderr.
#       Then stops it (SIGTERM by pid) and drops the run's topics.
#   MODE:
#     eos        exactly once, otherwise MirrorMaker 2's defaults:
#                cloud.exactly.once.source.support = enabled,
#                dedicated.mode.enable.internal.rest = true (+ listeners),
#                the source consumer isolation.level = read_committed
#     eos-tuned  the same, tuned as a careful user would (BENCH_MM2_TUNED)
#     alo        at-least-once, MirrorMaker 2's defaults
#   Every mode sets what a one-broker cluster without an authorizer needs:
#   replication factor 1 for every topic MM2 creates, sync.topic.acls off.
#
# Environment: BENCH_MM2_HEAP (2g, as bin/connect-mirror-maker.sh),
# BENCH_MM2_REST_PORT (14085: the internal REST listener of exactly-once),
# BENCH_MM2_TIMEOUT (900 s), BENCH_MM2_DEPS (.deps/mm2), BENCH_MM2_TUNED
# (the tuned settings, one "key = value" a line, ${ALIAS} for the source).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh" # stop_pid

DEPS=${BENCH_MM2_DEPS:-$top/.deps/mm2}
POM=$top/bench/mm2/pom.xml
HEAP=${BENCH_MM2_HEAP:-2g}
REST_PORT=${BENCH_MM2_REST_PORT:-14085}
TIMEOUT=${BENCH_MM2_TIMEOUT:-900}
# Producer: batches of 512 KiB (16 KiB by default) lingering 10 ms (0 ms) and
# lz4 (none), as bridge replicate's librdkafka producer; consumer: 2000
# records a poll (500) and 4 MiB a partition a fetch (1 MiB). In exactly-once
# mode a poll is a transaction, so max.poll.records also sets its size.
TUNED=${BENCH_MM2_TUNED:-'cloud.producer.linger.ms = 10
cloud.producer.batch.size = 524288
cloud.producer.compression.type = lz4
${ALIAS}.consumer.max.poll.records = 2000
${ALIAS}.consumer.max.partition.fetch.bytes = 4194304'}

BENCH_NAME=mm2

fetch() {
  command -v mvn >/dev/null || die "mvn not found: run make deps"
  local want
  want="mm2 $(sha256sum <"$POM" | cut -d' ' -f1)"
  if [ -f "$DEPS/stamp" ] && [ "$(cat "$DEPS/stamp")" = "$want" ] &&
    compgen -G "$DEPS/libs/connect-mirror-[0-9]*.jar" >/dev/null; then
    return 0
  fi
  say "fetching MirrorMaker 2 from Maven Central into $DEPS/libs"
  rm -rf "$DEPS/libs" "$DEPS/stamp"
  mkdir -p "$DEPS"
  mvn -B -q -f "$POM" dependency:copy-dependencies -DoutputDirectory="$DEPS/libs" >"$DEPS/mvn.log" 2>&1 ||
    die "fetching MirrorMaker 2 from Maven Central failed: read $DEPS/mvn.log"
  rm -f "$DEPS/mvn.log"
  printf '%s\n' "$want" >"$DEPS/stamp"
}

mm2_pid=
count_pid=
cleanup() {
  stop_pid "$count_pid" 2
  stop_pid "$mm2_pid" 30
}

# mm2.properties for MODE and ALIAS on stdout.
properties() {
  local mode=$1 alias=$2 topic=$3 partitions=$4
  cat <<EOF
# written by bench/mm2.sh ($mode)
clusters = $alias, cloud
$alias.bootstrap.servers = $ONPREM_BOOTSTRAP
cloud.bootstrap.servers = $CLOUD_BOOTSTRAP
$alias->cloud.enabled = true
$alias->cloud.topics = $topic
tasks.max = $partitions
# one broker a cluster
replication.factor = 1
offset-syncs.topic.replication.factor = 1
heartbeats.topic.replication.factor = 1
checkpoints.topic.replication.factor = 1
offset.storage.replication.factor = 1
status.storage.replication.factor = 1
config.storage.replication.factor = 1
# no authorizer on the lab's brokers
sync.topic.acls.enabled = false
EOF
  case $mode in
    eos | eos-tuned)
      cat <<EOF
# exactly once (KIP-618, KIP-710)
cloud.exactly.once.source.support = enabled
dedicated.mode.enable.internal.rest = true
listeners = http://127.0.0.1:$REST_PORT
$alias.consumer.isolation.level = read_committed
EOF
      ;;
  esac
  if [ "$mode" = eos-tuned ]; then
    echo "# tuned"
    printf '%s\n' "${TUNED//\$\{ALIAS\}/$alias}"
  fi
}

run() {
  [ $# -eq 5 ] || die "usage: bench/mm2.sh run eos|eos-tuned|alo ALIAS TOPIC RECORDS PARTITIONS"
  local mode=$1 alias=$2 topic=$3 records=$4 partitions=$5
  case $mode in eos | eos-tuned | alo) ;; *) die "unknown mode $mode (eos, eos-tuned, alo)" ;; esac
  if [ -z "${LAB_RUN_DIR:-}" ] || [ ! -f "$LAB_RUN_DIR/lab.env" ]; then
    die "export the LAB_* variables of a running lab (no \$LAB_RUN_DIR/lab.env)"
  fi
  # shellcheck disable=SC1091
  . "$LAB_RUN_DIR/lab.env" # RUN ONPREM_BOOTSTRAP CLOUD_BOOTSTRAP
  [ -x bin/replicate-load ] || die "bin/replicate-load is not built: run make"
  fetch
  local state=$RUN/mm2/$alias
  rm -rf "$state"
  mkdir -p "$state"
  properties "$mode" "$alias" "$topic" "$partitions" >"$state/mm2.properties"
  trap cleanup EXIT
  trap 'exit 130' INT TERM

  local dest=$alias.$topic t0 t_first='' line t_end rss
  t0=$EPOCHREALTIME
  # As bin/connect-mirror-maker.sh starts it (kafka-run-class.sh's JVM options).
  java "-Xms256m" "-Xmx$HEAP" -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$top/deps/kafka/log4j.properties" -cp "$DEPS/libs/*" \
    org.apache.kafka.connect.mirror.MirrorMaker "$state/mm2.properties" --clusters cloud >"$state/mm2.log" 2>&1 &
  mm2_pid=$!
  bin/replicate-load count "$CLOUD_BOOTSTRAP" "$dest" "$records" "$TIMEOUT" >"$state/count.out" 2>"$state/count.log" &
  count_pid=$!
  while kill -0 "$count_pid" 2>/dev/null; do
    kill -0 "$mm2_pid" 2>/dev/null || die "MirrorMaker 2 ($mode) exited before copying $records records: read $state/mm2.log"
    # When the first record lands (the JVM's start-up, apart): the end
    # offsets, until there are some.
    if [ -z "$t_first" ] && kcat -Q -b "$CLOUD_BOOTSTRAP" -t "$dest:0:-1" 2>/dev/null | grep -qv ' offset 0$'; then
      t_first=$EPOCHREALTIME
    fi
    sleep 0.2
  done
  wait "$count_pid" || die "MirrorMaker 2 ($mode): $(cat "$state/count.log"); read $state/mm2.log"
  count_pid=
  rss=$(awk '/^VmHWM/ {print $2}' "/proc/$mm2_pid/status")
  line=$(cat "$state/count.out")
  t_end=${line##* at }
  stop_pid "$mm2_pid" 30
  mm2_pid=
  bin/replicate-load drop "$CLOUD_BOOTSTRAP" "$alias\\..*|mm2-[a-z]+\\.$alias\\.internal" || true
  bin/replicate-load drop "$ONPREM_BOOTSTRAP" 'mm2-offset-syncs\.cloud\.internal' || true
  grep -m1 -E 'isolation.level = read_committed' "$state/mm2.log" >/dev/null ||
    [ "$mode" = alo ] || say "note: no read_committed consumer in $state/mm2.log"
  awk -v n="$records" -v a="$t0" -v b="$t_end" -v f="${t_first:-$t_end}" -v r="$rss" -v m="$mode" 'BEGIN {
    printf "bench mm2: %s: %d records in %.2f s from the JVM start: %.0f records/s; first record after %.1f s; peak RSS %d MiB\n",
      m, n, b - a, n / (b - a), f - a, r / 1024 > "/dev/stderr"
    printf "%.0f %.3f %.3f %d\n", n / (b - a), b - a, f - a, r}'
}

case ${1:-} in
  fetch) fetch ;;
  tuned) printf '%s\n' "${TUNED//\$\{ALIAS\}/<source>}" ;;
  run)
    shift
    run "$@"
    ;;
  *) die "usage: bench/mm2.sh fetch | tuned | run eos|eos-tuned|alo ALIAS TOPIC RECORDS PARTITIONS" ;;
esac
