#!/usr/bin/env bash
# Debezium 3.6 on the same binlog backlog and the same Kafka broker as bridge
# cdc, for the README's comparison. Runs on a lab that is up (mysql, onprem):
# the caller exports its LAB_* variables (bench/run, bench/cdc.sh), e.g.
#
#   LAB_RUN_DIR=build/dbz-run LAB_MYSQL_PORT=16307 LAB_ONPREM_PORT=16092 \
#     LAB_ONPREM_CONTROLLER_PORT=16093 LAB_CDC_HTTP_PORT=16083 bench/debezium.sh
#
# Catch-up (the `debezium:` line on stdout):
#   1. reseed `orders`; start Kafka Connect standalone with the Debezium MySQL
#      connector in snapshot.mode=no_data (the schema only, no rows) and stop
#      it once it streams: its stored offset is the binlog end;
#   2. write BENCH_DBZ_ORDERS orders (60000: ~245k row changes) with bin/sim
#      --rate 0 on 4 connections: the backlog;
#   3. count the row changes in the binlog from that offset on with
#      mariadb-binlog -v (one "### INSERT/UPDATE/DELETE" per row) on the
#      captured tables, every table of `orders` but <dc>_out_of_stock_events
#      (a delete counts twice: Debezium's tombstone);
#   4. start Connect again and poll the end offsets of the dbz.orders.* topics
#      (kcat -Q, every 0.1 s) until they hold that many records more than
#      before. Time: from launching the JVM to the last record in Kafka, as
#      bench/cdc.sh times bridge cdc from its start to caught up.
#   BENCH_DBZ_ROUNDS times (3), each from a fresh seed: the median round.
# Live (the `debezium live:` line): with Debezium streaming, bin/sim at each
# rate of BENCH_DBZ_LIVE_RATES orders/s (0: as fast as it can) for
# BENCH_DBZ_LIVE_SECONDS each; meanwhile a probe row is committed every 0.2 s
# (with its commit time in µs) and read back from Kafka by kcat: lag = time
# read − time committed. Reported: the highest rate at which every probe's
# lag stayed under 1 s, and the max lag at each rate (the climb stops early
# only when probes are still unread 30 s after the rate's window).
# BENCH_DBZ_LIVE_RATES= skips it.
#
# Progress and details go to stderr; stdout gets the two result lines. The
# Debezium jars are fetched on first use (bench/debezium/pom.xml, Maven
# Central, into .deps/debezium); run folder state goes to $RUN/debezium.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh" # stop_pid

if [ -z "${LAB_RUN_DIR:-}" ] || [ ! -f "$LAB_RUN_DIR/lab.env" ]; then
  echo "bench debezium: export the LAB_* variables of a running lab (no \$LAB_RUN_DIR/lab.env)" >&2
  exit 1
fi
# shellcheck disable=SC1091
. "$LAB_RUN_DIR/lab.env" # RUN DC MYSQL_PORT MYSQL_ROOT_CNF SIM_PROPERTIES ONPREM_BOOTSTRAP

ORDERS=${BENCH_DBZ_ORDERS:-60000}
ROUNDS=${BENCH_DBZ_ROUNDS:-3}
THREADS=${BENCH_DBZ_THREADS:-4}
LIVE_RATES=${BENCH_DBZ_LIVE_RATES-250 500 1000 2000 0}
LIVE_SECONDS=${BENCH_DBZ_LIVE_SECONDS:-20}
TIMEOUT=${BENCH_DBZ_TIMEOUT:-300}
HEAP=${BENCH_DBZ_HEAP:-1g}
SERVER_ID=${BENCH_DBZ_SERVER_ID:-184054}
PREFIX=dbz
PROBE=dbz_probe

DEPS=$top/.deps/debezium
STATE=$RUN/debezium
POM=$top/bench/debezium/pom.xml
SHIM_SRC=$top/bench/debezium/shim

script_start=$EPOCHREALTIME
BENCH_NAME=debezium
sql() { mariadb --defaults-file="$MYSQL_ROOT_CNF" -N -B orders -e "$1"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }

