#!/usr/bin/env bash
# bridge cdc against the real MariaDB and Kafka of the test lab: the history
# rebuilt from the events equals each table's (every update's before image
# is the state so far, every delete has its tombstone, every event has every
# column); every change appears exactly once, in commit order per key,
# through SIGKILLs while it commits, a SIGTERM with records in flight, the
# onprem broker stopped mid-stream, a snapshot taken while the simulator
# writes, DDL mid-stream and a MySQL restart; bad settings get one clear line.
# Only the processes it starts (and the test lab's) are stopped or looked at.
# lab: mysql onprem
# time limit: 900
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib.sh
. "$LAB_RUN_DIR/lab.env"

BIN=${BRIDGELAB_BIN:-bin}
BRIDGE=$BIN/bridge
PROPS=$LAB_RUN_DIR/bridge.properties
tests_work_dir cdc
TABLES="customers suppliers products sales_orders sales_order_details purchase_orders purchase_order_details"

sim() { "$BIN/sim" -F "$SIM_PROPERTIES" --quiet "$@" >>"$WORK/sim.log" 2>&1; }
# sim_bg NAME [args]: a simulator in the background, its log $WORK/sim-NAME.log.
sim_bg() {
  local name=$1
  shift
  bg_start "$WORK/sim-$name.log" "$BIN/sim" -F "$SIM_PROPERTIES" --quiet "$@"
}
# cdc_bg DC [args]: a cdc writing to topics <DC>_<table>, in the background;
# its pid in $BG_PID.
cdc_bg() {
  local dc=$1
  shift
  bg_start "$WORK/$dc.log" "$BRIDGE" cdc -F "$PROPS" -X dc="$dc" -X cdc.http.listen="$CDC_HTTP" "$@"
}
metric() { curl -s "http://$CDC_HTTP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
position_metric() { curl -s "http://$CDC_HTTP/metrics" | sed -n "s/^$1{gtid=\"\(.*\)\"} 1\$/\1/p"; }
position() { position_metric bridgelab_cdc_position_info; }
read_position() { position_metric bridgelab_cdc_read_position_info; }
# The work a cdc has done: its Kafka commits, once it streams.
commits() { curl -sf "http://$CDC_HTTP/healthz" >/dev/null 2>&1 && metric bridgelab_cdc_kafka_commits_total; }
orders_written() { sql 'SELECT IFNULL(MAX(id), 0) FROM sales_orders'; }
gtid_seq() { echo "${1##*-}"; }
# The position a cdc named NAME stored in Kafka (read_committed), as text.
stored_position() {
  kcat -C -b "$ONPREM_BOOTSTRAP" -t _bridgelab_cdc_positions -e -q -f '%k\t%s\n' -X isolation.level=read_committed |
    awk -F'\t' -v k="$1" '$1 == k {v = $2} END {print v}'
}
# Waits until the cdc's committed position is the binlog head.
caught_up() {
  local i head
  for i in $(seq 1200); do
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
# check_topics DC [checker options]: the checker (tests/integration/cdc_check.py)
# on the DC's topics; its findings go to $WORK/check-DC.
check_topics() {
  local dc=$1
  shift
  python3 tests/integration/cdc_check.py "$@" "$ONPREM_BOOTSTRAP" "$MYSQL_ROOT_CNF" "$dc" $TABLES >"$WORK/check-$dc" 2>&1
}
show_check() { tail -5 "$WORK/check-$1" | sed 's/^/# /'; }
# check_history WHAT DC [checker options]
check_history() {
  local what=$1 dc=$2
  shift 2
  if check_topics "$dc" "$@"; then ok "$what ($(tail -1 "$WORK/check-$dc"))"; else not_ok "$what"; show_check "$dc"; fi
}

# A stand-in for a demo's cdc on this machine: a process whose command line
# is the demo's. The suite must neither kill it nor mistake it for its own.
bg_start /dev/null bash -c "exec -a '$PWD/bin/bridge cdc -F $PWD/run/bridge.properties' sleep 3600"
demo_pid=$BG_PID

# --- snapshot, then the stream: the events rebuild every table ---------------
./lab seed >/dev/null
sim --orders 300 --seed 1 --rate 0
cdc_bg s1
pid=$BG_PID
check "s1: streaming after the snapshot" streaming
sim --orders 2000 --rate 0 --cancel-ratio 0.05 -X sim.customer.update.ratio=0.2
check_eq "s1: the simulator wrote its 2000 orders" 0 $?
check "s1: caught up with the binlog head" caught_up
check "s1: /healthz says ok while streaming" bash -c "curl -sf http://$CDC_HTTP/healthz | grep -q ok"
check "s1: /metrics counts events" test "$(metric bridgelab_cdc_events_total)" -gt 2000
check "s1: snapshot rows counted" test "$(metric bridgelab_cdc_snapshot_rows_total)" -gt 300
check_stop "s1: SIGTERM: exit 0" "$pid"
check "s1: a startup line says what it reads and where it writes" grep -q "reading the binlog of .* writing to Kafka" "$WORK/s1.log"
check_history "s1: every table's history rebuilt from its events matches MySQL, each change once" s1
first=$(kcat -C -b "$ONPREM_BOOTSTRAP" -t s1_sales_order_details -c 1 -e -q -X isolation.level=read_committed)
check "s1: DECIMAL as an exact string" bash -c "echo '$first' | grep -q '\"price\":\"[0-9]*\.[0-9][0-9]\"'"
# the types of the table's columns ride on every record, snapshot and stream alike
kcat -C -b "$ONPREM_BOOTSTRAP" -t s1_sales_order_details -e -q -J -X isolation.level=read_committed \
  >"$WORK/s1_sod.json"
check_eq "s1: every event (snapshot and stream) carries its columns' types in the bridgelab.columns header" \
  '[["id","int32"],["sales_order_id","int32?"],["product_id","int32?"],["quantity","int32?"],["price","decimal(10,2)?"]] r,c' \
  "$(python3 -c '
import json, sys
headers, ops = set(), set()
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["payload"] is None:
        continue
    h = r.get("headers") or []
    h = dict(zip(h[0::2], h[1::2])) if isinstance(h, list) else h
    headers.add(h.get("bridgelab.columns"))
    ops.add(json.loads(r["payload"])["op"])
print(*sorted(headers, key=str), ",".join(o for o in "rc" if o in ops))
' "$WORK/s1_sod.json")"
kcat -C -b "$ONPREM_BOOTSTRAP" -t s1_sales_orders -e -q -J -X isolation.level=read_committed >"$WORK/s1_sales_orders"
check "s1: Debezium envelope with op c and source gtid/file/pos" grep -q '"op\\":\\"c\\".*' "$WORK/s1_sales_orders"
check "s1: source names server, db, table, gtid, file, pos, row" grep -qE \
  'name..:..s1..,.*db..:..orders..,.*table..:..sales_orders..,.*gtid..:..[0-9]+-[0-9]+-[0-9]+..,.*file..:..binlog\.[0-9]+..,.*pos..:[0-9]+,.*row..:[0-9]+' \
  "$WORK/s1_sales_orders"
check "s1: deletes were streamed (each one's tombstone is checked above)" grep -q '"op\\":\\"d\\"' "$WORK/s1_sales_orders"
check "s1: ts_us and ts_ns beside ts_ms, at the top and in source, in Debezium 3's order (the checker checks their values)" \
  python3 -c '
import json, sys
want_top = ["before", "after", "source", "op", "ts_ms", "ts_us", "ts_ns", "transaction"]
want_source = ["version", "connector", "name", "ts_ms", "snapshot", "db", "sequence", "ts_us", "ts_ns", "table",
               "server_id", "gtid", "file", "pos", "row", "thread", "query"]
bad = set()
for line in open(sys.argv[1]):
    payload = json.loads(line)["payload"]
    if payload:
        e = json.loads(payload)
        if list(e) != want_top or list(e["source"]) != want_source:
            bad.add((tuple(e), tuple(e["source"])))
sys.exit(f"other members: {sorted(bad)[:2]}" if bad else 0)' "$WORK/s1_sales_orders"

# --- restart resumes where it stopped: nothing again -------------------------
before=$(kcat -C -b "$ONPREM_BOOTSTRAP" -t s1_sales_orders -e -q -f 'x\n' | wc -l)
cdc_bg s1
pid=$BG_PID
sim --orders 100 --rate 0
# An update of a primary key (of a customer out of the simulator's sight, as
# it draws customers from 1 to the largest id): a delete and a create.
sql "INSERT INTO customers (id, first_name, last_name, email, city, country) VALUES (99990, 'Kay', 'Change', 'k@example.com', 'Leeds', 'UK')"
sql "UPDATE customers SET id = 99991, city = 'York' WHERE id = 99990"
check "s1 again: caught up" caught_up
check_stop "s1 again: SIGTERM: exit 0" "$pid"
after=$(kcat -C -b "$ONPREM_BOOTSTRAP" -t s1_sales_orders -e -q -f 'x\n' | wc -l)
check_eq "s1 again: only the 100 new orders were added" $((before + 100)) "$after"
check_history "s1 again: the history still matches MySQL" s1
kcat -C -b "$ONPREM_BOOTSTRAP" -t s1_customers -e -q -f '%k\t%s\n' -X isolation.level=read_committed >"$WORK/s1_customers"
check "s1 again: an update of the key is a delete of the old key, its tombstone, then a create of the new one" python3 -c '
import json, sys
rows = [l.rstrip("\n").split("\t", 1) for l in open(sys.argv[1]) if l.startswith("{\"id\":9999")]
ops = [(k, json.loads(v)["op"] if v else "tombstone") for k, v in rows]
want = [("{\"id\":99990}", "c"), ("{\"id\":99990}", "d"), ("{\"id\":99990}", "tombstone"), ("{\"id\":99991}", "c")]
gtids = {json.loads(v)["source"]["gtid"] for k, v in rows[1:] if v}
sys.exit(0 if ops == want and len(gtids) == 1 else f"got {ops}, gtids {gtids}")' "$WORK/s1_customers"

# --- SIGKILL while it commits, 10 times, while the simulator writes ----------
# Each kill lands only once the cdc streams and its Kafka commit count has
# risen, a random 0-0.5 s later; the simulator must be writing throughout.
./lab seed >/dev/null
sim_bg s2 --rate 300 --orders 6000 --threads 2 --cancel-ratio 0.05 -X sim.customer.update.ratio=0.2
simpid=$BG_PID
orders_at_kills=()
sim_ran_through=1
for round in $(seq 12); do
  [ "$kills_mid_work" -lt 10 ] || break
  cdc_bg s2
  kill_mid_work "$BG_PID" commits
  orders_at_kills+=("$(orders_written)")
  running "$simpid" || sim_ran_through=0
done
check_kills "s2: 10 SIGKILLs landed while cdc was committing (status 137 each)" 10
check "s2: the simulator was writing through every kill" test "$sim_ran_through" = 1
check "s2: orders rose between the first and the last kill (${orders_at_kills[0]} -> ${orders_at_kills[-1]})" \
  test "${orders_at_kills[-1]}" -gt "${orders_at_kills[0]}"
cdc_bg s2
pid=$BG_PID
check_exit "s2: the simulator exits 0" "$simpid"
check "s2: the simulator wrote its 6000 orders" grep -q 'done: 6000 sales orders' "$WORK/sim-s2.log"
check "s2: caught up after the kills" caught_up
check_stop "s2: SIGTERM: exit 0" "$pid"
check_history "s2: after the kills every change appears exactly once" s2
kcat -C -b "$ONPREM_BOOTSTRAP" -t s2_sales_orders -e -q -X isolation.level=read_committed >"$WORK/s2_sales_orders"
check_eq "s2: creates minus deletes is the table's row count" "$(sql 'SELECT COUNT(*) FROM sales_orders')" \
  $(($(grep -c '"op":"[cr]"' "$WORK/s2_sales_orders") - $(grep -c '"op":"d"' "$WORK/s2_sales_orders")))

# --- cdc.commit.interval.ms: fewer, larger Kafka transactions, nothing lost ---
./lab seed >/dev/null
cdc_bg s12 -X cdc.commit.interval.ms=500
pid=$BG_PID
check "s12: streaming with cdc.commit.interval.ms=500" streaming
commits_before=$(metric bridgelab_cdc_kafka_commits_total) started=$SECONDS
sim --orders 1200 --rate 300 -X sim.customer.update.ratio=0.2
check "s12: caught up" caught_up
commits=$(($(metric bridgelab_cdc_kafka_commits_total) - commits_before)) took=$((SECONDS - started + 1))
check "s12: at most a commit every 500 ms ($commits in ${took} s)" test "$commits" -le $((took * 2 + 1))
check "s12: ... and a commit every few: the interval is no stall ($commits)" test "$commits" -ge 3
check_stop "s12: SIGTERM: exit 0" "$pid"
check_history "s12: every change once" s12

# --- SIGTERM with records in flight: they are committed, none doubled -------
# The signal is sent when the cdc has read transactions it has not yet
# committed (its read position is ahead of its committed one).
./lab seed >/dev/null
sim_bg s10 --rate 500 --orders 3000 --threads 2
simpid=$BG_PID
cdc_bg s10
pid=$BG_PID
check "s10: cdc streams and commits while the simulator writes" wait_working "$pid" commits
in_flight=''
for i in $(seq 500); do
  r=$(read_position) c=$(position)
  if [ -n "$r" ] && [ -n "$c" ] && [ "$(gtid_seq "$r")" -gt "$(gtid_seq "$c")" ]; then
    in_flight=$r
    break
  fi
done
bg_stop "$pid"
check_eq "s10: SIGTERM: exit 0" 0 "$BG_STATUS"
check "s10: transactions were read but not committed at the signal (read '$in_flight', committed '$c')" test -n "$in_flight"
stopped=$(sed -n "s/.*stopped at GTID position '\(.*\)'.*/\1/p" "$WORK/s10.log" | tail -1)
read_at_stop=$(sed -n "s/.*stop asked: committing the transactions read, up to '\(.*\)'.*/\1/p" "$WORK/s10.log" | tail -1)
check "s10: it committed what it had read before the signal (read $in_flight, stopped at $stopped)" \
  test "$(gtid_seq "${stopped:-0-0-0}")" -ge "$(gtid_seq "${in_flight:-0-0-1}")"
check "s10: ... up to the last transaction read when the signal came ('$read_at_stop', stopped at '$stopped')" \
  test -n "$stopped" -a "$read_at_stop" = "$stopped"
check_eq "s10: the position stored in Kafka is where it stopped" "$stopped" \
  "$(stored_position s10-cdc | sed -n 's/.*"gtid":"\([^"]*\)".*/\1/p')"
cdc_bg s10
pid=$BG_PID
check_exit "s10: the simulator exits 0" "$simpid"
check "s10: restarted, caught up" caught_up
check_stop "s10: SIGTERM: exit 0 again" "$pid"
check_history "s10: nothing lost or doubled across the SIGTERM and the restart" s10

# --- the onprem broker goes away mid-stream for longer than a commit --------
./lab seed >/dev/null
sim_bg s11 --rate 300 --orders 3000 --threads 2
simpid=$BG_PID
cdc_bg s11
pid=$BG_PID
check "s11: cdc streams and commits" wait_working "$pid" commits
check "s11: ./lab down onprem mid-stream" logged "$WORK/lab.log" ./lab down onprem
sleep 3
check "s11: cdc waits while the broker is away" running "$pid"
check "s11: ./lab up onprem again" logged "$WORK/lab.log" ./lab up onprem
check_exit "s11: the simulator exits 0" "$simpid"
check "s11: caught up once the broker is back" caught_up
check_stop "s11: SIGTERM: exit 0" "$pid"
check_history "s11: nothing lost or doubled while the broker was away" s11

# --- snapshot taken while the simulator writes; DDL; MySQL restart -----------
./lab seed >/dev/null
sim --orders 5000 --rate 0
sim_bg s3 --rate 400 --orders 4000
simpid=$BG_PID
sleep 0.5
cdc_bg s3
pid=$BG_PID
sleep 2
sql "ALTER TABLE customers ADD COLUMN loyalty INT DEFAULT 7"
sleep 1
check "s3: ./lab down mysql mid-stream" logged "$WORK/lab.log" ./lab down mysql
sleep 1
check "s3: ./lab up mysql again" logged "$WORK/lab.log" ./lab up mysql
check_exit "s3: the simulator rode out the restart and exits 0" "$simpid"
sql "UPDATE customers SET loyalty = 9 WHERE id <= 3"
check "s3: caught up after the snapshot, DDL and MySQL restart" caught_up
check_stop "s3: exit 0" "$pid"
check_history "s3: no gap or duplicate between snapshot and stream, through DDL and restart" s3 \
  --ddl-columns customers.loyalty
check "s3: events after the DDL carry the new column" bash -c "kcat -C -b $ONPREM_BOOTSTRAP -t s3_customers -e -q | tail -1 | grep -q '\"loyalty\":9'"
check "s3: the DDL is in the schema-history topic" bash -c "kcat -C -b $ONPREM_BOOTSTRAP -t _bridgelab_cdc_schema_history -e -q | grep -q 'ADD COLUMN loyalty'"
check "s3: it said MySQL went away and resumed" grep -q "resuming from" "$WORK/s3.log"
./lab seed >/dev/null

# --- unwrap: flat rows with sourcedc ------------------------------------------
cdc_bg s4 --unwrap --include customers --snapshot-mode initial
pid=$BG_PID
check "s4: caught up" caught_up
check_stop "s4: exit 0" "$pid"
check "s4: --unwrap gives flat rows with sourcedc" bash -c "kcat -C -b $ONPREM_BOOTSTRAP -t s4_customers -e -q | head -1 | grep -q '^{\"id\":1,.*\"sourcedc\":\"s4\"}$'"
check_ran "s4: the topic list has s4_customers" 0 "$WORK/s4-topics" 'topic "s4_customers"' kcat -L -b "$ONPREM_BOOTSTRAP"
check "s4: --include streams only that table" bash -c "! grep -q 's4_products' '$WORK/s4-topics'"

# --- fencing: a second cdc with the same name takes over, the first stops -----
cdc_bg s5
first=$BG_PID
check "s5: first cdc streaming" caught_up
bg_start "$WORK/s5-second.log" "$BRIDGE" cdc -F "$PROPS" -X dc=s5 -X cdc.http.listen=
second=$BG_PID
bg_wait "$first"
check_eq "s5: the first is fenced and exits 1" 1 "$BG_STATUS"
check "s5: it says another cdc took over" grep -qiE "fenced|another cdc" "$WORK/s5.log"
check "s5: the second goes on" running "$second"
check_stop "s5: the second: SIGTERM: exit 0" "$second"

# --- topics: made at start for every wanted table, and for new tables --------
sql "CREATE TABLE empty_yet (id INT PRIMARY KEY)"
cdc_bg s9 -X cdc.topic.partitions=3 --exclude suppliers
pid=$BG_PID
check "s9: streaming" streaming
kcat -L -b "$ONPREM_BOOTSTRAP" >"$WORK/s9-topics"
check "s9: a topic for a table with no rows yet" grep -q 'topic "s9_empty_yet" with 3 partitions' "$WORK/s9-topics"
check "s9: topics made with cdc.topic.partitions=3" grep -q 'topic "s9_customers" with 3 partitions' "$WORK/s9-topics"
check "s9: no topic for an excluded table" bash -c "! grep -q 's9_suppliers' '$WORK/s9-topics'"
sql "CREATE TABLE made_later (id INT PRIMARY KEY); INSERT INTO made_later VALUES (41)"
check "s9: caught up" caught_up
check "s9: a table created while streaming: its topic, its row" bash -c \
  "kcat -C -b $ONPREM_BOOTSTRAP -t s9_made_later -e -q -X isolation.level=read_committed | grep -q '\"id\":41'"
# One statement of 3000 rows, which MariaDB splits into rows events of ~8 KB:
# source.row counts each event's rows from 0, as Debezium's does.
sql "INSERT INTO made_later SELECT seq FROM seq_1000_to_3999"
check "s9: caught up after a 3000-row statement" caught_up
kcat -C -b "$ONPREM_BOOTSTRAP" -t s9_made_later -e -q -X isolation.level=read_committed >"$WORK/s9_made_later"
check "s9: a statement split into rows events: each event's rows are numbered 0, 1, 2 ... (source.row)" python3 -c '
import json, sys
events = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["after"]["id"] >= 1000:
        events.setdefault(e["source"]["pos"], []).append(e["source"]["row"])
counts = sorted(len(rows) for rows in events.values())
bad = [pos for pos, rows in events.items() if sorted(rows) != list(range(len(rows)))]
sys.exit(0 if len(events) >= 2 and sum(counts) == 3000 and not bad
         else f"{len(events)} rows events of {counts} rows; misnumbered at {bad[:3]}")' "$WORK/s9_made_later"
check_ran "s9: the checker agrees on made_later (each rows event numbered from 0)" 0 "$WORK/check-s9-made_later" \
  'checked 3001 events' python3 tests/integration/cdc_check.py "$ONPREM_BOOTSTRAP" "$MYSQL_ROOT_CNF" s9 made_later
check_stop "s9: exit 0" "$pid"
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
check_eq "binlog_format is ROW again" ROW "$(sql 'SELECT @@binlog_format')"
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
bg_start "$WORK/bad5" "$BRIDGE" cdc -F "$PROPS" -X dc=s7 -X onprem.bootstrap.servers=127.0.0.1:1 -X cdc.http.listen=
pid=$BG_PID
sleep 4
check "Kafka unreachable: it waits, never exits" running "$pid"
check "Kafka unreachable: says so" grep -qi "unreachable" "$WORK/bad5"
check_stop "Kafka unreachable: SIGTERM exits 0" "$pid"
# --- binlog_row_metadata=MINIMAL: names and keys from information_schema ------
sql "CREATE TABLE enum_probe (id INT PRIMARY KEY, state ENUM('new','it''s'), tags SET('a','b','c'))"
sql "SET GLOBAL binlog_row_metadata=MINIMAL"
cdc_bg s8 --include customers,enum_probe --snapshot-mode never
pid=$BG_PID
check "s8: streaming" streaming
sim --orders 50 --rate 0 -X sim.customer.update.ratio=1
sql "INSERT INTO enum_probe VALUES (1, 'it''s', 'a,c')"
check "s8: caught up" caught_up
check_stop "s8: exit 0" "$pid"
sql "SET GLOBAL binlog_row_metadata=FULL"
sql "DROP TABLE enum_probe"
check "s8: ENUM and SET names from information_schema too" bash -c \
  "kcat -C -b $ONPREM_BOOTSTRAP -t s8_enum_probe -e -q | grep -q '\"after\":{\"id\":1,\"state\":\"it'\\''s\",\"tags\":\"a,c\"}'"
check "s8: without FULL metadata, names and key come from information_schema" bash -c \
  "kcat -C -b $ONPREM_BOOTSTRAP -t s8_customers -e -q -f '%k %s\n' | head -1 | grep -q '^{\"id\":[0-9]*} {\"before\":{\"id\":[0-9]*,\"first_name\"'"
check "s8: it said so" grep -q "column names from information_schema" "$WORK/s8.log"

# --- a purged position: said clearly, or a new snapshot with when_needed ------
sql "FLUSH BINARY LOGS"
sim --orders 20 --rate 0
sql "PURGE BINARY LOGS BEFORE NOW() + INTERVAL 1 DAY"
"$BRIDGE" cdc -F "$PROPS" -X dc=s1 -X cdc.http.listen= >"$WORK/purged" 2>&1
check "purged position: exit 1" test $? -eq 1
check "purged position: says so and offers when_needed" grep -q "may be purged; set cdc.snapshot.mode=when_needed" "$WORK/purged"
cdc_bg s1 --snapshot-mode when_needed
pid=$BG_PID
check "purged position, when_needed: a new snapshot, then streaming" caught_up
check_stop "purged position, when_needed: exit 0" "$pid"
check "purged position, when_needed: it took a new snapshot" grep -q "taking a new snapshot" "$WORK/s1.log"

# --- ./lab up cdc: the lab runs it as a service --------------------------------
check_lab_service cdc

"$BRIDGE" --help >"$WORK/help" 2>&1
check "bridge --help lists cdc" grep -q "^  cdc" "$WORK/help"
"$BRIDGE" cdc --help >"$WORK/help" 2>&1
check "bridge cdc --help lists options and keys" grep -q -- "--snapshot-mode" "$WORK/help"

check "a demo's cdc on this machine (pid $demo_pid) was left alone" running "$demo_pid"
tap_finish
