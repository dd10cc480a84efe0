#!/usr/bin/env bash
# bridge cdc against the real MariaDB and Kafka of the test lab: the final
# state rebuilt from the events equals each table; every change appears
# exactly once, in commit order per key, through SIGKILLs at random moments,
# a snapshot taken while the simulator writes, DDL mid-stream and a MySQL
# restart; bad settings get one clear line.
# lab: mysql onprem
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. "$LAB_RUN_DIR/lab.env"

BIN=${BRIDGELAB_BIN:-bin}
BRIDGE=$BIN/bridge
PROPS=$LAB_RUN_DIR/bridge.properties
WORK=$PWD/build/test-logs/cdc-work # kept after the run, for reading
rm -rf "$WORK" && mkdir -p "$WORK"
TABLES="customers suppliers products sales_orders sales_order_details purchase_orders purchase_order_details"
trap 'pkill -KILL -f "$BRIDGE cdc" 2>/dev/null; pkill -KILL -f "$BIN/sim -F" 2>/dev/null' EXIT

sql() { mariadb --defaults-file="$MYSQL_ROOT_CNF" -N -B orders -e "$1"; }
clean_run() { ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error' "$1"; }
sim() { "$BIN/sim" -F "$SIM_PROPERTIES" --quiet "$@"; }
sim_bg() { "$BIN/sim" -F "$SIM_PROPERTIES" --quiet "$@" & }
# cdc_bg DC [args]: a cdc writing to topics <DC>_<table>, in the background.
cdc_bg() {
  local dc=$1
  shift
  "$BRIDGE" cdc -F "$PROPS" -X dc="$dc" -X cdc.http.listen="$CDC_HTTP" "$@" >>"$WORK/$dc.log" 2>&1 &
}
metric() { curl -s "http://$CDC_HTTP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
position() { curl -s "http://$CDC_HTTP/metrics" | sed -n 's/^bridgelab_cdc_position_info{gtid="\(.*\)"} 1$/\1/p'; }
# Waits until the cdc's committed position is the binlog head.
caught_up() {
  local i head
  for i in $(seq 600); do
    head=$(sql 'SELECT @@gtid_binlog_pos')
    [ -n "$head" ] && [ "$(position)" = "$head" ] && return 0
    sleep 0.1
  done
  diag "not caught up: cdc at '$(position)', head '$head'"
  return 1
}
# Waits until the cdc streams (its snapshot is committed).
streaming() {
  local i
  for i in $(seq 600); do
    curl -sf "http://$CDC_HTTP/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
stop_cdc() {
  kill -TERM "$1" 2>/dev/null
  wait "$1"
}
check_topics() { python3 tests/integration/cdc_check.py "$ONPREM_BOOTSTRAP" "$MYSQL_ROOT_CNF" "$1" $TABLES >"$WORK/check-$1" 2>&1; }
show_check() { tail -5 "$WORK/check-$1" | sed 's/^/# /'; }

# --- snapshot, then the stream: the events rebuild every table ---------------
./lab seed >/dev/null
sim --orders 300 --seed 1 --rate 0 >/dev/null 2>&1
cdc_bg s1
pid=$!
check "s1: streaming after the snapshot" streaming
sim --orders 2000 --rate 0 --cancel-ratio 0.05 -X sim.customer.update.ratio=0.2 >/dev/null 2>&1
check "s1: caught up with the binlog head" caught_up
check "s1: /healthz says ok while streaming" bash -c "curl -sf http://$CDC_HTTP/healthz | grep -q ok"
check "s1: /metrics counts events" test "$(metric bridgelab_cdc_events_total)" -gt 2000
check "s1: snapshot rows counted" test "$(metric bridgelab_cdc_snapshot_rows_total)" -gt 300
stop_cdc "$pid"
check_eq "s1: SIGTERM: exit 0" 0 $?
check "s1: no sanitizer report" clean_run "$WORK/s1.log"
check "s1: a startup line says what it reads and where it writes" grep -q "reading the binlog of .* writing to Kafka" "$WORK/s1.log"
if check_topics s1; then ok "s1: every table rebuilt from its events equals MySQL, each change once"; else not_ok "s1: tables rebuilt from events differ"; show_check s1; fi
first=$(kcat -C -b "$ONPREM_BOOTSTRAP" -t s1_sales_order_details -c 1 -e -q -X isolation.level=read_committed)
check "s1: DECIMAL as an exact string" bash -c "echo '$first' | grep -q '\"price\":\"[0-9]*\.[0-9][0-9]\"'"
kcat -C -b "$ONPREM_BOOTSTRAP" -t s1_sales_orders -e -q -J -X isolation.level=read_committed >"$WORK/s1_sales_orders"
check "s1: Debezium envelope with op c and source gtid/file/pos" grep -q '"op\\":\\"c\\".*' "$WORK/s1_sales_orders"
check "s1: source names server, db, table, gtid, file, pos, row" grep -qE \
  'name..:..s1..,.*db..:..orders..,.*table..:..sales_orders..,.*gtid..:..[0-9]+-[0-9]+-[0-9]+..,.*file..:..binlog\.[0-9]+..,.*pos..:[0-9]+,.*row..:[0-9]+' \
  "$WORK/s1_sales_orders"
check "s1: a delete is followed by a tombstone" grep -q '"payload":null' "$WORK/s1_sales_orders"

# --- restart resumes where it stopped: nothing again -------------------------
before=$(kcat -C -b "$ONPREM_BOOTSTRAP" -t s1_sales_orders -e -q -f 'x\n' | wc -l)
cdc_bg s1
pid=$!
sim --orders 100 --rate 0 >/dev/null 2>&1
check "s1 again: caught up" caught_up
stop_cdc "$pid"
after=$(kcat -C -b "$ONPREM_BOOTSTRAP" -t s1_sales_orders -e -q -f 'x\n' | wc -l)
check_eq "s1 again: only the 100 new orders were added" $((before + 100)) "$after"
if check_topics s1; then ok "s1 again: tables still equal"; else not_ok "s1 again: tables differ"; show_check s1; fi

# --- SIGKILL at random moments, 10 times, while the simulator writes ---------
./lab seed >/dev/null
sim_bg --rate 300 --orders 6000 --threads 2 --cancel-ratio 0.05 -X sim.customer.update.ratio=0.2
simpid=$!
for round in $(seq 10); do
  cdc_bg s2
  pid=$!
  sleep "$(awk -v r="$RANDOM" 'BEGIN {printf "%.2f", 0.6 + (r % 150) / 100}')"
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null
done
cdc_bg s2
pid=$!
wait "$simpid"
check "s2: caught up after 10 kill -9s" caught_up
stop_cdc "$pid"
if check_topics s2; then ok "s2: after 10 kill -9s every change appears exactly once"; else not_ok "s2: changes lost or doubled"; show_check s2; fi
kcat -C -b "$ONPREM_BOOTSTRAP" -t s2_sales_orders -e -q -X isolation.level=read_committed >"$WORK/s2_sales_orders"
check_eq "s2: creates minus deletes is the table's row count" "$(sql 'SELECT COUNT(*) FROM sales_orders')" \
  $(($(grep -c '"op":"[cr]"' "$WORK/s2_sales_orders") - $(grep -c '"op":"d"' "$WORK/s2_sales_orders")))

# --- snapshot taken while the simulator writes; DDL; MySQL restart -----------
./lab seed >/dev/null
sim --orders 5000 --rate 0 >/dev/null 2>&1
sim_bg --rate 400 --orders 4000
simpid=$!
sleep 0.5
cdc_bg s3
pid=$!
sleep 2
sql "ALTER TABLE customers ADD COLUMN loyalty INT DEFAULT 7"
sleep 1
./lab down mysql >/dev/null 2>&1
sleep 1
./lab up mysql >/dev/null 2>&1
wait "$simpid"
sql "UPDATE customers SET loyalty = 9 WHERE id <= 3"
check "s3: caught up after the snapshot, DDL and MySQL restart" caught_up
stop_cdc "$pid"
check_eq "s3: exit 0" 0 $?
if check_topics s3; then ok "s3: no gap or duplicate between snapshot and stream, through DDL and restart"; else not_ok "s3: snapshot/stream differ"; show_check s3; fi
check "s3: events after the DDL carry the new column" bash -c "kcat -C -b $ONPREM_BOOTSTRAP -t s3_customers -e -q | tail -1 | grep -q '\"loyalty\":9'"
check "s3: the DDL is in the schema-history topic" bash -c "kcat -C -b $ONPREM_BOOTSTRAP -t _bridgelab_cdc_schema_history -e -q | grep -q 'ADD COLUMN loyalty'"
check "s3: it said MySQL went away and resumed" grep -q "resuming from" "$WORK/s3.log"
./lab seed >/dev/null

# --- unwrap: flat rows with sourcedc ------------------------------------------
cdc_bg s4 --unwrap --include customers --snapshot-mode initial
pid=$!
check "s4: caught up" caught_up
stop_cdc "$pid"
check "s4: --unwrap gives flat rows with sourcedc" bash -c "kcat -C -b $ONPREM_BOOTSTRAP -t s4_customers -e -q | head -1 | grep -q '^{\"id\":1,.*\"sourcedc\":\"s4\"}$'"
check "s4: --include streams only that table" bash -c "! kcat -L -b $ONPREM_BOOTSTRAP | grep -q 's4_products'"

# --- fencing: a second cdc with the same name takes over, the first stops -----
cdc_bg s5
first=$!
check "s5: first cdc streaming" caught_up
"$BRIDGE" cdc -F "$PROPS" -X dc=s5 -X cdc.http.listen= >"$WORK/s5-second.log" 2>&1 &
second=$!
wait "$first"
check "s5: the first is fenced and exits non-zero" test $? -ne 0
check "s5: it says another cdc took over" grep -qiE "fenced|another cdc" "$WORK/s5.log"
check "s5: the second goes on" kill -0 "$second"
kill -TERM "$second"
wait "$second"

# --- topics: made at start for every wanted table, and for new tables --------
sql "CREATE TABLE empty_yet (id INT PRIMARY KEY)"
cdc_bg s9 -X cdc.topic.partitions=3 --exclude suppliers
pid=$!
check "s9: streaming" streaming
kcat -L -b "$ONPREM_BOOTSTRAP" >"$WORK/s9-topics"
check "s9: a topic for a table with no rows yet" grep -q 'topic "s9_empty_yet" with 3 partitions' "$WORK/s9-topics"
check "s9: topics made with cdc.topic.partitions=3" grep -q 'topic "s9_customers" with 3 partitions' "$WORK/s9-topics"
check "s9: no topic for an excluded table" bash -c "! grep -q 's9_suppliers' '$WORK/s9-topics'"
sql "CREATE TABLE made_later (id INT PRIMARY KEY); INSERT INTO made_later VALUES (41)"
check "s9: caught up" caught_up
check "s9: a table created while streaming: its topic, its row" bash -c \
  "kcat -C -b $ONPREM_BOOTSTRAP -t s9_made_later -e -q -X isolation.level=read_committed | grep -q '\"id\":41'"
stop_cdc "$pid"
check_eq "s9: exit 0" 0 $?
check "s9: no sanitizer report" clean_run "$WORK/s9.log"
sql "DROP TABLE empty_yet; DROP TABLE made_later"

# --- bad input: one clear line ------------------------------------------------
"$BRIDGE" cdc -F "$PROPS" -X cdc.tables.include=customers,nosuch -X cdc.http.listen= >"$WORK/bad1" 2>&1
check "unknown table in the include list: exit 1" test $? -eq 1
check "unknown table: names it" grep -q "'nosuch', which is not a table" "$WORK/bad1"
sql "SET GLOBAL binlog_row_image=MINIMAL"
"$BRIDGE" cdc -F "$PROPS" -X dc=s6 -X cdc.http.listen= >"$WORK/bad2" 2>&1
check "binlog_row_image=MINIMAL: exit 1" test $? -eq 1
check "binlog_row_image=MINIMAL: names the setting and the fix" grep -q "binlog_row_image=MINIMAL; CDC needs FULL" "$WORK/bad2"
sql "SET GLOBAL binlog_row_image=FULL"
sql "SET GLOBAL binlog_format=STATEMENT"
"$BRIDGE" cdc -F "$PROPS" -X dc=s6 -X cdc.http.listen= >"$WORK/bad2b" 2>&1
check "binlog_format=STATEMENT: names the setting and the fix" grep -q "binlog_format=STATEMENT; CDC needs ROW" "$WORK/bad2b"
sql "SET GLOBAL binlog_format=ROW"
printf '%s\n' "$(cat "$LAB_RUN_DIR/secrets/mysql-sim.password")" >"$WORK/simpw"
"$BRIDGE" cdc -F "$PROPS" -X dc=s6 -X mysql.user=sim -X mysql.password.file="$WORK/simpw" -X cdc.http.listen= >"$WORK/bad3" 2>&1
check "no REPLICATION grant: exit 1" test $? -eq 1
check "no REPLICATION grant: names the GRANT" grep -q "GRANT REPLICATION SLAVE" "$WORK/bad3"
printf 'mysql.port=1\ncdc.bogus=2\n' >"$WORK/bad.properties"
"$BRIDGE" cdc -F "$WORK/bad.properties" >"$WORK/bad4" 2>&1
check "malformed properties: exit 2" test $? -eq 2
check "malformed properties: file, line and key" grep -q "bad.properties:2: unknown key 'cdc.bogus'" "$WORK/bad4"
"$BRIDGE" cdc -F "$PROPS" -X cdc.topic.partitions=0 -X cdc.http.listen= >"$WORK/bad4b" 2>&1
check "cdc.topic.partitions=0: exit 2, says what to use" bash -c "test $? -eq 2 && grep -q 'cdc.topic.partitions: 0 is not a count' '$WORK/bad4b'"
"$BRIDGE" cdc -F "$PROPS" -X dc=s7 -X onprem.bootstrap.servers=127.0.0.1:1 -X cdc.http.listen= >"$WORK/bad5" 2>&1 &
pid=$!
sleep 4
check "Kafka unreachable: it waits, never exits" kill -0 "$pid"
check "Kafka unreachable: says so" grep -qi "unreachable" "$WORK/bad5"
stop_cdc "$pid"
check_eq "Kafka unreachable: SIGTERM exits 0" 0 $?
# --- binlog_row_metadata=MINIMAL: names and keys from information_schema ------
sql "CREATE TABLE enum_probe (id INT PRIMARY KEY, state ENUM('new','it''s'), tags SET('a','b','c'))"
sql "SET GLOBAL binlog_row_metadata=MINIMAL"
cdc_bg s8 --include customers,enum_probe --snapshot-mode never
pid=$!
check "s8: streaming" streaming
sim --orders 50 --rate 0 -X sim.customer.update.ratio=1 >/dev/null 2>&1
sql "INSERT INTO enum_probe VALUES (1, 'it''s', 'a,c')"
check "s8: caught up" caught_up
stop_cdc "$pid"
sql "SET GLOBAL binlog_row_metadata=FULL"
sql "DROP TABLE enum_probe"
check "s8: ENUM and SET names from information_schema too" bash -c \
  "kcat -C -b $ONPREM_BOOTSTRAP -t s8_enum_probe -e -q | grep -q '\"after\":{\"id\":1,\"state\":\"it'\\''s\",\"tags\":\"a,c\"}'"
check "s8: without FULL metadata, names and key come from information_schema" bash -c \
  "kcat -C -b $ONPREM_BOOTSTRAP -t s8_customers -e -q -f '%k %s\n' | head -1 | grep -q '^{\"id\":[0-9]*} {\"before\":{\"id\":[0-9]*,\"first_name\"'"
check "s8: it said so" grep -q "column names from information_schema" "$WORK/s8.log"

# --- a purged position: said clearly, or a new snapshot with when_needed ------
sql "FLUSH BINARY LOGS"
sim --orders 20 --rate 0 >/dev/null 2>&1
sql "PURGE BINARY LOGS BEFORE NOW() + INTERVAL 1 DAY"
"$BRIDGE" cdc -F "$PROPS" -X dc=s1 -X cdc.http.listen= >"$WORK/purged" 2>&1
check "purged position: exit 1" test $? -eq 1
check "purged position: says so and offers when_needed" grep -q "may be purged; set cdc.snapshot.mode=when_needed" "$WORK/purged"
cdc_bg s1 --snapshot-mode when_needed
pid=$!
check "purged position, when_needed: a new snapshot, then streaming" caught_up
stop_cdc "$pid"
check "purged position, when_needed: it took a new snapshot" grep -q "taking a new snapshot" "$WORK/s1.log"

# --- ./lab up cdc: the lab runs it as a service --------------------------------
./lab up cdc >"$WORK/lab-up" 2>&1
check_eq "./lab up cdc: exit 0" 0 $?
check "./lab status shows cdc up" bash -c "./lab status | grep -qE '^cdc .* up'"
./lab down cdc >/dev/null 2>&1
check "./lab down cdc leaves no bridge process" bash -c "! pgrep -f '^$PWD/[b]in/bridge cdc' >/dev/null"

"$BRIDGE" --help >"$WORK/help" 2>&1
check "bridge --help lists cdc" grep -q "^  cdc" "$WORK/help"
"$BRIDGE" cdc --help >"$WORK/help" 2>&1
check "bridge cdc --help lists options and keys" grep -q -- "--snapshot-mode" "$WORK/help"

tap_finish