# --- the jars: Debezium + Connect from Maven Central, the MariaDB shim --------
fetch() {
  command -v mvn >/dev/null || die "mvn not found: run make deps"
  command -v javac >/dev/null || die "javac not found (the MariaDB shim is compiled here): apt-get install openjdk-17-jdk-headless"
  local want
  want="debezium $(cat "$POM" "$SHIM_SRC"/bridgelab/debezium/*.java | sha256sum | cut -d' ' -f1)"
  if [ -f "$DEPS/stamp" ] && [ "$(cat "$DEPS/stamp")" = "$want" ] &&
    compgen -G "$DEPS/libs/debezium-connector-mysql-*.jar" >/dev/null && [ -f "$DEPS/shim/bridgelab-debezium-shim.jar" ]; then
    return 0
  fi
  say "fetching Debezium and Kafka Connect from Maven Central into .deps/debezium/libs"
  rm -rf "$DEPS/libs" "$DEPS/shim" "$DEPS/stamp"
  mkdir -p "$DEPS/shim/classes"
  mvn -B -q -f "$POM" dependency:copy-dependencies -DoutputDirectory="$DEPS/libs" >"$DEPS/mvn.log" 2>&1 ||
    die "fetching Debezium from Maven Central failed: read $DEPS/mvn.log"
  javac -nowarn --release 17 -cp "$DEPS/libs/*" -d "$DEPS/shim/classes" "$SHIM_SRC"/bridgelab/debezium/*.java >"$DEPS/javac.log" 2>&1 ||
    die "compiling bench/debezium/shim failed: read $DEPS/javac.log"
  (cd "$DEPS/shim/classes" && jar cf ../bridgelab-debezium-shim.jar .)
  rm -rf "$DEPS/shim/classes" "$DEPS/mvn.log" "$DEPS/javac.log"
  printf '%s\n' "$want" >"$DEPS/stamp"
}

# --- Kafka Connect standalone ---------------------------------------------------
connect_pid=
probe_kcat_pid=
probe_reader_pid=
probe_writer_pid=
sim_pid=

cleanup() {
  stop_pid "$sim_pid" 15
  stop_pid "$probe_writer_pid" 2
  stop_pid "$probe_kcat_pid" 2
  stop_pid "$probe_reader_pid" 2
  stop_pid "$connect_pid" 20
}
trap cleanup EXIT
trap 'exit 130' INT TERM

render() {
  sed -e "s|@BOOTSTRAP@|$ONPREM_BOOTSTRAP|g" -e "s|@STATE@|$STATE|g" -e "s|@MYSQL_PORT@|$MYSQL_PORT|g" \
    -e "s|@SECRETS@|$RUN/secrets|g" -e "s|@SERVER_ID@|$SERVER_ID|g" -e "s|@DC@|$DC|g" "$1" >"$2"
}

# As Kafka's connect-standalone.sh starts it (its KAFKA_JVM_PERFORMANCE_OPTS),
# with a 1 GiB heap instead of 2 GiB.
connect_start() {
  java "-Xms256m" "-Xmx$HEAP" -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$top/bench/debezium/log4j2.properties" "-Ddbz.log.file=$STATE/connect.log" \
    -cp "$DEPS/libs/*:$DEPS/shim/*" org.apache.kafka.connect.cli.ConnectStandalone \
    "$STATE/worker.properties" "$STATE/connector.properties" >>"$STATE/connect.out" 2>&1 &
  connect_pid=$!
}
connect_alive() { kill -0 "$connect_pid" 2>/dev/null; }
connect_fail() { die "$1; read $STATE/connect.log: $(grep -m1 -E '^\[.*\] ERROR' "$STATE/connect.log" | cut -c1-300)"; }
connect_stop() {
  stop_pid "$connect_pid" 30
  connect_pid=
}
# Waits for the connector's "Connected to binlog" after log offset $1.
wait_streaming() {
  local from=$1 deadline=$((SECONDS + 120))
  until tail -c +"$((from + 1))" "$STATE/connect.log" 2>/dev/null | grep -q 'Connected to binlog'; do
    connect_alive || connect_fail "Kafka Connect exited before streaming"
    [ "$SECONDS" -lt "$deadline" ] || connect_fail "Debezium did not stream within 120 s"
    sleep 0.1
  done
}
log_size() { stat -c %s "$STATE/connect.log" 2>/dev/null || echo 0; }

# --- the topics -------------------------------------------------------------------
tables=() # the captured tables
topic_args=()
# Creates the topics (broker auto-creation, as Debezium would on its first
# record) so that neither run pays for it inside the measurement.
make_topics() {
  mapfile -t tables < <(sql "SELECT table_name FROM information_schema.tables WHERE table_schema = 'orders'
    AND table_name <> '${DC}_out_of_stock_events' ORDER BY table_name")
  [ "${#tables[@]}" -gt 0 ] || die "no tables in orders"
  local t
  topic_args=()
  for t in "${tables[@]}"; do
    kcat -L -b "$ONPREM_BOOTSTRAP" -t "$PREFIX.orders.$t" -X allow.auto.create.topics=true >/dev/null 2>&1 || true
    topic_args+=(-t "$PREFIX.orders.$t:0:-1")
  done
  local deadline=$((SECONDS + 30))
  until records_now >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "the $PREFIX.orders.* topics were not created on $ONPREM_BOOTSTRAP"
    sleep 0.2
  done
}
# Sum of the end offsets of the captured tables' topics (one partition each).
records_now() {
  kcat -Q -b "$ONPREM_BOOTSTRAP" "${topic_args[@]}" 2>/dev/null |
    awk -v n="${#tables[@]}" '/ offset [0-9]+$/ {s += $NF; k++} END {if (k != n) exit 1; print s}'
}

# --- the expected count: row changes in the binlog ------------------------------
# Row events from FILE:POS to the end of the binlog, per table and kind.
# shellcheck disable=SC2016 # the backquotes are mariadb-binlog's
binlog_rows() {
  mariadb-binlog --defaults-file="$MYSQL_ROOT_CNF" --read-from-remote-server --to-last-log \
    --base64-output=DECODE-ROWS -v --start-position="$2" "$1" |
    sed -n 's/^### \(INSERT INTO\|UPDATE\|DELETE FROM\) `\([^`]*\)`\.`\([^`]*\)`.*/\1 \2 \3/p' |
    sed 's/^INSERT INTO/insert/; s/^DELETE FROM/delete/; s/^UPDATE/update/' | sort | uniq -c
}

