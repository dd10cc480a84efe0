#!/usr/bin/env bash
# The end-to-end proof: the whole pipeline of the test lab — the simulator
# writing orders with customer updates and cancellations into MySQL, bridge run
# (cdc, replicate, sink into a lake folder) and the dashboard — while a chaos
# loop SIGKILLs a random stage (cdc, replicate, sink: the supervisor starts it
# again; the dashboard: this suite does) every few seconds, and MariaDB and the
# onprem Kafka cluster are restarted mid-run. At the end every link is checked
# on its own, by a reader independent of the stage that wrote it:
#   MySQL  -> onprem  cdc_check.py: each table's history replays to its rows,
#                     no change twice, none missing (a lost one breaks a before)
#   onprem -> cloud   replicate_check.py: the same records, partition for
#                     partition, each once
#   cloud  -> lake    lake_check.py: every record in exactly one file
#   lake   -> page    the dashboard's figures equal MySQL's to the cent
# and the report line gives the kills survived, the records checked,
# duplicates and missing, and the latency from a commit to the lake and to the
# dashboard (p50/p99 over probe orders written once the chaos is over).
# E2E_SECONDS (40) of chaos, a kill every E2E_KILL_EVERY (3) seconds, the
# simulator at E2E_RATE (40) orders/s in rounds of a second's orders
# (bench/run e2e runs it with more: >= 20 000 orders).
# lab: mysql onprem cloud
# time limit: 900
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. "$LAB_RUN_DIR/lab.env"

BIN=${BRIDGELAB_BIN:-bin}
PROPS=$LAB_RUN_DIR/bridge.properties
tests_work_dir e2e
LAKE=$WORK/lake
DC=dc23
CDC=127.0.0.1:18283
REPL=127.0.0.1:18284
SINK=127.0.0.1:18285
RUN=127.0.0.1:18286
DASH=127.0.0.1:18280
SECONDS_OF_CHAOS=${E2E_SECONDS:-40}
KILL_EVERY=${E2E_KILL_EVERY:-3}
RATE=${E2E_RATE:-40}
TABLES="customers suppliers products sales_orders sales_order_details purchase_orders purchase_order_details"

WAIT_STEPS=${WAIT_STEPS:-1200} # wait_for: 2 minutes
now_ms() { date +%s%3N; }
api() { curl -s --max-time 5 "http://$DASH/api/$1"; }
json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
truth() {
  sql "SELECT (SELECT COALESCE(SUM(d.quantity * d.price), 0.00) FROM sales_order_details d), (SELECT COUNT(*) FROM sales_orders), (SELECT COALESCE(SUM(quantity), 0) FROM sales_order_details)" |
    tr '\t' ' '
}
seen() { api "kpis?dc=$DC" | json '" ".join(str(d[k]) for k in ("revenue", "orders", "units"))' 2>/dev/null; }
same_kpis() { [ "$(seen)" = "$(truth)" ]; }

run_bg() {
  bg_start "$WORK/run.log" "$BIN/bridge" run -F "$PROPS" -X dc=$DC -X cdc.http.listen=$CDC \
    -X replicate.group.id=e2e -X "replicate.topics.include=${DC}_.*" -X replicate.http.listen=$REPL \
    -X replicate.topics.refresh.ms=1000 -X sink.group.id=e2e -X "sink.topics=${DC}_.*" -X sink.url="$LAKE" \
    -X sink.rotate.schedule.interval.ms=1000 -X sink.http.listen=$SINK -X sink.topics.refresh.ms=1000 \
    -X run.http.listen=$RUN -X run.restart.backoff.max.ms=2000
  runpid=$BG_PID
}
dashboard_bg() {
  bg_start "$WORK/dashboard.log" "$BIN/dashboard" -F "$PROPS" -X dashboard.http.listen="$DASH" \
    -X dashboard.lake.url="$LAKE" -X dashboard.db.path="$WORK/dashboard.sqlite" -X dashboard.lake.poll.ms=200 \
    -X dashboard.cdc.metrics="http://$CDC/metrics" -X dashboard.replicate.metrics="http://$REPL/metrics" \
    -X dashboard.sink.metrics="http://$SINK/metrics"
  dashpid=$BG_PID
}
# stage_pid STAGE: the supervisor's child running STAGE.
stage_pid() { pgrep -P "$runpid" -f "(^| )$1 -F " | head -1; }
all_up() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$RUN/healthz")" = 200 ]; }

