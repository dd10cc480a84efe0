#!/usr/bin/env bash
# The bridge cdc benchmark, run by bench/run on its own lab (mysql, onprem):
# catch-up of a binlog backlog beside a plain producer's ceiling, live lag at
# the simulator's top rate, commit-to-readable latency at 1k orders/s, peak
# memory, and Debezium on the same backlog when bench/debezium.sh can run.
# Progress goes to stderr; the Markdown section for README.md to stdout.
# BENCH_CDC_ROUNDS (5), BENCH_CDC_ORDERS (250000), BENCH_DEBEZIUM=0 to leave
# Debezium out. cdc runs with its default cdc.commit.interval.ms (0: commit
# again as soon as one is done) whatever the lab sets; the latency at 1k
# orders/s is measured once more with the lab's 200 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
. "$LAB_RUN_DIR/lab.env"

ORDERS=${BENCH_CDC_ORDERS:-250000}
LIVE_SECONDS=${BENCH_LIVE_SECONDS:-20}
HTTP=127.0.0.1:${BENCH_CDC_HTTP_PORT:-14083}
WORK=$PWD/build/bench-cdc
rm -rf "$WORK" && mkdir -p "$WORK"
say() { echo "bench cdc: $*" >&2; }
sql() { mariadb --defaults-file="$MYSQL_ROOT_CNF" -N -B orders -e "$1"; }
metric() { curl -s "http://$HTTP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
position() { curl -s "http://$HTTP/metrics" | sed -n 's/^bridgelab_cdc_position_info{gtid="\(.*\)"} 1$/\1/p'; }
now() { date +%s.%N; }
LAB_COMMIT_INTERVAL_MS=$(sed -n 's/^cdc.commit.interval.ms=//p' "$BRIDGE_PROPERTIES" | tail -1)
cdc_bg() {
  bin/bridge cdc -F "$BRIDGE_PROPERTIES" -X dc=bench -X cdc.http.listen="$HTTP" -X cdc.commit.interval.ms=0 "$@" \
    >>"$WORK/cdc.log" 2>&1 &
}
wait_streaming() { until curl -sf "http://$HTTP/healthz" >/dev/null 2>&1; do sleep 0.05; done; }
# Waits until the cdc's position is $1: one curl a poll, nothing else (the
# machine is shared with what is measured).
wait_position() { until [ "$(position)" = "$1" ]; do sleep 0.05; done; }
stop() { kill -TERM "$1" && wait "$1" || true; }
trap 'pkill -f "bin/bridge cdc -F $BRIDGE_PROPERTIES" 2>/dev/null || true; pkill -f "bin/sim -F $SIM_PROPERTIES" 2>/dev/null || true' EXIT

# --- catch-up beside the ceiling --------------------------------------------
# The backlog is written once; each catch-up round replays it with a cdc of
# its own name and topics (created by the cdc at its start, which counts),
# whose stored position is set to the GTID before the backlog. The ceiling is
# a plain producer sending the same messages; beside it, the same producer
# made transactional, committing as often as cdc did (its average records per
# commit in the warm-up round): the floor under any exactly-once producer. One unmeasured run of each comes first (it warms the
# broker's JVM and makes the ceilings' topics); then rounds alternate, and
# medians are reported.
ROUNDS=${BENCH_CDC_ROUNDS:-5}
./lab seed >/dev/null
sql "CREATE TABLE bench_probe (id INT PRIMARY KEY, sent_us BIGINT)"
cdc_bg
pid=$!
wait_streaming
stop "$pid" # the snapshot of the seed is stored: what follows is read from the binlog
before_backlog=$(sql 'SELECT @@gtid_binlog_pos')
say "writing $ORDERS orders into the binlog"
bin/sim -F "$SIM_PROPERTIES" --rate 0 --orders "$ORDERS" --threads 4 --quiet 2>/dev/null
backlog_head=$(sql 'SELECT @@gtid_binlog_pos')
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# catch_up ROUND: prints "events/s peak-RSS-KiB events commits".
catch_up() {
  local name=bench-r$1
  printf '%s\t{"gtid":"%s"}\n' "$name" "$before_backlog" |
    kcat -P -b "$ONPREM_BOOTSTRAP" -t _bridgelab_cdc_positions -K '\t'
  local start elapsed events rss_kib
  start=$(now)
  cdc_bg -X cdc.name="$name" -X cdc.topic.format="\${dc}_\${table}_r$1"
  pid=$!
  wait_position "$backlog_head"
  elapsed=$(awk -v a="$start" -v b="$(now)" 'BEGIN {print b - a}')
  events=$(metric bridgelab_cdc_events_total)
  commits=$(metric bridgelab_cdc_kafka_commits_total)
  rss_kib=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  stop "$pid"
  say "catch-up round $1: $events events in $elapsed s, $commits Kafka commits, peak RSS $((rss_kib / 1024)) MiB"
  awk -v e="$events" -v s="$elapsed" -v r="$rss_kib" -v c="$commits" 'BEGIN {printf "%.0f %d %d %d\n", e / s, r, e, c}'
}
# ceiling [TRANSACTION_SIZE]: prints msgs/s.
ceiling() {
  local line
  line=$(bin/kafka-ceiling "$ONPREM_BOOTSTRAP" "$WORK/messages" "$@")
  say "$line"
  echo "$line" | sed -n 's/.*: \([0-9]*\) msgs\/s$/\1/p'
}
say "catching up"
catch_up 0 >"$WORK/warm-up"
TXN_SIZE=$(awk '{printf "%d", $3 / $4}' "$WORK/warm-up")
for t in $(kcat -L -b "$ONPREM_BOOTSTRAP" | sed -n 's/^  topic "\(bench_[a-z_0-9]*_r0\)" .*/\1/p'); do
  kcat -C -b "$ONPREM_BOOTSTRAP" -t "$t" -e -q -X isolation.level=read_committed -f '%t\t%k\t%s\n'
done >"$WORK/messages"
messages=$(wc -l <"$WORK/messages")
ceiling >/dev/null # warm-up: makes the ceilings' topics
ceiling "$TXN_SIZE" >/dev/null
: >"$WORK/catchup"
: >"$WORK/ceilings"
: >"$WORK/ceilings-txn"
for round in $(seq "$ROUNDS"); do
  catch_up "$round" >>"$WORK/catchup"
  ceiling >>"$WORK/ceilings"
  ceiling "$TXN_SIZE" >>"$WORK/ceilings-txn"
done
rm -f "$WORK/messages"
catchup=$(awk '{print $1}' "$WORK/catchup" | median)
rss_kib=$(awk '{print $2}' "$WORK/catchup" | sort -n | tail -1)
events=$(awk 'NR == 1 {print $3}' "$WORK/catchup")
[ "$(awk '{print $3}' "$WORK/catchup" | sort -u | wc -l)" = 1 ] || say "the rounds counted different numbers of events"
ceiling=$(median <"$WORK/ceilings")
ceiling_txn=$(median <"$WORK/ceilings-txn")
say "catch-up median $catchup events/s; ceiling median $ceiling msgs/s, transactional $ceiling_txn msgs/s"

# --- live: commit-to-readable latency at the top rate and at 1k orders/s ----
# probe ROUND RATE_ARGS: cdc-latency probes (40/s) while the simulator writes.
probe() {
  local round=$1
  shift
  sql "DELETE FROM bench_probe" # (its topic was made by the cdc at its start)
  wait_position "$(sql 'SELECT @@gtid_binlog_pos')"
  bin/sim -F "$SIM_PROPERTIES" "$@" --threads 4 --quiet 2>"$WORK/sim-$round.log" &
  local simpid=$!
  sleep 1
  bin/cdc-latency "$LAB_RUN_DIR/mysql/sim.cnf" "$ONPREM_BOOTSTRAP" "bench_bench_probe_$round" $((LIVE_SECONDS * 40)) 25 ||
    true
  kill -TERM "$simpid" && wait "$simpid" || true
}
stats() { sed -n "s/.* p50 \([0-9.]*\) ms p99 \([0-9.]*\) ms max \([0-9.]*\) ms/p50 \1 ms, p99 \2 ms, max \3 ms/p" <<<"$1"; }
cdc_bg -X cdc.topic.format='${dc}_${table}_top'
pid=$!
wait_streaming
top=$(probe top --rate 0)
top_rate=$(sed -n 's/.* stopped: .*; \([0-9.]*\) orders\/s$/\1/p' "$WORK/sim-top.log")
stop "$pid"
say "$top at the top rate ($top_rate orders/s)"
cdc_bg -X cdc.topic.format='${dc}_${table}_1k'
pid=$!
wait_streaming
onek=$(probe 1k --rate 1000)
stop "$pid"
say "$onek at 1000 orders/s"
cdc_bg -X cdc.topic.format='${dc}_${table}_lab' -X cdc.commit.interval.ms="${LAB_COMMIT_INTERVAL_MS:-0}"
pid=$!
wait_streaming
onek_lab=$(probe lab --rate 1000)
stop "$pid"
say "$onek_lab at 1000 orders/s with cdc.commit.interval.ms=${LAB_COMMIT_INTERVAL_MS:-0}"

# --- Debezium on the same kind of backlog -----------------------------------
debezium="not measured (bench/debezium.sh missing, or BENCH_DEBEZIUM=0)"
debezium_live=""
if [ -x bench/debezium.sh ] && [ "${BENCH_DEBEZIUM:-1}" != 0 ]; then
  if BENCH_DBZ_ORDERS=$ORDERS BENCH_DBZ_ROUNDS=1 bench/debezium.sh >"$WORK/debezium.out" 2>"$WORK/debezium.log" &&
    grep -q '^debezium:' "$WORK/debezium.out"; then
    debezium=$(grep '^debezium:' "$WORK/debezium.out")
    debezium_live=$(grep '^debezium live:' "$WORK/debezium.out" || true)
  else
    debezium="not measured (see build/bench-cdc/debezium.log)"
  fi
fi
say "$debezium"
dbz_rate=$(echo "$debezium" | sed -n 's/.*: \([0-9.]*\) events\/s.*/\1/p')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.0f %%", 100 * a / b; else print "-"}'; }
times() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.1f×", a / b; else print "-"}'; }
cat <<MD
Measured $(date -u +%Y-%m-%d) with \`make bench\` ($(nproc) cores; MariaDB, Kafka and the bridge on one machine).

| what | bridge cdc | beside it, same run | ratio |
| --- | --- | --- | --- |
| catch-up of $events row changes already in the binlog (events/s, median of $ROUNDS) | $catchup | plain librdkafka producer, same $messages messages, topics made: $ceiling msgs/s (median of $ROUNDS) | $(ratio "$catchup" "$ceiling") of the ceiling |
| catch-up (events/s) | $catchup | the same producer, transactional ($TXN_SIZE messages a transaction, as cdc averaged): $ceiling_txn msgs/s (median of $ROUNDS) | $(ratio "$catchup" "$ceiling_txn") of it |
| catch-up (events/s) | $catchup | Debezium 3.6: ${dbz_rate:-not measured} | $(times "$catchup" "${dbz_rate:-0}") |
| peak RSS through the catch-up (highest of $ROUNDS) | $((rss_kib / 1024)) MiB | | |
| MySQL commit → readable in Kafka, simulator at its top rate (${top_rate:-?} orders/s) | $(stats "$top") | | |
| MySQL commit → readable in Kafka, simulator at 1000 orders/s | $(stats "$onek") | | |
| the same with \`cdc.commit.interval.ms=${LAB_COMMIT_INTERVAL_MS:-0}\`, as the lab sets it | $(stats "$onek_lab") | | |

Debezium 3.6.1 (the MySQL connector on MariaDB, through bench/debezium's small JDBC shim for \`SHOW MASTER STATUS\`;
Kafka Connect 4.3 standalone, JSON without schemas, at-least-once): ${debezium}
${debezium_live}
MD