# ================================================================================
[ "$(sql 'SELECT 1')" = 1 ] || die "mysql of $RUN does not answer"
kcat -L -b "$ONPREM_BOOTSTRAP" >/dev/null 2>&1 || die "onprem Kafka at $ONPREM_BOOTSTRAP does not answer"
[ -x bin/sim ] || die "bin/sim is not built: run make"
fetch
dbz_version=$(basename "$(ls "$DEPS"/libs/debezium-connector-mysql-*.jar)" .jar | sed 's/^debezium-connector-mysql-//')
connect_version=$(basename "$(ls "$DEPS"/libs/connect-runtime-*.jar)" .jar | sed 's/^connect-runtime-//')
say "Debezium $dbz_version (MySQL connector), Kafka Connect $connect_version standalone, heap $HEAP"

rm -rf "$STATE"
mkdir -p "$STATE"
heartbeat_topic=__debezium-heartbeat.$PREFIX
heartbeats() { kcat -Q -b "$ONPREM_BOOTSTRAP" -t "$heartbeat_topic:0:-1" 2>/dev/null | sed -n 's/.* offset \([0-9]*\)$/\1/p'; }

# One catch-up: leaves Connect running (the live part goes on with it) and
# appends "events seconds rate first_to_last_rate rss_kib" to $STATE/rounds.
catch_up() {
  rm -f "$STATE/offsets.dat" "$STATE/schema-history.dat" "$STATE/connect.log"
  render bench/debezium/worker.properties "$STATE/worker.properties"
  render bench/debezium/connector.properties "$STATE/connector.properties"
  "$top/lab" seed >/dev/null
  sql "CREATE TABLE $PROBE (id INT PRIMARY KEY, sent_us BIGINT)"
  make_topics

  # 1. The schema, and the binlog position, as of the fresh seed. A
  # schema-only snapshot emits no record, so no offset would be stored: with
  # heartbeats on (this first run only) the heartbeat sent at the end of the
  # snapshot carries the snapshot's binlog position into the offsets file. It
  # must be that one: the MySQL connector does not see MariaDB's transaction
  # starts (GTID events, no BEGIN), so an offset stored after a row change
  # says "skip N rows" from the end of its rows event, and a restart would
  # drop the first N rows of the backlog.
  kcat -L -b "$ONPREM_BOOTSTRAP" -t "$heartbeat_topic" -X allow.auto.create.topics=true >/dev/null 2>&1 || true
  local deadline=$((SECONDS + 30)) t
  until [ -n "$(heartbeats)" ]; do
    [ "$SECONDS" -lt "$deadline" ] || die "topic $heartbeat_topic was not created on $ONPREM_BOOTSTRAP"
    sleep 0.2
  done
  local heartbeats_before
  heartbeats_before=$(heartbeats)
  echo "heartbeat.interval.ms=1000" >>"$STATE/connector.properties"
  t=$EPOCHREALTIME
  connect_start
  wait_streaming 0
  deadline=$((SECONDS + 60))
  until [ "$(heartbeats)" -gt "$heartbeats_before" ]; do
    connect_alive || connect_fail "Kafka Connect exited while streaming"
    [ "$SECONDS" -lt "$deadline" ] || connect_fail "no heartbeat within 60 s"
    sleep 0.1
  done
  connect_stop
  render bench/debezium/connector.properties "$STATE/connector.properties"
  grep -q 'Kafka Connect stopped' "$STATE/connect.log" || die "Kafka Connect did not stop cleanly: read $STATE/connect.log"
  local stored
  stored=$(grep -a -o '{[^{}]*"pos"[^{}]*}' "$STATE/offsets.dat" 2>/dev/null | tail -1 || true)
  [ -n "$stored" ] || die "no offset stored by the first run: read $STATE/connect.log"
  case $stored in
    *'"row"'* | *'"event"'*) die "the stored offset is not at a transaction boundary: $stored" ;;
  esac
  say "schema only (snapshot.mode=no_data): streaming $(elapsed "$t" "$EPOCHREALTIME") s after the JVM started; stopped, offset $stored"
  local start_file start_pos end_file end_pos
  read -r start_file start_pos _ < <(sql 'SHOW MASTER STATUS')

  # 2. The backlog.
  local sim_line
  sim_line=$(bin/sim -F "$SIM_PROPERTIES" --rate 0 --orders "$ORDERS" --threads "$THREADS" --quiet 2>&1 | grep ' done: ' || true)
  [ -n "$sim_line" ] || die "bin/sim did not finish"
  say "backlog written: ${sim_line#* done: }"
  read -r end_file end_pos _ < <(sql 'SHOW MASTER STATUS')

  # 3. What Debezium has to deliver.
  binlog_rows "$start_file" "$start_pos" >"$STATE/binlog-rows.txt"
  expected=$(awk -v skip="${DC}_out_of_stock_events" '
    $3 == "orders" && $4 != skip {n += ($2 == "delete") ? 2 * $1 : $1}
    END {print n + 0}' "$STATE/binlog-rows.txt")
  say "binlog $start_file:$start_pos .. $end_file:$end_pos: $expected row changes to capture (mariadb-binlog -v):"
  awk -v skip="${DC}_out_of_stock_events" '{printf "bench debezium:   %8d %s %s.%s%s\n", $1, $2, $3, $4, ($4 == skip) ? " (not captured)" : ""}' \
    "$STATE/binlog-rows.txt" >&2
  [ "$expected" -gt 0 ] || die "no row changes in the binlog"
  local baseline
  baseline=$(records_now) || die "cannot read the end offsets of the $PREFIX.orders.* topics"

  # 4. The catch-up.
  local from t0 t_first='' got=0 now_records t_end rss seconds rate stream_seconds stream_rate
  from=$(log_size)
  t0=$EPOCHREALTIME
  connect_start
  deadline=$((SECONDS + TIMEOUT))
  while :; do
    if now_records=$(records_now); then
      got=$((now_records - baseline))
      [ -n "$t_first" ] || [ "$got" -le 0 ] || t_first=$EPOCHREALTIME
      [ "$got" -lt "$expected" ] || break
    fi
    connect_alive || connect_fail "Kafka Connect exited during the catch-up ($got of $expected records)"
    [ "$SECONDS" -lt "$deadline" ] || connect_fail "catch-up not done in ${TIMEOUT} s ($got of $expected records)"
    sleep 0.1
  done
  t_end=$EPOCHREALTIME
  rss=$(awk '/^VmHWM/ {print $2}' "/proc/$connect_pid/status")
  seconds=$(elapsed "$t0" "$t_end")
  rate=$(awk -v e="$expected" -v s="$seconds" 'BEGIN {printf "%.0f", e / s}')
  stream_seconds=$(elapsed "$t_first" "$t_end")
  stream_rate=$(awk -v e="$expected" -v s="$stream_seconds" 'BEGIN {printf "%.0f", e / s}')
  say "catch-up: $expected events in $seconds s from the JVM's start = $rate events/s; first record after" \
    "$(elapsed "$t0" "$t_first") s, first to last $stream_seconds s = $stream_rate events/s; peak RSS $((rss / 1024)) MiB"
  [ "$got" -eq "$expected" ] || say "note: $got records for $expected row changes ($((got - expected)) more: redelivered)"
  echo "$expected $seconds $rate $stream_rate $rss" >>"$STATE/rounds"
}