./lab seed >/dev/null
run_bg
dashboard_bg
check "bridge run: every stage up (/healthz 200)" wait_for all_up
check "the dashboard answers /healthz" wait_for curl -sf "http://$DASH/healthz" -o /dev/null

# --- the simulator, in rounds so a MariaDB restart only ends one ----------------
sim_loop() {
  local round=0
  while [ ! -e "$WORK/sim.stop" ]; do
    round=$((round + 1))
    "$BIN/sim" -F "$SIM_PROPERTIES" --quiet --orders "$RATE" --seed "$round" --rate "$RATE" --cancel-ratio 0.1 \
      -X sim.customer.update.ratio=0.3 >>"$WORK/sim.log" 2>&1 || sleep 0.5
  done
}
sim_loop &
simpid=$!
tracked_pids+=("$simpid")

# --- chaos -----------------------------------------------------------------------
kills=0 kill_log=""
end=$((SECONDS + SECONDS_OF_CHAOS))
restarted_mysql=0 restarted_onprem=0
while [ "$SECONDS" -lt "$end" ]; do
  sleep "$KILL_EVERY"
  left=$((end - SECONDS))
  if [ "$restarted_mysql" = 0 ] && [ "$left" -lt $((SECONDS_OF_CHAOS * 2 / 3)) ]; then
    restarted_mysql=1
    ./lab down mysql >>"$WORK/lab.log" 2>&1 && ./lab up mysql >>"$WORK/lab.log" 2>&1 &&
      diag "MariaDB restarted at $((SECONDS_OF_CHAOS - left)) s" || restarted_mysql=-1
    continue
  fi
  if [ "$restarted_onprem" = 0 ] && [ "$left" -lt $((SECONDS_OF_CHAOS / 3)) ]; then
    restarted_onprem=1
    ./lab down onprem >>"$WORK/lab.log" 2>&1 && ./lab up onprem >>"$WORK/lab.log" 2>&1 &&
      diag "onprem Kafka restarted at $((SECONDS_OF_CHAOS - left)) s" || restarted_onprem=-1
    continue
  fi
  victims=(cdc replicate sink dashboard)
  victim=${victims[RANDOM % 4]}
  if [ "$victim" = dashboard ]; then
    pid=$dashpid
  else
    pid=$(stage_pid "$victim")
  fi
  [ -n "$pid" ] && running "$pid" || continue
  kill -KILL "$pid" 2>/dev/null && kills=$((kills + 1)) kill_log="$kill_log $victim"
  if [ "$victim" = dashboard ]; then
    bg_wait "$pid"
    dashboard_bg
  fi
done
touch "$WORK/sim.stop"
wait "$simpid"
diag "killed:$kill_log"
check_eq "MariaDB was restarted mid-run" 1 "$restarted_mysql"
check_eq "the onprem cluster was restarted mid-run" 1 "$restarted_onprem"
check "at least $((SECONDS_OF_CHAOS / KILL_EVERY / 2)) kills landed ($kills)" test "$kills" -ge $((SECONDS_OF_CHAOS / KILL_EVERY / 2))
check "the supervisor counted its restarts" bash -c \
  "curl -s http://$RUN/metrics | awk '/^bridgelab_run_restarts_total/ {n += \$2} END {exit !(n >= 1)}'"
check "bridge run is still running" running "$runpid"
check "every stage is up again" wait_for all_up

# --- every link, checked on its own ---------------------------------------------------
topics=""
for t in $TABLES; do topics="$topics ${DC}_$t"; done
# The lake is complete once its checker finds every cloud record in it; the
# pipeline has drained once the dashboard shows MySQL's figures.
if wait_for same_kpis; then
  ok "the dashboard's revenue, orders and units equal MySQL's to the cent ($(truth))"