for round in $(seq "$ROUNDS"); do
  say "round $round of $ROUNDS: $ORDERS orders"
  [ "$round" -eq 1 ] || connect_stop
  catch_up
done
# The median round by time; peak RSS: the highest of all rounds.
read -r events seconds rate stream_rate _ < <(sort -k2,2g "$STATE/rounds" | awk '{r[NR] = $0} END {print r[int((NR + 1) / 2)]}')
rss_kib=$(awk '$5 > m {m = $5} END {print m}' "$STATE/rounds")
echo "debezium: $events events in $seconds s: $rate events/s, peak RSS $((rss_kib / 1024)) MiB" \
  "(median of $ROUNDS, from the JVM's start; first to last record $stream_rate events/s; Debezium $dbz_version, Kafka Connect $connect_version, -Xmx$HEAP)"

# --- live: the highest lag-free rate --------------------------------------------
if [ -n "$LIVE_RATES" ]; then
  events_per_order=$(awk -v e="$expected" -v o="$ORDERS" 'BEGIN {printf "%.2f", e / o}')
  probe_topic=$PREFIX.orders.$PROBE
  mkfifo "$STATE/probe.fifo"
  # Each probe record as it becomes readable, with the time it was read.
  while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done <"$STATE/probe.fifo" >"$STATE/probe.log" &
  probe_reader_pid=$!
  kcat -C -u -q -b "$ONPREM_BOOTSTRAP" -t "$probe_topic" -p 0 -o end -X fetch.wait.max.ms=5 -f '%s\n' >"$STATE/probe.fifo" 2>/dev/null &
  probe_kcat_pid=$!
  sleep 1
  # Lag of window W's N probes: "max p50 read" in seconds (a probe not read
  # yet makes max 999).
  probe_lag() {
    awk -v w="$1" -v n="$2" '
      match($0, /"after":\{"id":[0-9]+,"sent_us":[0-9]+/) {
        split(substr($0, RSTART, RLENGTH), f, /[:,]/); id = f[3] + 0
        if (int(id / 100000) == w && !(id in lag)) lag[id] = $1 - f[5] / 1e6
      }
      END {for (id in lag) print lag[id]}' "$STATE/probe.log" | sort -g |
      awk -v n="$2" '{v[NR] = $1} END {
        printf "%.3f %.3f %d\n", (NR < n) ? 999 : v[NR], (NR ? v[int((NR + 1) / 2)] : 999), NR}'
  }
  best=0 best_events=0 per_rate=""
  w=0
  for r in $LIVE_RATES; do
    w=$((w + 1))
    n=$((LIVE_SECONDS * 5))
    # One probe every 0.2 s, its commit time taken by the server in µs.
    for ((i = 1; i <= n; i++)); do
      echo "INSERT INTO $PROBE VALUES ($((w * 100000 + i)), CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED)); DO SLEEP(0.2);"
    done | mariadb --defaults-file="$MYSQL_ROOT_CNF" orders &
    probe_writer_pid=$!
    if [ "$r" = 0 ]; then # the simulator's top rate, for LIVE_SECONDS
      bin/sim -F "$SIM_PROPERTIES" --rate 0 --threads "$THREADS" --quiet >"$STATE/sim-live.log" 2>&1 &
      sim_pid=$!
      sleep "$LIVE_SECONDS"
      kill -TERM "$sim_pid" 2>/dev/null || true
    else
      bin/sim -F "$SIM_PROPERTIES" --rate "$r" --orders $((r * LIVE_SECONDS)) --threads "$THREADS" --quiet >"$STATE/sim-live.log" 2>&1 &
      sim_pid=$!
    fi
    wait "$sim_pid" || true
    sim_pid=
    wait "$probe_writer_pid" || true
    probe_writer_pid=
    achieved=$(sed -n 's/.* \(done\|stopped\): .*; \([0-9.]*\) orders\/s$/\2/p' "$STATE/sim-live.log")
    achieved=$(printf '%.0f' "${achieved:-$r}")
    events=$(awk -v r="$achieved" -v e="$events_per_order" 'BEGIN {printf "%.0f", r * e}')
    # Until every probe is read (at most 30 s more): then the window is over.
    deadline=$((SECONDS + 30))
    while read -r max p50 seen < <(probe_lag "$w" "$n") && [ "$seen" -lt "$n" ] && [ "$SECONDS" -lt "$deadline" ]; do
      connect_alive || connect_fail "Kafka Connect exited during the live run"
      sleep 0.2
    done
    read -r max p50 seen < <(probe_lag "$w" "$n")
    label="$r orders/s"
    [ "$r" != 0 ] || label="the simulator's top rate"
    say "live at $label (sim: $achieved orders/s, ~$events events/s): lag p50 $p50 s, max $max s ($seen of $n probes read)"
    [ "$seen" -eq "$n" ] || max=">30"
    short=$r
    [ "$r" != 0 ] || short="top $achieved"
    per_rate+="${per_rate:+, }$short: $max s"
    if [ "$seen" -eq "$n" ] && awk -v m="$max" 'BEGIN {exit !(m < 1)}'; then
      [ "$achieved" -le "$best" ] || best=$achieved best_events=$events
    fi
    # Far behind: the higher rates tell nothing more.
    [ "$seen" -eq "$n" ] || break
  done
  stop_pid "$probe_kcat_pid" 2
  probe_kcat_pid=
  wait "$probe_reader_pid" 2>/dev/null || true
  probe_reader_pid=
  rss_kib=$(awk '/^VmHWM/ {print $2}' "/proc/$connect_pid/status")
  echo "debezium live: lag under 1 s up to $best orders/s (~$best_events events/s); max lag at each rate (orders/s, $LIVE_SECONDS s each): $per_rate; peak RSS $((rss_kib / 1024)) MiB"
else
  say "live lag: skipped (BENCH_DBZ_LIVE_RATES is empty)"
fi

connect_stop
say "done in $(elapsed "$script_start" "$EPOCHREALTIME") s"