else
  not_ok "the dashboard's figures equal MySQL's (MySQL: $(truth); dashboard: $(seen))"
fi
# shellcheck disable=SC2086
python3 tests/integration/cdc_check.py "$ONPREM_BOOTSTRAP" "$MYSQL_ROOT_CNF" "$DC" $TABLES >"$WORK/cdc_check.out" 2>&1
check_eq "MySQL -> onprem: every change once, histories replay to MySQL's rows ($(tail -1 "$WORK/cdc_check.out"))" 0 $?
source_id=$(cat "$ONPREM_CLUSTER_ID_FILE")
# shellcheck disable=SC2086
python3 tests/integration/replicate_check.py equal "$ONPREM_BOOTSTRAP" "$CLOUD_BOOTSTRAP" "$source_id" $topics \
  >"$WORK/replicate_check.out" 2>&1
check_eq "onprem -> cloud: the same records, each once ($(tail -1 "$WORK/replicate_check.out"))" 0 $?
# shellcheck disable=SC2086
python3 tests/integration/lake_check.py equal --bootstrap "$CLOUD_BOOTSTRAP" --dir "$LAKE" --wait 60 $topics \
  >"$WORK/lake_check.out" 2>&1
check_eq "cloud -> lake: every record in exactly one file ($(tail -1 "$WORK/lake_check.out"))" 0 $?

# --- latency, once the chaos is over: probe orders -------------------------------
lake_has_order() { grep -rqs "\"after\":{\"id\":$1," "$LAKE" --include="${DC}_sales_orders+*"; }
lake_ms=() page_ms=()
for i in $(seq 1 10); do
  "$BIN/sim" -F "$SIM_PROPERTIES" --quiet --orders 1 --seed $((1000 + i)) --rate 0 >>"$WORK/sim.log" 2>&1
  committed=$(now_ms)
  id=$(sql "SELECT MAX(id) FROM sales_orders")
  WAIT_STEPS=300 wait_for lake_has_order "$id" && lake_ms+=($(($(now_ms) - committed)))
  WAIT_STEPS=300 wait_for same_kpis && page_ms+=($(($(now_ms) - committed)))
done
quantiles() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {if (!NR) {print "- -"; exit} printf "%d %d", v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.999)]}'; }
read -r lake_p50 lake_p99 <<<"$(quantiles "${lake_ms[@]}")"
read -r page_p50 page_p99 <<<"$(quantiles "${page_ms[@]}")"
check_eq "every probe order reached the lake" 10 "${#lake_ms[@]}"
check_eq "every probe order reached the dashboard" 10 "${#page_ms[@]}"

orders=$(sql "SELECT COALESCE(MAX(id), 0) FROM sales_orders")
records=$(sed -n 's/.*checked \([0-9]*\) events.*/\1/p' "$WORK/cdc_check.out" | tail -1)
duplicates=$(grep -ci 'twice\|duplicate' "$WORK/cdc_check.out" "$WORK/replicate_check.out" "$WORK/lake_check.out" | awk -F: '{n += $2} END {print n + 0}')
missing=$(grep -ci 'missing\|not in' "$WORK/replicate_check.out" "$WORK/lake_check.out" | awk -F: '{n += $2} END {print n + 0}')
diag "e2e: $kills kills survived ($kill_log ), MariaDB and onprem Kafka restarted; $orders orders, $records changes checked; duplicates $duplicates, missing $missing; commit -> lake p50 ${lake_p50} ms p99 ${lake_p99} ms, commit -> dashboard p50 ${page_p50} ms p99 ${page_p99} ms"
echo "e2e: $kills kills, $orders orders, $records changes, duplicates $duplicates, missing $missing, lake p50/p99 $lake_p50/$lake_p99 ms, dashboard p50/p99 $page_p50/$page_p99 ms" >"$WORK/report"

check_stop "the dashboard: SIGTERM: exit 0" "$dashpid"
check_stop "bridge run: SIGTERM: every stage stops, exit 0" "$runpid"
check "no stage is left running" bash -c "! pgrep -f 'bridge (cdc|replicate|sink) -F $PROPS' >/dev/null"
tap_finish
